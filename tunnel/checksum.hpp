// The Internet checksum (RFC 1071) for the IP, TCP and UDP headers that offload code rewrites.
#pragma once

#include <cstdint>
#include <span>

namespace sluice::tunnel {

// The one's-complement sum of `bytes` as big-endian 16-bit words (an odd last byte padded with
// zero), added to `initial`; not yet folded or inverted. Sums of pieces add up only when every
// piece but the last has an even length.
[[nodiscard]] std::uint64_t checksum_add(std::span<const std::uint8_t> bytes, std::uint64_t initial = 0) noexcept;

// Folds a sum to 16 bits and inverts it: the value to store in a checksum field (big-endian).
[[nodiscard]] std::uint16_t checksum_finish(std::uint64_t sum) noexcept;

// The sum of a packet's source and destination addresses (4 or 16 bytes each): the part of the
// pseudo-header that every segment of a super-packet shares.
[[nodiscard]] std::uint64_t address_sum(std::span<const std::uint8_t> source,
                                        std::span<const std::uint8_t> destination) noexcept;

// The sum of the TCP/UDP pseudo-header for IPv4 or IPv6 (`source`/`destination` of 4 or 16
// bytes), protocol `protocol` and transport length `length`.
[[nodiscard]] std::uint64_t pseudo_header_sum(std::span<const std::uint8_t> source,
                                              std::span<const std::uint8_t> destination, std::uint8_t protocol,
                                              std::uint32_t length) noexcept;
// The same from `addresses`, their address_sum.
[[nodiscard]] constexpr std::uint64_t pseudo_header_sum(std::uint64_t addresses, std::uint8_t protocol,
                                                        std::uint32_t length) noexcept {
  return addresses + protocol + (length >> 16) + (length & 0xffff);
}

}  // namespace sluice::tunnel
