// Cryptographically secure randomness (libsodium's randombytes).
#pragma once

#include <cstdint>
#include <span>

namespace sluice::crypto {

// Initialises libsodium once; every wrapper calls it, so callers never need to.
void ensure_initialized();

void random_bytes(std::span<std::uint8_t> out) noexcept;
[[nodiscard]] std::uint32_t random_u32() noexcept;
// Uniform in [0, upper_bound).
[[nodiscard]] std::uint32_t random_uniform(std::uint32_t upper_bound) noexcept;

}  // namespace sluice::crypto
