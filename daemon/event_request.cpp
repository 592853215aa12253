#include "daemon/event_request.hpp"

#include <algorithm>

#include "uapi/lines.hpp"

namespace sluice::daemon {
namespace {

constexpr std::size_t kMaxNameLength = 32;
constexpr std::size_t kMaxValueLength = 256;
constexpr std::size_t kMaxFields = 16;

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool valid_value(std::string_view value) {
  return value.size() <= kMaxValueLength && std::all_of(value.begin(), value.end(), [](char c) {
           return static_cast<unsigned char>(c) >= ' ' && c != '\x7f';
         });
}

}  // namespace

std::optional<Event> parse_publish_request(std::string_view request) {
  if (!request.starts_with(kPublishRequest) || !request.ends_with("\n\n")) return std::nullopt;
  request.remove_prefix(kPublishRequest.size());
  request.remove_suffix(1);  // the empty line
  Event event;
  std::optional<std::string_view> source;
  while (!request.empty()) {
    const std::optional<uapi::KeyValue> line = uapi::split_key_value(uapi::take_line(request));
    if (!line || !valid_name(line->key) || !valid_value(line->value)) return std::nullopt;
    if (!source) {
      if (line->key != "source" || !valid_name(line->value)) return std::nullopt;
      source = line->value;
      event.fields.push_back({"source", std::string(line->value)});
    } else if (event.kind.empty()) {
      if (line->key != "event" || !valid_name(line->value)) return std::nullopt;
      event.kind = line->value;
    } else {
      if (line->key == "time" || line->key == "interface" || line->key == "event" || line->key == "source") {
        return std::nullopt;
      }
      if (event.fields.size() - 1 >= kMaxFields) return std::nullopt;  // `source` is not counted
      event.fields.push_back({std::string(line->key), std::string(line->value)});
    }
  }
  if (event.kind.empty()) return std::nullopt;
  return event;
}

}  // namespace sluice::daemon
