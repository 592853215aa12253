// Text forms of 32-byte keys: strict base64 (configs, wg tool output) and lowercase hex (the
// WireGuard userspace control protocol).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::crypto {

// Thrown with a message a user can act on ("key must be 44 base64 characters, got 43").
class KeyFormatError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

[[nodiscard]] std::string encode_base64_key(std::span<const std::uint8_t, 32> key);
// Exactly 44 characters of standard base64 ending in one '=', canonical (no stray low bits).
// Writes into `out` so secrets need not pass through a temporary; throws KeyFormatError.
void decode_base64_key(std::string_view text, std::span<std::uint8_t, 32> out);

[[nodiscard]] std::string encode_hex_key(std::span<const std::uint8_t, 32> key);
// Appends the hex form to `out` with no temporary string, for text that will be wiped as a whole.
void append_hex_key(std::string& out, std::span<const std::uint8_t, 32> key);
// Exactly 64 hex digits (either case); throws KeyFormatError.
void decode_hex_key(std::string_view text, std::span<std::uint8_t, 32> out);

}  // namespace sluice::crypto
