// The line framing of the userspace protocol's text, shared by the daemon's request parsers and
// answer writers and sluicectl's answer parsers and request writers (and its wg-quick importer,
// whose files end lines the same way): lines end in '\n', and each is key=value, split at the
// first '=' (a value may hold more). What a missing '\n' or '=' means is each caller's own rule.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/key_encoding.hpp"

namespace sluice::uapi {

// Cuts the first line off `text` and returns it without its '\n'; the last line may lack one.
[[nodiscard]] inline std::string_view take_line(std::string_view& text) noexcept {
  const std::size_t end = std::min(text.find('\n'), text.size());
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(std::min(end + 1, text.size()));
  return line;
}

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// `line` split at its first '='; nullopt when it has none.
[[nodiscard]] inline std::optional<KeyValue> split_key_value(std::string_view line) noexcept {
  const std::size_t equals = line.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  return KeyValue{line.substr(0, equals), line.substr(equals + 1)};
}

// Appends the line "key=value\n". The value must hold no '\n'.
inline void append_line(std::string& out, std::string_view key, std::string_view value) {
  out.append(key).append(1, '=').append(value).push_back('\n');
}
inline void append_line(std::string& out, std::string_view key, std::uint64_t value) {
  append_line(out, key, std::to_string(value));
}
// A key in hex, written straight into `out`: no temporary string holds a secret key. `out` should
// have its room reserved, so that growing leaves no copy of the key in freed memory.
inline void append_key_line(std::string& out, std::string_view name, std::span<const std::uint8_t, 32> key) {
  out.append(name).push_back('=');
  crypto::append_hex_key(out, key);
  out.push_back('\n');
}

}  // namespace sluice::uapi
