// The handshake load tool's peer against the project's own responder: its handshakes complete,
// it takes a cookie under load and gets through with mac2, and back-to-back initiations carry
// increasing timestamps even when the wall clock does not move. And the in-process measurement
// of the responder core answers verified handshakes.
#include <boost/test/unit_test.hpp>

#include "crypto/x25519.hpp"
#include "tests/common/tunnel_test_support.hpp"
#include "tools/load_peer.hpp"
#include "tools/responder_rate.hpp"
#include "tools/x25519_rate.hpp"

using namespace sluice;
using namespace sluice::test;
using namespace std::chrono_literals;

namespace {

struct Responder {
  Responder() : device([] { return std::chrono::nanoseconds(1700000000s); }) {
    device.set_private_key(crypto::generate_private_key());
  }
  tunnel::Device device;
  RecordingSink sink;
  tunnel::Endpoint from = endpoint(7, 40000);

  // Hands `message` to the responder; returns its answer (empty if none).
  std::vector<std::uint8_t> answer(std::array<std::uint8_t, tunnel::kInitiationSize> message, tunnel::Instant now,
                                   bool under_load) {
    device.receive(message, from, now, under_load, sink);
    return sink.take();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tools_load_peer)

BOOST_AUTO_TEST_CASE(keys_follow_the_seed) {
  BOOST_CHECK(tools::load_peer_key(1, 0) == tools::load_peer_key(1, 0));
  BOOST_CHECK(!(tools::load_peer_key(1, 0) == tools::load_peer_key(1, 1)));
  BOOST_CHECK(!(tools::load_peer_key(1, 0) == tools::load_peer_key(2, 0)));
  BOOST_CHECK_EQUAL(tools::load_peer_number((7U << 16) | 42U), 42U);
}

BOOST_AUTO_TEST_CASE(handshakes_complete_again_and_again) {
  Responder r;
  tools::LoadPeer peer(3, tools::load_peer_key(1, 3), r.device.identity().public_key);
  BOOST_REQUIRE(r.device.add_peer(peer.public_key()) != nullptr);
  const auto wall = std::chrono::nanoseconds(1700000000s);  // frozen: timestamps must still grow
  tunnel::Instant now{1s};
  for (int i = 0; i < 3; ++i) {
    const auto response = r.answer(peer.initiate(now, wall), now, false);
    BOOST_REQUIRE_EQUAL(response.size(), tunnel::kResponseSize);
    BOOST_CHECK_EQUAL(tools::load_peer_number(peer.sender_index()), 3U);
    BOOST_CHECK(peer.receive(response, now) == tools::LoadPeer::Outcome::completed);
    BOOST_CHECK(!peer.waiting());
    // The responder accepts one initiation per peer every 20 ms.
    now += 25ms;
  }
  BOOST_CHECK_EQUAL(r.device.counters().handshake_rejected, 0U);
}

BOOST_AUTO_TEST_CASE(a_tampered_response_does_not_complete) {
  Responder r;
  tools::LoadPeer peer(0, tools::load_peer_key(1, 0), r.device.identity().public_key);
  BOOST_REQUIRE(r.device.add_peer(peer.public_key()) != nullptr);
  auto response = r.answer(peer.initiate(1s, 1700000000s), 1s, false);
  BOOST_REQUIRE_EQUAL(response.size(), tunnel::kResponseSize);
  response[20] ^= 1;  // the responder's ephemeral key
  BOOST_CHECK(peer.receive(response, 1s) == tools::LoadPeer::Outcome::ignored);
  BOOST_CHECK(peer.waiting());
}

BOOST_AUTO_TEST_CASE(under_load_the_cookie_earns_a_response) {
  Responder r;
  tools::LoadPeer peer(1, tools::load_peer_key(5, 1), r.device.identity().public_key);
  BOOST_REQUIRE(r.device.add_peer(peer.public_key()) != nullptr);
  const auto reply = r.answer(peer.initiate(1s, 1700000000s), 1s, true);
  BOOST_REQUIRE_EQUAL(reply.size(), tunnel::kCookieReplySize);
  BOOST_CHECK(peer.receive(reply, 1s) == tools::LoadPeer::Outcome::cookie);
  BOOST_CHECK(!peer.waiting());

  const auto response = r.answer(peer.initiate(1s + 50ms, 1700000000s), 1s + 50ms, true);
  BOOST_REQUIRE_EQUAL(response.size(), tunnel::kResponseSize);
  BOOST_CHECK(peer.receive(response, 1s + 50ms) == tools::LoadPeer::Outcome::completed);
  BOOST_CHECK_EQUAL(r.device.counters().cookie_replies_sent, 1U);
}

BOOST_AUTO_TEST_CASE(a_reply_to_an_abandoned_initiation_is_ignored) {
  Responder r;
  tools::LoadPeer peer(2, tools::load_peer_key(1, 2), r.device.identity().public_key);
  BOOST_REQUIRE(r.device.add_peer(peer.public_key()) != nullptr);
  const auto late = r.answer(peer.initiate(1s, 1700000000s), 1s, false);
  (void)peer.initiate(2s, 1700000000s);  // timed out and replaced
  BOOST_CHECK(peer.receive(late, 2s) == tools::LoadPeer::Outcome::ignored);
  BOOST_CHECK(peer.waiting());
}

BOOST_AUTO_TEST_CASE(the_bound_adds_up_the_operations) {
  const tools::X25519Rates rates{30000, 30000};
  BOOST_CHECK_CLOSE(tools::handshake_bound(rates, 3, 1), 7500.0, 1e-9);
  BOOST_CHECK_EQUAL(tools::handshake_bound({}, 3, 1), 0.0);
}

BOOST_AUTO_TEST_CASE(the_core_measurement_completes_verified_handshakes) {
  // It throws when an answer does not verify.
  const auto rate = tools::measure_responder(std::chrono::milliseconds(20));
  BOOST_CHECK_GT(rate.handshakes, 0U);
  BOOST_CHECK_GT(rate.per_cpu_s, 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
