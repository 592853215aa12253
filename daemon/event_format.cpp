#include "daemon/event_format.hpp"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace sluice::daemon {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// clang 14 (the fuzzing tree) deduces no aggregate's template arguments without it.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool plain(std::string_view value) {
  if (value.empty()) return false;
  for (const char c : value) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\' || c == '\x7f') return false;
  }
  return true;
}

// A line is one event whatever a name holds: control characters become \xNN.
std::string quoted_if_needed(std::string_view value) {
  if (plain(value)) return std::string(value);
  std::string out("\"");
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < ' ' || c == '\x7f') {
      out.append(fmt::format("\\x{:02x}", static_cast<unsigned char>(c)));
    } else {
      out.push_back(c);
    }
  }
  return out.append("\"");
}

std::string text_value(const EventValue& value) {
  return std::visit(Overloaded{[](std::monostate) { return std::string("none"); },
                               [](const std::string& text) { return quoted_if_needed(text); },
                               [](std::uint64_t number) { return std::to_string(number); },
                               [](const std::vector<std::string>& list) {
                                 std::string joined;
                                 for (const std::string& item : list) {
                                   if (!joined.empty()) joined.push_back(',');
                                   joined.append(item);
                                 }
                                 // An empty list stays visible as "" rather than a bare "key=".
                                 return quoted_if_needed(joined);
                               }},
                    value);
}

nlohmann::ordered_json json_value(const EventValue& value) {
  return std::visit(Overloaded{[](std::monostate) { return nlohmann::ordered_json(nullptr); },
                               [](const std::string& text) { return nlohmann::ordered_json(text); },
                               [](std::uint64_t number) { return nlohmann::ordered_json(number); },
                               [](const std::vector<std::string>& list) { return nlohmann::ordered_json(list); }},
                    value);
}

}  // namespace

std::string rfc3339_ms(std::chrono::system_clock::time_point time) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  ::gmtime_r(&whole, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, (since_epoch - seconds).count());
}

std::string event_text_line(const Event& event, std::string_view ifname) {
  std::string line = rfc3339_ms(event.time);
  line.append(" ").append(ifname).append(" ").append(event.kind);
  for (const EventField& field : event.fields)
    line.append(" ").append(field.key).append("=").append(text_value(field.value));
  line.push_back('\n');
  return line;
}

std::string event_json_line(const Event& event, std::string_view ifname) {
  nlohmann::ordered_json object;
  object["time"] = rfc3339_ms(event.time);
  object["interface"] = ifname;
  object["event"] = event.kind;
  for (const EventField& field : event.fields) object[field.key] = json_value(field.value);
  // Names from DNS or the mesh are not trusted to be UTF-8: replaced, never an exception.
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).append("\n");
}

}  // namespace sluice::daemon
