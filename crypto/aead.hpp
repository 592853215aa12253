// ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305, in place or out of place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "crypto/memory.hpp"

namespace sluice::crypto {

inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kXChaChaNonceSize = 24;

// `out` must hold plaintext.size() + kAeadTagSize bytes. `out` may start at the same address
// as `plaintext` (in-place encryption); any other overlap is not allowed.
void chacha20poly1305_encrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext,
                              std::span<const std::uint8_t, 12> nonce, const SymmetricKey& key,
                              std::span<const std::uint8_t> ad);

// `out` must hold ciphertext.size() - kAeadTagSize bytes; may start where `ciphertext` starts.
// Returns false (and writes nothing usable) if authentication fails or the input is shorter than a tag.
[[nodiscard]] bool chacha20poly1305_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext,
                                            std::span<const std::uint8_t, 12> nonce, const SymmetricKey& key,
                                            std::span<const std::uint8_t> ad);

// WireGuard's nonce: four zero bytes, then the 64-bit counter little-endian.
void wg_aead_encrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext, std::uint64_t counter,
                     const SymmetricKey& key, std::span<const std::uint8_t> ad);
[[nodiscard]] bool wg_aead_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext,
                                   std::uint64_t counter, const SymmetricKey& key, std::span<const std::uint8_t> ad);

// What seals and opens transport data, oldest first: libsodium's portable code, or the
// instruction sets Intel's IPsec Multi-Buffer library has code for. It uses the newest one the
// CPU (and the build: the library is amd64-only) has, unless capped lower here: a fallback a test
// or a benchmark can force (sluiced's SLUICE_DISABLE=avx512, avx2, avx or ipsec-mb). A thread
// keeps the code it started with, so cap before any thread seals or opens.
enum class TransportCode : std::uint8_t { libsodium, sse, avx, avx2, avx512 };
void cap_transport_code(TransportCode newest) noexcept;
// "libsodium", "SSE", "AVX", "AVX2" or "AVX-512", as the start-up log names it.
[[nodiscard]] const char* transport_code_name(TransportCode code) noexcept;
// Whether this build has Intel's IPsec Multi-Buffer library; without it every cap is libsodium.
[[nodiscard]] bool ipsec_mb_built_in() noexcept;

// Which library (and version, and code) seals and opens transport data on the calling thread,
// for the daemon's start-up log.
[[nodiscard]] std::string transport_aead_libraries();

void xchacha20poly1305_encrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext,
                               std::span<const std::uint8_t, kXChaChaNonceSize> nonce, const SymmetricKey& key,
                               std::span<const std::uint8_t> ad);
[[nodiscard]] bool xchacha20poly1305_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext,
                                             std::span<const std::uint8_t, kXChaChaNonceSize> nonce,
                                             const SymmetricKey& key, std::span<const std::uint8_t> ad);

}  // namespace sluice::crypto
