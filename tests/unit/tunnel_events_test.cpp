// Handshake and session events: reported in order while switched on, never while off.
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <vector>

#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;
using namespace sluice::test;
using Kind = tunnel::PeerEventKind;

namespace sluice::tunnel {
// For the test's messages.
std::ostream& operator<<(std::ostream& out, PeerEventKind kind) { return out << static_cast<int>(kind); }
}  // namespace sluice::tunnel

namespace {

std::vector<Kind> kinds(const RecordingSink& sink) {
  std::vector<Kind> out;
  for (const auto& e : sink.events) out.push_back(e.kind);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_events)

BOOST_AUTO_TEST_CASE(a_handshake_is_reported_on_both_sides_in_order) {
  TunnelPair t;
  t.a.set_reporting_events(true);
  t.b.set_reporting_events(true);
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);

  // Both endpoints were configured, and the messages come from there: no endpoint change.
  const std::vector<Kind> a_expected{Kind::initiation_sent, Kind::response_received, Kind::session_started};
  const std::vector<Kind> b_expected{Kind::initiation_received, Kind::response_sent, Kind::session_started};
  BOOST_TEST(kinds(t.sa) == a_expected, boost::test_tools::per_element());
  BOOST_TEST(kinds(t.sb) == b_expected, boost::test_tools::per_element());
  BOOST_CHECK_EQUAL(t.sa.events[0].attempt, 1);
  BOOST_CHECK(t.sa.events[0].endpoint == t.b_endpoint);
  BOOST_CHECK(t.sa.events[0].peer == t.a_to_b);
  BOOST_CHECK(t.sb.events[0].endpoint == t.a_endpoint);
  BOOST_CHECK(t.sb.events[2].peer == t.b_to_a);

  // Data on the session reports nothing more; a new source address does.
  t.sa.events.clear();
  t.sb.events.clear();
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_CHECK(t.sb.events.empty());
  const tunnel::Endpoint roamed = endpoint(9, 40000);
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.b.receive(t.sa.sent.front().bytes, roamed, t.now, false, t.sb);
  BOOST_REQUIRE_EQUAL(t.sb.events.size(), 1U);
  BOOST_CHECK(t.sb.events[0].kind == Kind::endpoint_changed);
  BOOST_CHECK(t.sb.events[0].endpoint == roamed);
}

BOOST_AUTO_TEST_CASE(nothing_is_reported_unless_switched_on) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
  BOOST_CHECK(t.sa.events.empty());
  BOOST_CHECK(t.sb.events.empty());
}

BOOST_AUTO_TEST_CASE(cookie_replies_are_reported) {
  TunnelPair t;
  t.a.set_reporting_events(true);
  t.b.set_reporting_events(true);
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump(/*b_under_load=*/true);
  BOOST_REQUIRE(!t.sb.events.empty());
  BOOST_CHECK(t.sb.events[0].kind == Kind::cookie_reply_sent);
  BOOST_CHECK(t.sb.events[0].peer == nullptr);
  BOOST_CHECK(t.sb.events[0].endpoint == t.a_endpoint);
  const std::vector<Kind> a_expected{Kind::initiation_sent, Kind::cookie_reply_received};
  BOOST_TEST(kinds(t.sa) == a_expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(retries_and_giving_up_are_reported_with_their_attempt) {
  TunnelPair t;
  t.a.set_reporting_events(true);
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.sa.sent.clear();  // B never answers
  // Retries every 5 s plus up to 333 ms of jitter, then one more timeout: under 120 s.
  t.run_timers_for(120s, 50ms);
  const int initiations = tunnel::kMaxHandshakeAttempts + 2;
  BOOST_REQUIRE_EQUAL(t.sa.events.size(), static_cast<std::size_t>(initiations) + 1);
  for (int i = 0; i < initiations; ++i) {
    BOOST_CHECK(t.sa.events[i].kind == Kind::initiation_sent);
    BOOST_CHECK_EQUAL(t.sa.events[i].attempt, i + 1);
  }
  BOOST_CHECK(t.sa.events.back().kind == Kind::handshake_given_up);
  BOOST_CHECK_EQUAL(t.sa.events.back().attempt, initiations);
}

BOOST_AUTO_TEST_SUITE_END()
