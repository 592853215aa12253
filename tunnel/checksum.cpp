#include "tunnel/checksum.hpp"

#include <bit>
#include <cstring>

namespace sluice::tunnel {

namespace {

using Lanes = std::uint64_t __attribute__((vector_size(32)));

// The sum of the native 32-bit words of `blocks` 32-byte blocks: each 64-bit lane adds the low and
// the high word of its 8 bytes separately, which defers every carry to the caller's fold and cannot
// wrap below 2^29 blocks (16 GiB).
[[gnu::always_inline]] inline std::uint64_t sum_blocks(const std::uint8_t* p, std::size_t blocks) noexcept {
  constexpr std::uint64_t kLow = 0xffffffffU;
  const Lanes low_mask = {kLow, kLow, kLow, kLow};
  Lanes low = {0, 0, 0, 0};
  Lanes high = {0, 0, 0, 0};
  for (; blocks > 0; --blocks, p += sizeof(Lanes)) {
    Lanes words;
    std::memcpy(&words, p, sizeof words);
    low += words & low_mask;
    high += words >> 32;
  }
  const Lanes sum = low + high;
  return sum[0] + sum[1] + sum[2] + sum[3];
}

using SumBlocks = std::uint64_t (*)(const std::uint8_t*, std::size_t) noexcept;

std::uint64_t sum_blocks_baseline(const std::uint8_t* p, std::size_t blocks) noexcept { return sum_blocks(p, blocks); }

// AVX2 where the CPU has it (the sender checksums every byte it splits off a super-packet: about
// 7 % of its CPU time with plain 64-bit adds), the baseline's SSE2 otherwise. Chosen on first use
// rather than by an ifunc (target_clones), whose resolver runs before a sanitizer's runtime is up.
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("avx2")]] std::uint64_t sum_blocks_avx2(const std::uint8_t* p, std::size_t blocks) noexcept {
  return sum_blocks(p, blocks);
}

SumBlocks choose_sum_blocks() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? sum_blocks_avx2 : sum_blocks_baseline;
}
#else
SumBlocks choose_sum_blocks() noexcept { return sum_blocks_baseline; }
#endif

}  // namespace

std::uint64_t checksum_add(std::span<const std::uint8_t> bytes, std::uint64_t initial) noexcept {
  // One's-complement addition is byte-order independent up to a final swap (RFC 1071 2.B), and
  // 32-bit words summed into 64 bits defer every carry to the final fold; only the folded 16-bit
  // result is swapped to big-endian.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  static const SumBlocks sum_whole_blocks = choose_sum_blocks();
  std::uint64_t sum = sum_whole_blocks(p, n / sizeof(Lanes));
  p += n - n % sizeof(Lanes);
  n %= sizeof(Lanes);
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

std::uint64_t address_sum(std::span<const std::uint8_t> source, std::span<const std::uint8_t> destination) noexcept {
  return checksum_add(destination, checksum_add(source));
}

std::uint64_t pseudo_header_sum(std::span<const std::uint8_t> source, std::span<const std::uint8_t> destination,
                                std::uint8_t protocol, std::uint32_t length) noexcept {
  return pseudo_header_sum(address_sum(source, destination), protocol, length);
}

}  // namespace sluice::tunnel
