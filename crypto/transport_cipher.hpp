// The ChaCha20-Poly1305 that seals and opens transport data, one per thread: Intel's IPsec
// Multi-Buffer library where the build has it (amd64) and no cap says otherwise, else libsodium.
// Internal to crypto/: the rest of sluice calls wg_aead_encrypt() and wg_aead_decrypt().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "crypto/aead.hpp"

namespace sluice::crypto {

using TransportNonce = std::array<std::uint8_t, 12>;

class TransportCipher {
 public:
  virtual ~TransportCipher() = default;
  // `length` bytes from `in` to `out` (the same address, or apart), the tag to `tag`.
  virtual void seal(std::uint8_t* out, const std::uint8_t* in, std::size_t length, std::uint8_t* tag,
                    const TransportNonce& nonce, const SymmetricKey& key, std::span<const std::uint8_t> ad) = 0;
  // Whether `tag` authenticates `length` bytes at `in`; if it does, their plaintext is at `out`.
  [[nodiscard]] virtual bool open(std::uint8_t* out, const std::uint8_t* in, std::size_t length,
                                  const std::uint8_t* tag, const TransportNonce& nonce, const SymmetricKey& key,
                                  std::span<const std::uint8_t> ad) = 0;
  // The library and the code it runs, for the start-up log.
  [[nodiscard]] virtual std::string description() const = 0;
};

// Its cipher running the newest code this CPU has, or `newest` if that is older; nullptr when the
// build lacks the library or `newest` is TransportCode::libsodium.
[[nodiscard]] std::unique_ptr<TransportCipher> make_ipsec_mb_cipher(TransportCode newest);
[[nodiscard]] std::unique_ptr<TransportCipher> make_sodium_cipher();

}  // namespace sluice::crypto
