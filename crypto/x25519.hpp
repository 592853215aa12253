// X25519 (RFC 7748) over libsodium.
#pragma once

#include "crypto/memory.hpp"

namespace sluice::crypto {

// A fresh, clamped private key.
[[nodiscard]] PrivateKey generate_private_key();

[[nodiscard]] PublicKey public_from_private(const PrivateKey& private_key);

// Diffie-Hellman. Returns false (and leaves `shared` zeroed) when the result is all zero,
// which happens for low-order public points and must abort a handshake.
[[nodiscard]] bool x25519(SecretBytes<32>& shared, const PrivateKey& private_key, const PublicKey& public_key);

// Raw scalar multiplication for known-answer tests: no clamping assumptions beyond RFC 7748.
[[nodiscard]] bool x25519_raw(std::span<std::uint8_t, 32> out, std::span<const std::uint8_t, 32> scalar,
                              std::span<const std::uint8_t, 32> point);

}  // namespace sluice::crypto
