#include "crypto/aead.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <intel-ipsec-mb.h>
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

// cap_transport_code()'s setting, read when a thread makes its cipher.
std::atomic<TransportCode> newest_code{TransportCode::avx512};

// The library's code for each TransportCode, in the enum's order.
struct Code {
  IMB_ARCH arch;
  void (*init)(IMB_MGR*);
  const char* name;
};
const Code kCodes[] = {{IMB_ARCH_SSE, init_mb_mgr_sse, "SSE"},
                       {IMB_ARCH_AVX, init_mb_mgr_avx, "AVX"},
                       {IMB_ARCH_AVX2, init_mb_mgr_avx2, "AVX2"},
                       {IMB_ARCH_AVX512, init_mb_mgr_avx512, "AVX-512"}};

const Code& code_of(TransportCode code) noexcept { return kCodes[static_cast<std::size_t>(code)]; }

// Transport data goes through Intel's IPsec Multi-Buffer library: its AVX-512 (or AVX2, SSE)
// ChaCha20-Poly1305 takes half of libgcrypt's time for a 1440-byte packet and beats OpenSSL at
// every size up to 64 KB, and a call is a filled-in job with no key schedule. Measured on this
// machine's CPU with the libraries Debian 12 ships.
class TransportCipher {
 public:
  TransportCipher() : manager_(alloc_mb_mgr(0), free_mb_mgr) {
    if (!manager_) throw std::runtime_error("cannot allocate an IPsec Multi-Buffer manager");
    init_mb_mgr_auto(manager_.get(), &arch_);
    // Older code if the cap is below what the CPU has.
    const Code& cap = code_of(newest_code.load(std::memory_order_relaxed));
    if (arch_ > cap.arch) {
      cap.init(manager_.get());
      arch_ = cap.arch;
    }
    if (imb_get_errno(manager_.get()) != 0) {
      throw std::runtime_error(std::string("IPsec Multi-Buffer: ") + imb_get_strerror(imb_get_errno(manager_.get())));
    }
  }

  // Seals or opens `length` bytes from `in` to `out` (which may be `in`) and writes the tag the
  // data carries to `tag`; the caller compares it for an open.
  bool run(IMB_CIPHER_DIRECTION direction, std::uint8_t* out, const std::uint8_t* in, std::size_t length,
           std::uint8_t* tag, const std::array<std::uint8_t, 12>& nonce, const std::uint8_t* key,
           std::span<const std::uint8_t> ad) {
    IMB_MGR* manager = manager_.get();
    IMB_JOB* job = IMB_GET_NEXT_JOB(manager);
    job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
    job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
    job->cipher_direction = direction;
    job->chain_order = direction == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->enc_keys = key;
    job->dec_keys = key;
    job->key_len_in_bytes = IMB_KEY_256_BYTES;
    job->iv = nonce.data();
    job->iv_len_in_bytes = nonce.size();
    job->src = in;
    job->dst = out;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = length;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = length;
    job->u.CHACHA20_POLY1305.aad = ad.data();
    job->u.CHACHA20_POLY1305.aad_len_in_bytes = ad.size();
    job->auth_tag_output = tag;
    job->auth_tag_output_len_in_bytes = kAeadTagSize;
    // Only one job is ever queued, so a flush hands it back if the submit did not.
    IMB_JOB* done = IMB_SUBMIT_JOB(manager);
    if (done == nullptr) done = IMB_FLUSH_JOB(manager);
    return done != nullptr && done->status == IMB_STATUS_COMPLETED;
  }

  // The library, the instruction set it runs (the newest this CPU has, or the cap), and whether
  // it wipes what a key leaves in registers and on the stack (its SAFE_DATA build option, on in
  // Debian's build).
  [[nodiscard]] std::string description() const {
    // The library's SSE code without AES-NI (IMB_ARCH_NOAESNI) is SSE code too.
    const auto code =
        std::find_if(std::begin(kCodes), std::end(kCodes), [this](const Code& c) { return c.arch == arch_; });
    const char* name = code == std::end(kCodes) ? "SSE" : code->name;
    const bool wipes = (manager_->features & IMB_FEATURE_SAFE_DATA) != 0;
    return std::string("Intel IPsec Multi-Buffer ") + imb_get_version_str() + " (" + name + " code" +
           (wipes ? ")" : "; WARNING: built without SAFE_DATA, so key material stays in registers and on the stack)");
  }

 private:
  std::unique_ptr<IMB_MGR, decltype(&free_mb_mgr)> manager_;
  IMB_ARCH arch_ = IMB_ARCH_NONE;
};

// One manager per thread (a manager is not thread-safe), made on first use. It holds no key
// between calls: a job only points at the caller's key.
TransportCipher& transport_cipher() {
  thread_local std::optional<TransportCipher> cipher;
  if (!cipher) cipher.emplace();
  return *cipher;
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
  if (!transport_cipher().run(IMB_DIR_ENCRYPT, out.data(), plaintext.data(), plaintext.size(),
                              out.data() + plaintext.size(), wg_nonce(counter), key.data(), ad)) {
    throw std::runtime_error("ChaCha20-Poly1305 encryption failed");
  }
}

bool wg_aead_decrypt(std::span<std::uint8_t> out, std::span<const std::uint8_t> ciphertext, std::uint64_t counter,
                     const SymmetricKey& key, std::span<const std::uint8_t> ad) {
  if (ciphertext.size() < kAeadTagSize) return false;
  const std::size_t length = ciphertext.size() - kAeadTagSize;
  if (out.size() < length) throw std::invalid_argument("AEAD output buffer too small for plaintext");
  check_overlap(out.first(length), ciphertext);
  // The tag is computed over the ciphertext while it is decrypted, so it is kept aside first (an
  // in-place open overwrites the ciphertext, not the tag, but the comparison must see the original),
  // and a failed packet's plaintext is wiped.
  std::array<std::uint8_t, kAeadTagSize> received{};
  std::copy_n(ciphertext.data() + length, kAeadTagSize, received.begin());
  std::array<std::uint8_t, kAeadTagSize> computed{};
  if (transport_cipher().run(IMB_DIR_DECRYPT, out.data(), ciphertext.data(), length, computed.data(),
                             wg_nonce(counter), key.data(), ad) &&
      sodium_memcmp(computed.data(), received.data(), kAeadTagSize) == 0) {
    return true;
  }
  sodium_memzero(out.data(), length);
  return false;
}

void cap_transport_code(TransportCode newest) noexcept { newest_code.store(newest, std::memory_order_relaxed); }

const char* transport_code_name(TransportCode code) noexcept { return code_of(code).name; }

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
