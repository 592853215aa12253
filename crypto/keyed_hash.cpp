#include "crypto/keyed_hash.hpp"

#include <sodium.h>

#include <array>
#include <cstring>

#include "crypto/random.hpp"

namespace sluice::crypto {
namespace {

using HashKey = std::array<std::uint8_t, crypto_shorthash_siphash24_KEYBYTES>;

const HashKey& process_key() noexcept {
  static const HashKey key = [] {
    HashKey fresh{};
    random_bytes(fresh);
    return fresh;
  }();
  return key;
}

}  // namespace

std::uint64_t keyed_hash(std::span<const std::uint8_t> data) noexcept {
  std::array<std::uint8_t, crypto_shorthash_siphash24_BYTES> out{};
  crypto_shorthash_siphash24(out.data(), data.data(), data.size(), process_key().data());
  std::uint64_t value = 0;
  std::memcpy(&value, out.data(), sizeof value);
  return value;
}

}  // namespace sluice::crypto
