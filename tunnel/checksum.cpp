#include "tunnel/checksum.hpp"

#include <bit>
#include <cstring>

namespace sluice::tunnel {

std::uint64_t checksum_add(std::span<const std::uint8_t> bytes, std::uint64_t initial) noexcept {
  // One's-complement addition is byte-order independent up to a final swap (RFC 1071 2.B), so
  // the bulk is summed as native 64-bit words with end-around carry, eight bytes a step, and
  // only the folded 16-bit result is swapped to big-endian.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t sum = 0;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    sum += word;
    sum += sum < word ? 1 : 0;
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);  // the rest, zero-padded: an odd last byte lands as the high half
  sum += tail;
  sum += sum < tail ? 1 : 0;
  // Fold to 16 bits (native order), then to big-endian.
  sum = (sum & 0xffffffffU) + (sum >> 32);
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  const std::uint16_t folded = static_cast<std::uint16_t>(sum);
  const std::uint64_t big_endian =
      std::endian::native == std::endian::little ? __builtin_bswap16(folded) : folded;
  return initial + big_endian;
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
