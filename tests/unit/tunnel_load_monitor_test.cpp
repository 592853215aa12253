// The under-load judgement: more than kHandshakesPerSecond handshake messages in a one-second
// window puts the device under load, which lasts kHold after the last such moment.
#include <boost/test/unit_test.hpp>

#include "tunnel/load_monitor.hpp"

using namespace sluice::tunnel;

BOOST_AUTO_TEST_SUITE(tunnel_load_monitor)

BOOST_AUTO_TEST_CASE(a_normal_rate_is_not_load) {
  LoadMonitor monitor;
  Instant t{100s};
  // 200 a second for ten seconds.
  for (int i = 0; i < 2000; ++i) BOOST_TEST(!monitor.handshake_arrived(t + i * 5ms));
}

BOOST_AUTO_TEST_CASE(a_burst_over_the_limit_is_load_until_the_hold_ends) {
  LoadMonitor monitor;
  const Instant start{100s};
  for (unsigned i = 0; i < LoadMonitor::kHandshakesPerSecond; ++i) BOOST_TEST(!monitor.handshake_arrived(start));
  BOOST_TEST(monitor.handshake_arrived(start + 1ms));  // one over, within the second
  // A new window with a low rate: still under load until kHold after the burst.
  BOOST_TEST(monitor.handshake_arrived(start + 1s));
  BOOST_TEST(monitor.handshake_arrived(start + 1ms + LoadMonitor::kHold - 1ns));
  BOOST_TEST(!monitor.handshake_arrived(start + 1ms + LoadMonitor::kHold));
}

BOOST_AUTO_TEST_CASE(a_sustained_flood_stays_load) {
  LoadMonitor monitor;
  const Instant start{100s};
  unsigned under = 0;
  // 1000 a second for five seconds: under load from the 257th of each window on, and in between.
  for (int i = 0; i < 5000; ++i) under += monitor.handshake_arrived(start + i * 1ms) ? 1U : 0U;
  BOOST_TEST(under == 5000U - LoadMonitor::kHandshakesPerSecond);
}

BOOST_AUTO_TEST_SUITE_END()
