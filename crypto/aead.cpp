#include "crypto/aead.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>

#include <gcrypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <memory>
#include <optional>

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

// Transport data: libgcrypt for packets up to about twice a common MTU, OpenSSL above. Per call,
// libgcrypt's setup costs a third of OpenSSL's (no parameter lookups), which halves the time for a
// small packet and saves about 15% at 1440 bytes; OpenSSL's AVX-512 code wins from about 3 KB on.
// Measured on this machine's CPU with both libraries as Debian 12 ships them.
constexpr std::size_t kLargeTransport = 3072;

// One context per thread and direction, made once; each packet only sets key and nonce.
class EvpAead {
 public:
  explicit EvpAead(bool encrypt) : ctx_(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free), encrypt_(encrypt) {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    if (!ctx_ || cipher == nullptr || EVP_CipherInit_ex(ctx_.get(), cipher, nullptr, nullptr, nullptr, encrypt) != 1) {
      throw std::runtime_error("OpenSSL has no ChaCha20-Poly1305");
    }
  }

  bool run(std::uint8_t* out, const std::uint8_t* in, std::size_t length, std::uint8_t* tag,
           const std::array<std::uint8_t, 12>& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) {
    EVP_CIPHER_CTX* ctx = ctx_.get();
    int written = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data(), encrypt_) != 1) return false;
    if (!encrypt_ && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kAeadTagSize, tag) != 1) return false;
    if (!ad.empty() && EVP_CipherUpdate(ctx, nullptr, &written, ad.data(), static_cast<int>(ad.size())) != 1) {
      return false;
    }
    if (length > 0 && EVP_CipherUpdate(ctx, out, &written, in, static_cast<int>(length)) != 1) return false;
    if (EVP_CipherFinal_ex(ctx, out + length, &written) != 1) return false;
    return !encrypt_ || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kAeadTagSize, tag) == 1;
  }

  // Replaces the last key (and the one-time Poly1305 key derived from it) with zeros.
  void forget() noexcept {
    const std::array<std::uint8_t, 32> zero_key{};
    const std::array<std::uint8_t, 12> zero_nonce{};
    EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, zero_key.data(), zero_nonce.data(), encrypt_);
  }

 private:
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx_;
  bool encrypt_;
};

// libgcrypt wants its version check before any other call, once per process.
void gcrypt_initialize() {
  static const bool initialized = [] {
    if (gcry_check_version(GCRYPT_VERSION) == nullptr) {
      throw std::runtime_error("libgcrypt is older than sluice was built with");
    }
    // Keys live in sluice's own locked memory; libgcrypt's secure heap is not used.
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return true;
  }();
  (void)initialized;
}

// One handle per thread, used for both directions; closing it wipes the last key it held.
class GcryptAead {
 public:
  GcryptAead() {
    gcrypt_initialize();
    if (gcry_cipher_open(&handle_, GCRY_CIPHER_CHACHA20, GCRY_CIPHER_MODE_POLY1305, 0) != 0) {
      throw std::runtime_error("libgcrypt has no ChaCha20-Poly1305");
    }
  }
  ~GcryptAead() { gcry_cipher_close(handle_); }
  GcryptAead(const GcryptAead&) = delete;
  GcryptAead& operator=(const GcryptAead&) = delete;

  // Decryption checks the tag after decrypting; the caller wipes `out` on failure.
  bool run(bool encrypt, std::uint8_t* out, const std::uint8_t* in, std::size_t length, std::uint8_t* tag,
           const std::array<std::uint8_t, 12>& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) {
    if (gcry_cipher_setkey(handle_, key.data(), key.size()) != 0 ||
        gcry_cipher_setiv(handle_, nonce.data(), nonce.size()) != 0) {
      return false;
    }
    if (!ad.empty() && gcry_cipher_authenticate(handle_, ad.data(), ad.size()) != 0) return false;
    // Announcing the last call lets libgcrypt run its one-pass (stitched) code over the whole input.
    gcry_cipher_final(handle_);
    // In place is a null input to libgcrypt.
    const std::uint8_t* input = in == out ? nullptr : in;
    if (encrypt) {
      return gcry_cipher_encrypt(handle_, out, length, input, input == nullptr ? 0 : length) == 0 &&
             gcry_cipher_gettag(handle_, tag, kAeadTagSize) == 0;
    }
    return gcry_cipher_decrypt(handle_, out, length, input, input == nullptr ? 0 : length) == 0 &&
           gcry_cipher_checktag(handle_, tag, kAeadTagSize) == 0;
  }

