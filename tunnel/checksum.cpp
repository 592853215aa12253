#include "tunnel/checksum.hpp"

#include <bit>
#include <cstring>

namespace sluice::tunnel {

std::uint64_t checksum_add(std::span<const std::uint8_t> bytes, std::uint64_t initial) noexcept {
  // One's-complement addition is byte-order independent up to a final swap (RFC 1071 2.B), and
  // 32-bit words summed into 64 bits defer every carry to the final fold. Four independent sums of
  // native words, sixteen bytes a step, keep the adds free of dependencies (the compiler may
  // vectorize them); only the folded 16-bit result is swapped to big-endian. The sums cannot wrap
  // below 2^32 steps, far beyond any packet.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t lanes[4] = {0, 0, 0, 0};
  for (; n >= 16; p += 16, n -= 16) {
    std::uint32_t words[4];
    std::memcpy(words, p, 16);
    for (int i = 0; i < 4; ++i) lanes[i] += words[i];
  }
  std::uint64_t sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; n >= 4; p += 4, n -= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    sum += word;
  }
  std::uint32_t tail = 0;
  std::memcpy(&tail, p, n);  // the rest, zero-padded: an odd last byte lands as the high half
  sum += tail;
  // Fold to 16 bits (native order), then to big-endian.
  sum = (sum & 0xffffffffU) + (sum >> 32);
  sum = (sum & 0xffffffffU) + (sum >> 32);
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  sum = (sum & 0xffffU) + (sum >> 16);
  const std::uint16_t folded = static_cast<std::uint16_t>(sum);
  const std::uint64_t big_endian = std::endian::native == std::endian::little ? __builtin_bswap16(folded) : folded;
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
