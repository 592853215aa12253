#include "mesh/json_fields.hpp"

#include <algorithm>
#include <cctype>

#include "crypto/key_encoding.hpp"

namespace sluice::mesh {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

const Json* find_field(const Json& object, std::string_view name) {
  const Json* found = nullptr;
  if (const auto exact = object.find(name); exact != object.end()) {
    found = &*exact;
  } else {
    for (const auto& [key, value] : object.items()) {
      if (equal_ignoring_case(key, name)) {
        found = &value;
        break;
      }
    }
  }
  return found != nullptr && !found->is_null() ? found : nullptr;
}

std::string_view json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a fractional number";
    case Json::value_t::null:
      return "null";
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return "nothing";
}

}  // namespace sluice::mesh
