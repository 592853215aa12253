#include "crypto/memory.hpp"

#include <cstring>

#include <sodium.h>

namespace sluice::crypto {

void wipe(void* data, std::size_t size) noexcept { sodium_memzero(data, size); }

bool equal_ct(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  // Lengths are public; only the contents need constant-time comparison.
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_zero_ct(std::span<const std::uint8_t> bytes) noexcept {
  return sodium_is_zero(bytes.data(), bytes.size()) == 1;
}

std::size_t PublicKeyHash::operator()(const PublicKey& key) const noexcept {
  // Public keys are uniformly random, so any 8 bytes already make a good hash.
  std::uint64_t h = 0;
  std::memcpy(&h, key.bytes.data(), sizeof(h));
  return static_cast<std::size_t>(h);
}

}  // namespace sluice::crypto
