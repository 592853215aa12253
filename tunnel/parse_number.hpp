// Whole-text unsigned numbers, as every text format here (configs, the control protocol,
// command lines) wants them.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
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

// The same, or std::invalid_argument "expected a number from 0 to MAX" (never echoing `text`,
// which may sit next to a key).
template <class Unsigned>
[[nodiscard]] Unsigned parse_unsigned_or_throw(std::string_view text) {
  const auto number = parse_unsigned<Unsigned>(text);
  if (!number) {
    throw std::invalid_argument("expected a number from 0 to " +
                                std::to_string(std::uint64_t{std::numeric_limits<Unsigned>::max()}));
  }
  return *number;
}

}  // namespace sluice::tunnel
