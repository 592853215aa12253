// BLAKE2s (RFC 7693) over OpenSSL 3, and the HMAC/HKDF constructions WireGuard builds on it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace sluice::crypto {

inline constexpr std::size_t kHashSize = 32;
inline constexpr std::size_t kMacSize = 16;

// BLAKE2s-256 of the concatenation of `parts`.
void blake2s_256(std::span<std::uint8_t, kHashSize> out, std::initializer_list<std::span<const std::uint8_t>> parts);

// Keyed BLAKE2s with a 16-byte output (WireGuard's MAC, used for mac1/mac2 and cookies).
// Key length 1..32 bytes.
void blake2s_mac16(std::span<std::uint8_t, kMacSize> out, std::span<const std::uint8_t> key,
                   std::span<const std::uint8_t> message);

// HMAC (RFC 2104) over BLAKE2s-256, block size 64.
void hmac_blake2s(std::span<std::uint8_t, kHashSize> out, std::span<const std::uint8_t> key,
                  std::initializer_list<std::span<const std::uint8_t>> message_parts);

// WireGuard's KDF_n(key, input) (HKDF with HMAC-BLAKE2s). Outputs may alias `key`.
void kdf1(std::span<std::uint8_t, kHashSize> t1, std::span<const std::uint8_t, kHashSize> key,
          std::span<const std::uint8_t> input);
void kdf2(std::span<std::uint8_t, kHashSize> t1, std::span<std::uint8_t, kHashSize> t2,
          std::span<const std::uint8_t, kHashSize> key, std::span<const std::uint8_t> input);
void kdf3(std::span<std::uint8_t, kHashSize> t1, std::span<std::uint8_t, kHashSize> t2,
          std::span<std::uint8_t, kHashSize> t3, std::span<const std::uint8_t, kHashSize> key,
          std::span<const std::uint8_t> input);

}  // namespace sluice::crypto
