// The Internet checksum against a plain RFC 1071 reference: every length and alignment up to a few
// packets' worth, sums of pieces, and the fold of large sums.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "tunnel/checksum.hpp"

using sluice::tunnel::checksum_add;
using sluice::tunnel::checksum_finish;

namespace {

// Big-endian 16-bit words, an odd last byte padded with zero, end-around carry.
std::uint16_t reference_checksum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    sum += static_cast<std::uint32_t>(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
    sum = (sum & 0xffffU) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum & 0xffffU);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_checksum)

BOOST_AUTO_TEST_CASE(matches_the_reference_at_every_length_and_alignment) {
  std::mt19937 random(1071);
  std::vector<std::uint8_t> bytes(4200);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t length = 0; length + offset <= bytes.size(); length += length < 80 ? 1 : 37) {
      const std::span<const std::uint8_t> piece(bytes.data() + offset, length);
      BOOST_TEST_REQUIRE(checksum_finish(checksum_add(piece)) == reference_checksum(piece.data(), length),
                         "offset " << offset << ", length " << length);
    }
  }
}

BOOST_AUTO_TEST_CASE(all_ones_data_folds_correctly) {
  // The largest per-word values: every carry path of the fold is taken.
  const std::vector<std::uint8_t> ones(65535, 0xff);
  for (const std::size_t length : {2U, 3U, 17U, 1440U, 65534U, 65535U}) {
    BOOST_TEST(checksum_finish(checksum_add(std::span(ones).first(length))) == reference_checksum(ones.data(), length));
  }
}

BOOST_AUTO_TEST_CASE(sums_of_even_pieces_add_up) {
  std::vector<std::uint8_t> bytes(1500);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 31 + 7);
  const std::span<const std::uint8_t> all(bytes);
  const std::uint64_t pieces = checksum_add(all.subspan(40), checksum_add(all.first(40)));
  BOOST_TEST(checksum_finish(pieces) == reference_checksum(bytes.data(), bytes.size()));
}

BOOST_AUTO_TEST_SUITE_END()
