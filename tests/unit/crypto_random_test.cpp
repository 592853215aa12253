#include <boost/test/unit_test.hpp>

#include <array>
#include <set>

#include "crypto/memory.hpp"
#include "crypto/random.hpp"

using namespace sluice::crypto;

BOOST_AUTO_TEST_SUITE(crypto_random)

BOOST_AUTO_TEST_CASE(random_bytes_fill_the_buffer) {
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  random_bytes(a);
  random_bytes(b);
  // Each check fails by chance with probability 2^-256.
  BOOST_TEST(!is_zero_ct(a));
  BOOST_TEST(!equal_ct(a, b));
  random_bytes({});
}

BOOST_AUTO_TEST_CASE(random_u32_varies) {
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 16; ++i) seen.insert(random_u32());
  BOOST_TEST(seen.size() > 1u);
}

BOOST_AUTO_TEST_CASE(random_uniform_stays_in_range_and_covers_it) {
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto value = random_uniform(10);
    BOOST_TEST(value < 10u);
    seen.insert(value);
  }
  BOOST_TEST(seen.size() == 10u);
  BOOST_TEST(random_uniform(1) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
