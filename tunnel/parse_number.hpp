// Whole-text unsigned numbers, as every text format here (configs, the control protocol,
// command lines) wants them.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace sluice::tunnel {

// `text` as a number in `base` if all of it is one that fits `Unsigned`: no sign, no white
// space, no trailing characters (std::from_chars alone stops early and accepts "51820x").
template <class Unsigned>
[[nodiscard]] std::optional<Unsigned> parse_unsigned(std::string_view text, int base = 10) noexcept {
  Unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace sluice::tunnel
