// The line framing of the userspace protocol's text, shared by the daemon's request parsers and
// sluicectl's answer parsers (and its wg-quick importer, whose files end lines the same way):
// lines end in '\n', and each is key=value, split at the first '=' (a value may hold more). What a
// missing '\n' or '=' means is each caller's own rule.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

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

}  // namespace sluice::uapi
