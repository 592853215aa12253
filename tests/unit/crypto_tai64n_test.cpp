#include <boost/test/unit_test.hpp>

#include "crypto/tai64n.hpp"
#include "crypto_test_hex.hpp"

using namespace sluice::crypto;
using namespace std::chrono_literals;
using sluice::crypto::test::hex;

BOOST_AUTO_TEST_SUITE(crypto_tai64n)

// Label 2^62 + 10 + seconds, big-endian, then nanoseconds big-endian.
BOOST_AUTO_TEST_CASE(known_encodings) {
  BOOST_TEST(hex(tai64n_from_unix(0ns)) == "400000000000000a00000000");
  BOOST_TEST(hex(tai64n_from_unix(1s + 500ns)) == "400000000000000b000001f4");
  BOOST_TEST(hex(tai64n_from_unix(1700000000s + 999999999ns)) == "400000006553f10a3b9ac9ff");
  // Before the epoch the nanoseconds still count forward from the (earlier) whole second.
  BOOST_TEST(hex(tai64n_from_unix(-1ns)) == "40000000000000093b9ac9ff");
}

BOOST_AUTO_TEST_CASE(byte_order_is_time_order) {
  const auto early = tai64n_from_unix(1s + 999999999ns);
  const auto late = tai64n_from_unix(2s);
  BOOST_TEST(tai64n_after(late, early));
  BOOST_TEST(!tai64n_after(early, late));
  BOOST_TEST(!tai64n_after(late, late));
  BOOST_TEST(tai64n_after(tai64n_from_unix(2s + 1ns), late));
  BOOST_TEST(tai64n_after(tai64n_from_unix(0ns), tai64n_from_unix(-1ns)));
}

BOOST_AUTO_TEST_SUITE_END()
