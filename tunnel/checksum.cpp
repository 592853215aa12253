#include "tunnel/checksum.hpp"

#include <cstring>

namespace sluice::tunnel {

std::uint64_t checksum_add(std::span<const std::uint8_t> bytes, std::uint64_t initial) noexcept {
  // 32-bit big-endian words into a 64-bit accumulator: no carry is lost before the fold, and the
  // fold of a sum of 32-bit words equals that of the 16-bit words.
  std::uint64_t sum = initial;
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    sum += __builtin_bswap32(word);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    sum += static_cast<std::uint64_t>(p[0]) << 8 | p[1];
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += static_cast<std::uint64_t>(p[0]) << 8;
  return sum;
}

std::uint16_t checksum_finish(std::uint64_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::uint64_t pseudo_header_sum(std::span<const std::uint8_t> source, std::span<const std::uint8_t> destination,
                                std::uint8_t protocol, std::uint32_t length) noexcept {
  std::uint64_t sum = checksum_add(source);
  sum = checksum_add(destination, sum);
  return sum + protocol + (length >> 16) + (length & 0xffff);
}

}  // namespace sluice::tunnel
