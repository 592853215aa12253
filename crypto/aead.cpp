#include "crypto/aead.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <sodium.h>

#include "crypto/random.hpp"
#include "crypto/transport_cipher.hpp"

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

void seal(SealFn fn, std::span<std::uint8_t> out, std::span<const std::uint8_t> plaintext, const std::uint8_t* nonce,
          const SymmetricKey& key, std::span<const std::uint8_t> ad) {
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

// cap_transport_code()'s setting, read when a thread makes its cipher.
std::atomic<TransportCode> newest_code{TransportCode::avx512};

// libsodium's ChaCha20-Poly1305: where the build has no IPsec Multi-Buffer, or a cap turned it off.
// Its vectorised ChaCha20 spills the key, broadcast into vector lanes, onto the stack and leaves it
// there: the stack below us is wiped after each call. Two KiB missed some of it; four is clean, as
// transport_cipher_leaves_no_key_behind checks. Unlike Intel's library it does not clear the
// vector registers, which the next code to use them overwrites.
class SodiumCipher final : public TransportCipher {
 public:
  // sodium_init() picks the vectorised code the stack wipe is sized for.
  SodiumCipher() { ensure_initialized(); }

  void seal(std::uint8_t* out, const std::uint8_t* in, std::size_t length, std::uint8_t* tag,
            const TransportNonce& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) override {
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, nullptr, in, length, ad.data(), ad.size(), nullptr,
                                                       nonce.data(), key.data());
    sodium_stackzero(kStackBytes);
  }

  bool open(std::uint8_t* out, const std::uint8_t* in, std::size_t length, const std::uint8_t* tag,
            const TransportNonce& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) override {
    const bool ok = crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, nullptr, in, length, tag, ad.data(),
                                                                       ad.size(), nonce.data(), key.data()) == 0;
    sodium_stackzero(kStackBytes);
    return ok;
  }

  [[nodiscard]] std::string description() const override {
    return std::string("libsodium ") + sodium_version_string() +
           (ipsec_mb_built_in() ? "" : " (this build has no Intel IPsec Multi-Buffer)");
  }

 private:
  static constexpr std::size_t kStackBytes = 4096;
};

// One per thread (an IPsec Multi-Buffer manager is not thread-safe), made on first use. It holds
// no key between calls.
TransportCipher& transport_cipher() {
  thread_local const std::unique_ptr<TransportCipher> cipher = [] {
    auto fast = make_ipsec_mb_cipher(newest_code.load(std::memory_order_relaxed));
    return fast ? std::move(fast) : make_sodium_cipher();
  }();
  return *cipher;
}

TransportNonce wg_nonce(std::uint64_t counter) {
  TransportNonce nonce{};
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
  if (out.size() < plaintext.size() + kAeadTagSize) {
    throw std::invalid_argument("AEAD output buffer too small for ciphertext and tag");
  }
  check_overlap(out.first(plaintext.size() + kAeadTagSize), plaintext);
  transport_cipher().seal(out.data(), plaintext.data(), plaintext.size(), out.data() + plaintext.size(),
                          wg_nonce(counter), key, ad);
}

bool wg_aead_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext, std::uint64_t counter,
                     const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  if (ciphertext.size() < kAeadTagSize) return false;
  const std::size_t length = ciphertext.size() - kAeadTagSize;
  if (out.size() < length) throw std::invalid_argument("AEAD output buffer too small for plaintext");
  check_overlap(out.first(length), ciphertext);
  // Neither an in-place nor a separate output reaches the tag (the overlap check).
  if (transport_cipher().open(out.data(), ciphertext.data(), length, ciphertext.data() + length, wg_nonce(counter), key,
                              ad)) {
    return true;
  }
  // A failed packet's plaintext is wiped.
  sodium_memzero(out.data(), length);
  return false;
}

std::unique_ptr<TransportCipher> make_sodium_cipher() { return std::make_unique<SodiumCipher>(); }

void cap_transport_code(TransportCode newest) noexcept { newest_code.store(newest, std::memory_order_relaxed); }

const char* transport_code_name(TransportCode code) noexcept {
  static constexpr const char* kNames[] = {"libsodium", "SSE", "AVX", "AVX2", "AVX-512"};
  return kNames[static_cast<std::size_t>(code)];
}

std::string transport_aead_libraries() { return transport_cipher().description(); }

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
