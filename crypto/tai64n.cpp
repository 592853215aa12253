#include "crypto/tai64n.hpp"

#include <cstring>

namespace sluice::crypto {

Tai64n tai64n_from_unix(std::chrono::nanoseconds since_epoch) noexcept {
  // floor() keeps the nanoseconds in [0, 1e9) for times before the epoch as well.
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto nanos = static_cast<std::uint32_t>((since_epoch - seconds).count());
  const std::uint64_t tai = (std::uint64_t{1} << 62) + 10 + static_cast<std::uint64_t>(seconds.count());

  Tai64n out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(tai >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<std::uint8_t>(nanos >> (24 - 8 * i));
  return out;
}

bool tai64n_after(const Tai64n& a, const Tai64n& b) noexcept { return std::memcmp(a.data(), b.data(), a.size()) > 0; }

}  // namespace sluice::crypto
