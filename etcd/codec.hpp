// The gateway's JSON forms: keys and values as base64, int64 fields as strings (or absent when 0).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "etcd/client.hpp"

namespace sluice::etcd {

[[nodiscard]] std::string to_base64(std::string_view bytes);
// Throws Error(invalid) on text that is not standard base64.
[[nodiscard]] std::string from_base64(std::string_view text);

// The end of the range holding every key that starts with `prefix` (etcd's range_end): the
// prefix with its last byte below 0xff raised by one; "\0" (to the end) for "" or all 0xff.
[[nodiscard]] std::string prefix_end(std::string_view prefix);

// Field `name` of `object` as an int64, whether sent as a string or a number; 0 when absent.
[[nodiscard]] std::int64_t int_field(const nlohmann::json& object, const char* name);
[[nodiscard]] std::int64_t header_revision(const nlohmann::json& answer);
[[nodiscard]] KeyValue key_value(const nlohmann::json& kv);

}  // namespace sluice::etcd
