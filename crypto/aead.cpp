#include "crypto/aead.hpp"

#include <array>
#include <functional>
#include <stdexcept>

#include <sodium.h>

#include "crypto/random.hpp"

namespace sluice::crypto {
namespace {

// The IETF ChaCha20-Poly1305 and XChaCha20-Poly1305 detached calls share one signature, so
// one pair of helpers does the size checks for both.
using SealFn = decltype(&crypto_aead_chacha20poly1305_ietf_encrypt_detached);
using OpenFn = decltype(&crypto_aead_chacha20poly1305_ietf_decrypt_detached);

// libsodium handles out == in, but a shifted overlap would silently produce garbage.
void check_overlap(std::span<const std::uint8_t> out, std::span<const std::uint8_t> in) {
  if (out.empty() || in.empty() || out.data() == in.data()) return;
  const std::less<const std::uint8_t*> before;
  if (before(out.data(), in.data() + in.size()) && before(in.data(), out.data() + out.size())) {
    throw std::invalid_argument("AEAD output may only overlap its input exactly (in place)");
  }
}

void seal(SealFn fn, std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext,
          const std::uint8_t* nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  if (out.size() < plaintext.size() + kAeadTagSize) {
    throw std::invalid_argument("AEAD output buffer too small for ciphertext and tag");
  }
  check_overlap(out.first(plaintext.size() + kAeadTagSize), plaintext);
  ensure_initialized();
  // The tag goes right after the ciphertext, which is where the wire format wants it.
  fn(out.data(), out.data() + plaintext.size(), nullptr, plaintext.data(), plaintext.size(), ad.data(), ad.size(),
     nullptr, nonce, key.data());
}

bool open(OpenFn fn, std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext, const std::uint8_t* nonce,
          const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  if (ciphertext.size() < kAeadTagSize) return false;
  const std::size_t length = ciphertext.size() - kAeadTagSize;
  if (out.size() < length) throw std::invalid_argument("AEAD output buffer too small for plaintext");
  check_overlap(out.first(length), ciphertext);
  ensure_initialized();
  // libsodium checks the tag before decrypting and zeroes `out` on failure.
  return fn(out.data(), nullptr, ciphertext.data(), length, ciphertext.data() + length, ad.data(), ad.size(), nonce,
            key.data()) == 0;
}

std::array<std::uint8_t, 12> wg_nonce(std::uint64_t counter) {
  std::array<std::uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
  return nonce;
}

}  // namespace

void chacha20poly1305_encrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext,
                              std::span<const std::uint8_t, 12> nonce, const SymmetricKey& key,
                              std::span<const std::uint8_t> ad) {
  seal(crypto_aead_chacha20poly1305_ietf_encrypt_detached, out, plaintext, nonce.data(), key, ad);
}

bool chacha20poly1305_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext,
                              std::span<const std::uint8_t, 12> nonce, const SymmetricKey& key,
                              std::span<const std::uint8_t> ad) {
  return open(crypto_aead_chacha20poly1305_ietf_decrypt_detached, out, ciphertext, nonce.data(), key, ad);
}

void wg_aead_encrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext, std::uint64_t counter,
                     const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  chacha20poly1305_encrypt(out, plaintext, wg_nonce(counter), key, ad);
}

bool wg_aead_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext, std::uint64_t counter,
                     const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  return chacha20poly1305_decrypt(out, ciphertext, wg_nonce(counter), key, ad);
}

void xchacha20poly1305_encrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext,
                               std::span<const std::uint8_t, kXChaChaNonceSize> nonce, const SymmetricKey& key,
                               std::span<const std::uint8_t> ad) {
  seal(crypto_aead_xchacha20poly1305_ietf_encrypt_detached, out, plaintext, nonce.data(), key, ad);
}

bool xchacha20poly1305_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext,
                               std::span<const std::uint8_t, kXChaChaNonceSize> nonce, const SymmetricKey& key,
                               std::span<const std::uint8_t> ad) {
  return open(crypto_aead_xchacha20poly1305_ietf_decrypt_detached, out, ciphertext, nonce.data(), key, ad);
}

}  // namespace sluice::crypto
