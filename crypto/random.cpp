#include "crypto/random.hpp"

#include <cstdio>
#include <cstdlib>

#include <sodium.h>

namespace sluice::crypto {

void ensure_initialized() {
  // A function-local static runs sodium_init() exactly once, even with concurrent first callers.
  static const bool initialized = [] {
    if (sodium_init() < 0) {
      // Without a working CSPRNG no key can be made safely; there is nothing sane to fall back to.
      std::fputs("sluice: libsodium initialisation failed\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)initialized;
}

void random_bytes(std::span<std::uint8_t> out) noexcept {
  if (out.empty()) return;  // randombytes_buf() is declared nonnull, and an empty span may be null
  ensure_initialized();
  randombytes_buf(out.data(), out.size());
}

std::uint32_t random_u32() noexcept {
  ensure_initialized();
  return randombytes_random();
}

std::uint32_t random_uniform(std::uint32_t upper_bound) noexcept {
  ensure_initialized();
  return randombytes_uniform(upper_bound);
}

}  // namespace sluice::crypto
