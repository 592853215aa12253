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
// Appends the base64 form to `out` with no temporary string, for text that will be wiped as a whole.
void append_base64_key(std::string& out, std::span<const std::uint8_t, 32> key);
// Exactly 44 characters of standard base64 ending in one '=', canonical (no stray low bits).
// Writes into `out` so secrets need not pass through a temporary; throws KeyFormatError.
void decode_base64_key(std::string_view text, std::span<std::uint8_t, 32> out);

[[nodiscard]] std::string encode_hex_key(std::span<const std::uint8_t, 32> key);
// Appends the hex form to `out` with no temporary string, for text that will be wiped as a whole.
void append_hex_key(std::string& out, std::span<const std::uint8_t, 32> key);
// Exactly 64 hex digits (either case); throws KeyFormatError.
void decode_hex_key(std::string_view text, std::span<std::uint8_t, 32> out);

// Whether `text` may hold a key in either form: a run of 40 or more base64 characters (hex digits
// are base64 characters too). Messages that quote what a user wrote check this first, so that a
// key pasted into the wrong field does not reach a log. Host names and addresses never match.
[[nodiscard]] bool may_hold_key(std::string_view text) noexcept;

// `text` in single quotes for a message, or a note saying it is not shown when it may hold a key.
// Control bytes are shown as \xNN, so the message stays one readable line (an embedded NUL would
// cut what() short).
[[nodiscard]] std::string quote_unless_key(std::string_view text);

}  // namespace sluice::crypto