  // Replaces the last key with zeros (libgcrypt keeps a second copy for gcry_cipher_reset, which
  // setkey overwrites too); the reset then clears the Poly1305 state.
  void forget() noexcept {
    const std::array<std::uint8_t, 32> zero_key{};
    gcry_cipher_setkey(handle_, zero_key.data(), zero_key.size());
    gcry_cipher_reset(handle_);
  }

 private:
  gcry_cipher_hd_t handle_ = nullptr;
};

// This thread's contexts, made on first use; `keyed` says whether one has held a key since the
// last forget_transport_keys().
struct ThreadContexts {
  std::optional<GcryptAead> gcrypt;
  std::optional<EvpAead> sealer;
  std::optional<EvpAead> opener;
  bool keyed = false;
};
thread_local ThreadContexts contexts;

// Runs one transport seal or open on the backend for its size.
bool transport_aead(bool encrypt, std::uint8_t* out, const std::uint8_t* in, std::size_t length, std::uint8_t* tag,
                    const std::array<std::uint8_t, 12>& nonce, const SymmetricKey& key,
                    std::span<const std::uint8_t> ad) {
  ThreadContexts& own = contexts;
  own.keyed = true;
  if (length < kLargeTransport) {
    if (!own.gcrypt) own.gcrypt.emplace();
    return own.gcrypt->run(encrypt, out, in, length, tag, nonce, key, ad);
  }
  std::optional<EvpAead>& evp = encrypt ? own.sealer : own.opener;
  if (!evp) evp.emplace(encrypt);
  return evp->run(out, in, length, tag, nonce, key, ad);
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
  if (out.size() < plaintext.size() + kAeadTagSize) {
    throw std::invalid_argument("AEAD output buffer too small for ciphertext and tag");
  }
  check_overlap(out.first(plaintext.size() + kAeadTagSize), plaintext);
  if (!transport_aead(true, out.data(), plaintext.data(), plaintext.size(), out.data() + plaintext.size(),
                      wg_nonce(counter), key, ad)) {
    throw std::runtime_error("ChaCha20-Poly1305 encryption failed");
  }
}

bool wg_aead_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext, std::uint64_t counter,
                     const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  if (ciphertext.size() < kAeadTagSize) return false;
  const std::size_t length = ciphertext.size() - kAeadTagSize;
  if (out.size() < length) throw std::invalid_argument("AEAD output buffer too small for plaintext");
  check_overlap(out.first(length), ciphertext);
  // OpenSSL takes the tag through a non-const pointer, so it gets a copy. Both libraries check the
  // tag only after decrypting, so a failed packet's plaintext is wiped.
  std::array<std::uint8_t, kAeadTagSize> tag{};
  std::copy_n(ciphertext.data() + length, kAeadTagSize, tag.begin());
  if (transport_aead(false, out.data(), ciphertext.data(), length, tag.data(), wg_nonce(counter), key, ad)) {
    return true;
  }
  sodium_memzero(out.data(), length);
  return false;
}

void forget_transport_keys() noexcept {
  ThreadContexts& own = contexts;
  if (!own.keyed) return;
  own.keyed = false;
  if (own.gcrypt) own.gcrypt->forget();
  if (own.sealer) own.sealer->forget();
  if (own.opener) own.opener->forget();
}

std::string transport_aead_libraries() {
  gcrypt_initialize();
  return "libgcrypt " + std::string(gcry_check_version(nullptr)) + " below " + std::to_string(kLargeTransport) +
         " bytes, OpenSSL " + OpenSSL_version(OPENSSL_VERSION_STRING) + " from there";
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
