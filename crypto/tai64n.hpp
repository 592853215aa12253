// TAI64N timestamps (12 bytes, big-endian) as WireGuard sends them in handshake initiations.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace sluice::crypto {

using Tai64n = std::array<std::uint8_t, 12>;

// From wall-clock time since the Unix epoch: seconds + 2^62 + 10 (the TAI offset WireGuard uses),
// then nanoseconds.
[[nodiscard]] Tai64n tai64n_from_unix(std::chrono::nanoseconds since_epoch) noexcept;

// Lexicographic order of the big-endian encoding is time order.
[[nodiscard]] bool tai64n_after(const Tai64n& a, const Tai64n& b) noexcept;

}  // namespace sluice::crypto
