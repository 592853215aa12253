#include "crypto/blake2s.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/memory.hpp"

namespace sluice::crypto {
namespace {

constexpr std::size_t kBlockSize = 64;

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL ") + what + " failed");
}

template <typename T>
T* check_ptr(T* p, const char* what) {
  if (p == nullptr) throw std::runtime_error(std::string("OpenSSL ") + what + " failed");
  return p;
}

// Fetched once: these run for every handshake message, and a fetch searches the provider store under a lock.
// Deliberately never freed, because OpenSSL's atexit cleanup may run before static destructors.
const EVP_MD* blake2s_md() {
  static EVP_MD* const md = check_ptr(EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr), "EVP_MD_fetch(BLAKE2S-256)");
  return md;
}

EVP_MAC* blake2s_mac() {
  static EVP_MAC* const mac = check_ptr(EVP_MAC_fetch(nullptr, "BLAKE2SMAC", nullptr), "EVP_MAC_fetch(BLAKE2SMAC)");
  return mac;
}

// Incremental BLAKE2s-256. OpenSSL's BLAKE2 provider clears its state when the context is freed.
class Digest {
 public:
  Digest() : ctx_(check_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new"), EVP_MD_CTX_free) {
    check(EVP_DigestInit_ex2(ctx_.get(), blake2s_md(), nullptr), "EVP_DigestInit_ex2");
  }
  void update(std::span<const std::uint8_t> data) {
    check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()), "EVP_DigestUpdate");
  }
  void final(std::span<std::uint8_t, kHashSize> out) {
    check(EVP_DigestFinal_ex(ctx_.get(), out.data(), nullptr), "EVP_DigestFinal_ex");
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// Wipes a local secret on every way out of a scope, exceptions included.
class WipeOnExit {
 public:
  WipeOnExit(void* data, std::size_t size) : data_(data), size_(size) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { wipe(data_, size_); }

 private:
  void* data_;
  std::size_t size_;
};

// T1 = HMAC(T0, 0x01), Ti = HMAC(T0, Ti-1 || i). Everything is computed into locals before any
// output is written, so outputs may alias `key`.
void kdf(std::initializer_list<std::span<std::uint8_t, kHashSize>> outputs,
         std::span<const std::uint8_t, kHashSize> key, std::span<const std::uint8_t> input) {
  std::array<std::uint8_t, kHashSize> t0;
  std::array<std::array<std::uint8_t, kHashSize>, 3> t;
  const WipeOnExit wipe_t0(t0.data(), sizeof(t0));
  const WipeOnExit wipe_t(t.data(), sizeof(t));
  hmac_blake2s(t0, key, {input});
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto counter = static_cast<std::uint8_t>(i + 1);
    const std::span<const std::uint8_t> previous = i == 0 ? std::span<const std::uint8_t>() : t[i - 1];
    hmac_blake2s(t[i], t0, {previous, std::span(&counter, 1)});
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) std::copy(t[i].begin(), t[i].end(), outputs.begin()[i].begin());
}

}  // namespace

void blake2s_256(std::span<std::uint8_t, kHashSize> out, std::initializer_list<std::span<const std::uint8_t>> parts) {
  Digest digest;
  for (const auto& part : parts) digest.update(part);
  digest.final(out);
}

void blake2s_mac16(std::span<std::uint8_t, kMacSize> out, std::span<const std::uint8_t> key,
                   std::span<const std::uint8_t> message) {
  if (key.empty() || key.size() > 32) throw std::invalid_argument("BLAKE2s MAC key must be 1..32 bytes");
  const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(
      check_ptr(EVP_MAC_CTX_new(blake2s_mac()), "EVP_MAC_CTX_new"), EVP_MAC_CTX_free);
  // The output length is part of BLAKE2's parameter block (a 16-byte MAC is not a truncated
  // 32-byte one), so it must reach EVP_MAC_init: set afterwards, OpenSSL 3.0 reports success
  // but still produces the 32-byte MAC. The length check below would catch that.
  std::size_t size = kMacSize;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  check(EVP_MAC_init(ctx.get(), key.data(), key.size(), params), "EVP_MAC_init(BLAKE2SMAC)");
  check(EVP_MAC_update(ctx.get(), message.data(), message.size()), "EVP_MAC_update");
  std::size_t written = 0;
  check(EVP_MAC_final(ctx.get(), out.data(), &written, out.size()), "EVP_MAC_final");
  if (written != kMacSize) throw std::runtime_error("OpenSSL BLAKE2SMAC returned the wrong length");
}

void hmac_blake2s(std::span<std::uint8_t, kHashSize> out, std::span<const std::uint8_t> key,
                  std::initializer_list<std::span<const std::uint8_t>> message_parts) {
  // RFC 2104 by hand over the cached digest: cheaper than an EVP_MAC "HMAC" context, which has
  // to be given its digest by name (another fetch) each time. `out` is written last, so it may alias.
  std::array<std::uint8_t, kBlockSize> pad{};
  std::array<std::uint8_t, kHashSize> inner;
  const WipeOnExit wipe_pad(pad.data(), sizeof(pad));
  const WipeOnExit wipe_inner(inner.data(), sizeof(inner));
  if (key.size() > kBlockSize) {
    blake2s_256(std::span<std::uint8_t, kHashSize>(pad.data(), kHashSize), {key});
  } else {
    std::copy(key.begin(), key.end(), pad.begin());
  }
  for (auto& b : pad) b ^= 0x36;
  Digest inner_digest;
  inner_digest.update(pad);
  for (const auto& part : message_parts) inner_digest.update(part);
  inner_digest.final(inner);

  for (auto& b : pad) b ^= 0x36 ^ 0x5c;
  blake2s_256(out, {pad, inner});
}

void kdf1(std::span<std::uint8_t, kHashSize> t1, std::span<const std::uint8_t, kHashSize> key,
          std::span<const std::uint8_t> input) {
  kdf({t1}, key, input);
}

void kdf2(std::span<std::uint8_t, kHashSize> t1, std::span<std::uint8_t, kHashSize> t2,
          std::span<const std::uint8_t, kHashSize> key, std::span<const std::uint8_t> input) {
  kdf({t1, t2}, key, input);
}

void kdf3(std::span<std::uint8_t, kHashSize> t1, std::span<std::uint8_t, kHashSize> t2,
          std::span<std::uint8_t, kHashSize> t3, std::span<const std::uint8_t, kHashSize> key,
          std::span<const std::uint8_t> input) {
  kdf({t1, t2, t3}, key, input);
}

}  // namespace sluice::crypto
