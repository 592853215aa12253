// Transport data through Intel's IPsec Multi-Buffer library: its AVX-512 (or AVX2, SSE)
// ChaCha20-Poly1305 beats libsodium, libgcrypt and OpenSSL at every packet size (a 1440-byte packet
// in half of libgcrypt's time, on an AVX-512 Xeon with Debian 12's libraries), and a call is a
// filled-in job with no key schedule.
#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>

#include <intel-ipsec-mb.h>
#include <sodium.h>

#include "crypto/transport_cipher.hpp"

namespace sluice::crypto {
namespace {

// The library's code for each TransportCode it has.
struct Code {
  TransportCode code;
  IMB_ARCH arch;
  void (*init)(IMB_MGR*);
};
const Code kCodes[] = {{TransportCode::sse, IMB_ARCH_SSE, init_mb_mgr_sse},
                       {TransportCode::avx, IMB_ARCH_AVX, init_mb_mgr_avx},
                       {TransportCode::avx2, IMB_ARCH_AVX2, init_mb_mgr_avx2},
                       {TransportCode::avx512, IMB_ARCH_AVX512, init_mb_mgr_avx512}};

class IpsecMbCipher final : public TransportCipher {
 public:
  explicit IpsecMbCipher(TransportCode newest) : manager_(alloc_mb_mgr(0), free_mb_mgr) {
    if (!manager_) throw std::runtime_error("cannot allocate an IPsec Multi-Buffer manager");
    init_mb_mgr_auto(manager_.get(), &arch_);
    // Older code if the cap is below what the CPU has.
    const auto cap =
        std::find_if(std::begin(kCodes), std::end(kCodes), [&](const Code& c) { return c.code == newest; });
    if (cap != std::end(kCodes) && arch_ > cap->arch) {
      cap->init(manager_.get());
      arch_ = cap->arch;
    }
    if (imb_get_errno(manager_.get()) != 0) {
      throw std::runtime_error(std::string("IPsec Multi-Buffer: ") + imb_get_strerror(imb_get_errno(manager_.get())));
    }
  }

  void seal(std::uint8_t* out, const std::uint8_t* in, std::size_t length, std::uint8_t* tag,
            const TransportNonce& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) override {
    if (!run(IMB_DIR_ENCRYPT, out, in, length, tag, nonce, key, ad)) {
      throw std::runtime_error("ChaCha20-Poly1305 encryption failed");
    }
  }

  bool open(std::uint8_t* out, const std::uint8_t* in, std::size_t length, const std::uint8_t* tag,
            const TransportNonce& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) override {
    // The library computes the tag while it decrypts; the comparison is ours, in constant time.
    // crypto_verify_16 is libsodium's fixed-size tag check (a few vector instructions), where
    // sodium_memcmp walks the bytes one volatile load at a time: 2 % of the receiver's CPU.
    static_assert(kAeadTagSize == crypto_verify_16_BYTES);
    std::array<std::uint8_t, kAeadTagSize> computed{};
    const bool authentic = run(IMB_DIR_DECRYPT, out, in, length, computed.data(), nonce, key, ad) &&
                           crypto_verify_16(computed.data(), tag) == 0;
    // For a forged packet this is the tag it should have carried.
    sodium_memzero(computed.data(), computed.size());
    return authentic;
  }

  // The library, the instruction set it runs (the newest this CPU has, or the cap), and whether
  // it wipes what a key leaves in registers and on the stack (its SAFE_DATA build option, on in
  // Debian's build; sluice keeps no per-thread copy of a key and relies on it).
  [[nodiscard]] std::string description() const override {
    // The library's SSE code without AES-NI (IMB_ARCH_NOAESNI) is SSE code too.
    const auto code =
        std::find_if(std::begin(kCodes), std::end(kCodes), [this](const Code& c) { return c.arch == arch_; });
    const char* name = transport_code_name(code == std::end(kCodes) ? TransportCode::sse : code->code);
    const bool wipes = (manager_->features & IMB_FEATURE_SAFE_DATA) != 0;
    return std::string("Intel IPsec Multi-Buffer ") + imb_get_version_str() + " (" + name + " code" +
           (wipes ? ")" : "; WARNING: built without SAFE_DATA, so key material stays in registers and on the stack)");
  }

 private:
  bool run(IMB_CIPHER_DIRECTION direction, std::uint8_t* out, const std::uint8_t* in, std::size_t length,
           std::uint8_t* tag, const TransportNonce& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) {
    IMB_MGR* manager = manager_.get();
    IMB_JOB* job = IMB_GET_NEXT_JOB(manager);
    job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
    job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
    job->cipher_direction = direction;
    job->chain_order = direction == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->enc_keys = key.data();
    job->dec_keys = key.data();
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

  std::unique_ptr<IMB_MGR, decltype(&free_mb_mgr)> manager_;
  IMB_ARCH arch_ = IMB_ARCH_NONE;
};

}  // namespace

bool ipsec_mb_built_in() noexcept { return true; }

std::unique_ptr<TransportCipher> make_ipsec_mb_cipher(TransportCode newest) {
  if (newest == TransportCode::libsodium) return nullptr;
  return std::make_unique<IpsecMbCipher>(newest);
}

}  // namespace sluice::crypto
