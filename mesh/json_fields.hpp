// Typed reading of Flannel's JSON documents (the network config and the subnet leases) with
// messages that name the field: "Backend.ListenPort: expected an integer, got a string".
// Go's encoding/json wrote them and reads them, so its rules apply: a field's name matches
// case-insensitively when no exact match exists, and null is the same as an absent field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::mesh {

using Json = nlohmann::json;

// The member `name` of `object`, or nullptr when absent or null.
[[nodiscard]] const Json* find_field(const Json& object, std::string_view name);

// "a string", "an integer", "an object", ...
[[nodiscard]] std::string_view json_type_name(const Json& value);

// Parses `text`; on malformed JSON throws Error("CONTEXTmalformed JSON: ..."), with the parser's
// line and column but without its "[json.exception...]" tag and the text it last read (which
// could be part of a key).
template <typename Error>
Json parse_json(std::string_view text, std::string_view context);

// Reads fields, throwing Error("CONTEXTFIELD: message").
template <typename Error>
class FieldReader {
 public:
  explicit FieldReader(std::string context) : context_(std::move(context)) {}

  [[noreturn]] void fail(std::string_view field, const std::string& message) const {
    throw Error(context_ + std::string(field) + ": " + message);
  }

  const Json& object(const Json& value, std::string_view field) const {
    if (!value.is_object()) fail(field, "expected an object, got " + std::string(json_type_name(value)));
    return value;
  }
  const std::string& string(const Json& value, std::string_view field) const {
    if (!value.is_string()) fail(field, "expected a string, got " + std::string(json_type_name(value)));
    return value.get_ref<const std::string&>();
  }
  bool boolean(const Json& value, std::string_view field) const {
    if (!value.is_boolean()) fail(field, "expected true or false, got " + std::string(json_type_name(value)));
    return value.get<bool>();
  }
  std::int64_t integer(const Json& value, std::string_view field, std::int64_t min, std::int64_t max) const {
    if (!value.is_number_integer()) fail(field, "expected an integer, got " + std::string(json_type_name(value)));
    const bool too_big = value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max);
    if (too_big || value.get<std::int64_t>() < min || value.get<std::int64_t>() > max) {
      fail(field, value.dump() + " is out of range (" + std::to_string(min) + "-" + std::to_string(max) + ")");
    }
    return value.get<std::int64_t>();
  }

 private:
  std::string context_;
};

template <typename Error>
Json parse_json(std::string_view text, std::string_view context) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string_view message = e.what();
    if (const auto tag_end = message.find("] "); message.starts_with("[json.exception") && tag_end != message.npos) {
      message.remove_prefix(tag_end + 2);
    }
    message = message.substr(0, message.find("; last read"));
    throw Error(std::string(context) + "malformed JSON: " + std::string(message));
  }
}

}  // namespace sluice::mesh
