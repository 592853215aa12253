#include "crypto/x25519.hpp"

#include <stdexcept>

#include <sodium.h>

#include "crypto/random.hpp"

namespace sluice::crypto {

PrivateKey generate_private_key() {
  PrivateKey key;
  random_bytes(key.span());
  // RFC 7748 section 5 clamping, so the stored key is the scalar actually used (as wg(8) does).
  key.data()[0] &= 248;
  key.data()[31] &= 127;
  key.data()[31] |= 64;
  return key;
}

PublicKey public_from_private(const PrivateKey& private_key) {
  ensure_initialized();
  PublicKey pub;
  // Only fails for an all-zero result, which a clamped scalar times the base point cannot give.
  if (crypto_scalarmult_curve25519_base(pub.bytes.data(), private_key.data()) != 0) {
    throw std::runtime_error("X25519 base-point multiplication failed");
  }
  return pub;
}

bool x25519(SecretBytes<32>& shared, const PrivateKey& private_key, const PublicKey& public_key) {
  return x25519_raw(shared.span(), private_key.span(), public_key.span());
}

bool x25519_raw(std::span<std::uint8_t, 32> out, std::span<const std::uint8_t, 32> scalar,
                std::span<const std::uint8_t, 32> point) {
  ensure_initialized();
  // libsodium returns -1 for an all-zero result (low-order point), sometimes without writing
  // `out` at all, so zero it ourselves.
  if (crypto_scalarmult_curve25519(out.data(), scalar.data(), point.data()) != 0) {
    wipe(out.data(), out.size());
    return false;
  }
  return true;
}

}  // namespace sluice::crypto
