#include "crypto/key_encoding.hpp"

#include <cstdio>

#include <sodium.h>

#include "crypto/memory.hpp"

namespace sluice::crypto {
namespace {

constexpr std::size_t kBase64KeyLength = 44;
constexpr std::size_t kHexKeyLength = 64;

// Keys are secrets, so decoding must take the same time whatever the characters are. These
// map a character to its value, or -1, without branches (the same trick wg(8) uses): each
// term is all-ones >> 8 (i.e. -1) only when `c` lies inside its range, else 0.
int base64_value(char ch) {
  const int c = static_cast<unsigned char>(ch);
  return -1 + ((((('A' - 1) - c) & (c - ('Z' + 1))) >> 8) & (c - 64)) +
         ((((('a' - 1) - c) & (c - ('z' + 1))) >> 8) & (c - 70)) +
         ((((('0' - 1) - c) & (c - ('9' + 1))) >> 8) & (c + 5)) + ((((('+' - 1) - c) & (c - ('+' + 1))) >> 8) & 63) +
         ((((('/' - 1) - c) & (c - ('/' + 1))) >> 8) & 64);
}

int hex_value(char ch) {
  const int c = static_cast<unsigned char>(ch);
  return -1 + ((((('0' - 1) - c) & (c - ('9' + 1))) >> 8) & (c - 47)) +
         ((((('a' - 1) - c) & (c - ('f' + 1))) >> 8) & (c - 86)) +
         ((((('A' - 1) - c) & (c - ('F' + 1))) >> 8) & (c - 54));
}

// On any error `out` is left zeroed, never half-decoded.
[[noreturn]] void throw_wiped(const std::string& message, std::span<std::uint8_t> out) {
  wipe(out.data(), out.size());
  throw KeyFormatError(message);
}

// Names the offending character (never the key) by 1-based position; unprintable ones in hex.
[[noreturn]] void throw_bad_char(const char* alphabet, char ch, std::size_t index, std::span<std::uint8_t> out) {
  const auto c = static_cast<unsigned char>(ch);
  char shown[8];
  std::snprintf(shown, sizeof(shown), c >= 0x20 && c < 0x7f ? "'%c'" : "0x%02x", c);
  throw_wiped(std::string("key contains invalid ") + alphabet + " character " + shown + " at position " +
                  std::to_string(index + 1),
              out);
}

}  // namespace

void append_base64_key(std::string& out, std::span<const std::uint8_t, 32> key) {
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof(text), key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  out.append(text, kBase64KeyLength);
  wipe(text, sizeof(text));
}

std::string encode_base64_key(std::span<const std::uint8_t, 32> key) {
  std::string result;
  append_base64_key(result, key);
  return result;
}

void decode_base64_key(std::string_view text, std::span<std::uint8_t, 32> out) {
  if (text.size() != kBase64KeyLength) {
    throw_wiped("key must be 44 base64 characters, got " + std::to_string(text.size()), out);
  }
  // 43 characters carry 258 bits: the 32 key bytes plus 2 bits that canonical base64 leaves zero.
  std::uint32_t acc = 0;
  unsigned bits = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < kBase64KeyLength; ++i) {
    const int value = base64_value(text[i]);
    if (value < 0) throw_bad_char("base64", text[i], i, out);
    acc = (acc << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<std::uint8_t>(acc >> bits);
    }
  }
  const bool canonical = (acc & 3) == 0;
  wipe(&acc, sizeof(acc));
  if (text.back() != '=') throw_wiped("key must end with one '=' padding character", out);
  if (!canonical) throw_wiped("key is not canonical base64", out);
}

void append_hex_key(std::string& out, std::span<const std::uint8_t, 32> key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (const std::uint8_t byte : key) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xf]);
  }
}

std::string encode_hex_key(std::span<const std::uint8_t, 32> key) {
  char text[kHexKeyLength + 1];
  sodium_bin2hex(text, sizeof(text), key.data(), key.size());
  std::string result(text, kHexKeyLength);
  wipe(text, sizeof(text));
  return result;
}

void decode_hex_key(std::string_view text, std::span<std::uint8_t, 32> out) {
  if (text.size() != kHexKeyLength) {
    throw_wiped("key must be 64 hex digits, got " + std::to_string(text.size()), out);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0) throw_bad_char("hex", text[2 * i], 2 * i, out);
    if (low < 0) throw_bad_char("hex", text[2 * i + 1], 2 * i + 1, out);
    out[i] = static_cast<std::uint8_t>((high << 4) | low);
  }
}

bool may_hold_key(std::string_view text) noexcept {
  constexpr std::size_t kShortestKeyRun = 40;
  std::size_t run = 0;
  for (const char c : text) {
    const bool base64 =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    run = base64 ? run + 1 : 0;
    if (run >= kShortestKeyRun) return true;
  }
  return false;
}

std::string quote_unless_key(std::string_view text) {
  if (may_hold_key(text)) return "(a value that looks like a key, not shown)";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string quoted(1, '\'');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      quoted.append("\\x").push_back(kHex[byte >> 4]);
      quoted.push_back(kHex[byte & 0xf]);
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

}  // namespace sluice::crypto
