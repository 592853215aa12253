// The core's bounds on receive jobs in flight: past the shared bound, datagrams of a peer holding
// its share are dropped (and counted) while another peer's are still opened and delivered, each in
// order; a lone peer may go on to the lone bound.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>

#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

constexpr std::size_t kShared = 4;
constexpr std::size_t kLone = 8;

// A (hand-out mode, receive jobs bounded) with two peers that have sessions: B (10.2.0.0/24, the
// TunnelPair's) and C (10.3.0.0/24).
struct Hub {
  Hub() {
    t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
    t.pump();
    BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
    c.set_private_key(crypto::generate_private_key());
    a_to_c = t.a.add_peer(c.identity().public_key);
    tunnel::Peer* c_to_a = c.add_peer(t.a.identity().public_key);
    a_to_c->set_endpoint(c_endpoint);
    c_to_a->set_endpoint(t.a_endpoint);
    t.a.allowed_ips().insert(tunnel::IpPrefix::parse("10.3.0.0/24"), a_to_c);
    c.allowed_ips().insert(tunnel::IpPrefix::parse("10.1.0.0/24"), c_to_a);
    c.send_packet(from_c(0), t.now, sc);
    for (int round = 0; round < 10 && !sc.sent.empty(); ++round) {
      t.deliver_all(sc, t.a, c_endpoint, false, t.sa);
      t.deliver_all(t.sa, c, t.a_endpoint, false, sc);
    }
    BOOST_REQUIRE(!t.sa.delivered.empty());
    t.sa.delivered.clear();
    t.sa.sent.clear();
    t.a.set_hand_out_jobs(true);
    t.a.set_receive_job_bounds({.shared = kShared, .lone = kLone});
  }

  static std::vector<std::uint8_t> from_b(std::uint8_t n) {
    return ipv4_packet({10, 2, 0, 1}, {10, 1, 0, 1}, 100 + n, n);
  }
  static std::vector<std::uint8_t> from_c(std::uint8_t n) {
    return ipv4_packet({10, 3, 0, 1}, {10, 1, 0, 1}, 200 + n, n);
  }

  // B's and C's packets sealed by them and received by A, B's first.
  void receive(std::uint8_t from_b_count, std::uint8_t from_c_count) {
    for (std::uint8_t n = 0; n < from_b_count; ++n) t.b.send_packet(from_b(n), t.now, t.sb);
    for (std::uint8_t n = 0; n < from_c_count; ++n) c.send_packet(from_c(n), t.now, sc);
    t.deliver_all(t.sb, t.a, t.b_endpoint, false, t.sa);
    t.deliver_all(sc, t.a, c_endpoint, false, t.sa);
  }

  std::vector<tunnel::TransportJob*> take() {
    std::vector<tunnel::TransportJob*> jobs;
    t.a.take_jobs(jobs);
    return jobs;
  }

  // The packets A delivered of `size_base` (100: B's, 200: C's), as their numbers, in order.
  std::vector<std::size_t> delivered(std::size_t size_base) const {
    std::vector<std::size_t> out;
    for (const auto& packet : t.sa.delivered) {
      if (packet.size() >= size_base && packet.size() < size_base + 100) out.push_back(packet.size() - size_base);
    }
    return out;
  }

  TunnelPair t;
  tunnel::Device c{[this] { return t.wall; }};
  RecordingSink sc;
  tunnel::Endpoint c_endpoint = endpoint(3, 51822);
  tunnel::Peer* a_to_c = nullptr;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_fair_share)

BOOST_AUTO_TEST_CASE(a_flooding_peer_is_cut_at_its_share_and_the_other_still_gets_through) {
  Hub hub;
  hub.receive(12, 2);
  auto jobs = hub.take();
  // B, alone, filled the lone bound and lost the rest; C, holding nothing, still got both in.
  BOOST_REQUIRE_EQUAL(jobs.size(), kLone + 2);
  BOOST_CHECK_EQUAL(hub.t.a.receive_jobs_in_flight(), kLone + 2);
  BOOST_CHECK_EQUAL(hub.t.a.peers_with_receive_jobs(), 2U);
  BOOST_CHECK_EQUAL(hub.t.a_to_b->counters().dropped_over_fair_share, 12 - kLone);
  BOOST_CHECK_EQUAL(hub.a_to_c->counters().dropped_over_fair_share, 0U);
  BOOST_CHECK_EQUAL(hub.t.a.counters().over_fair_share, 12 - kLone);

  // Run in reverse: each peer's packets are still delivered in the order they came.
  std::reverse(jobs.begin(), jobs.end());
  for (auto* job : jobs) job->run();
  BOOST_CHECK_EQUAL(hub.t.a.finish_jobs(hub.t.now, hub.t.sa), 0U);
  BOOST_CHECK_EQUAL(hub.t.a.receive_jobs_in_flight(), 0U);
  BOOST_CHECK_EQUAL(hub.t.a.peers_with_receive_jobs(), 0U);
  BOOST_CHECK(hub.delivered(100) == (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  BOOST_CHECK(hub.delivered(200) == (std::vector<std::size_t>{0, 1}));

  // The bounds freed, B gets in again.
  hub.receive(1, 0);
  BOOST_CHECK_EQUAL(hub.take().size(), 1U);
  BOOST_CHECK_EQUAL(hub.t.a_to_b->counters().dropped_over_fair_share, 12 - kLone);
}

BOOST_AUTO_TEST_CASE(the_other_peers_jobs_finish_while_the_flooders_wait) {
  Hub hub;
  hub.receive(12, 1);
  const auto jobs = hub.take();
  BOOST_REQUIRE_EQUAL(jobs.size(), kLone + 1);
  // Only C's job has run: C's packet is delivered, B's wait for theirs.
  jobs.back()->run();
  BOOST_CHECK_EQUAL(hub.t.a.finish_jobs(hub.t.now, hub.t.sa), kLone);
  BOOST_CHECK(hub.delivered(200) == (std::vector<std::size_t>{0}));
  BOOST_CHECK(hub.delivered(100).empty());
  for (std::size_t i = 0; i < kLone; ++i) jobs[i]->run();
  BOOST_CHECK_EQUAL(hub.t.a.finish_jobs(hub.t.now, hub.t.sa), 0U);
  BOOST_CHECK_EQUAL(hub.delivered(100).size(), kLone);
}

BOOST_AUTO_TEST_CASE(past_the_shared_bound_each_peer_holds_an_equal_share) {
  Hub hub;
  // C comes first, alone: all 6 in. Then, past the shared bound, B gets half of it and C nothing.
  hub.receive(0, 6);
  hub.receive(6, 3);
  const auto jobs = hub.take();
  BOOST_CHECK_EQUAL(jobs.size(), 6 + kShared / 2);
  BOOST_CHECK_EQUAL(hub.a_to_c->counters().dropped_over_fair_share, 3U);
  BOOST_CHECK_EQUAL(hub.t.a_to_b->counters().dropped_over_fair_share, 6 - kShared / 2);
  // Sealing is not bounded: A still sends.
  hub.t.a.send_packet(hub.t.packet_a_to_b(), hub.t.now, hub.t.sa);
  BOOST_CHECK_EQUAL(hub.take().size(), 1U);
  for (auto* job : jobs) job->run();
}

BOOST_AUTO_TEST_CASE(below_the_shared_bound_nothing_is_dropped) {
  Hub hub;
  hub.receive(1, 3);
  BOOST_CHECK_EQUAL(hub.take().size(), 4U);
  BOOST_CHECK_EQUAL(hub.t.a.counters().over_fair_share, 0U);
}

BOOST_AUTO_TEST_CASE(a_lone_flooder_leaves_room_for_a_newcomer) {
  Hub hub;
  // B alone to the lone bound, then C up to its share, within the sum of the bounds.
  hub.receive(static_cast<std::uint8_t>(kLone), 0);
  hub.receive(0, 20);
  BOOST_CHECK_EQUAL(hub.take().size(), kLone + kShared / 2);
  BOOST_CHECK_LE(hub.t.a.receive_jobs_in_flight(), kShared + kLone);
}

BOOST_AUTO_TEST_CASE(a_removed_peers_jobs_count_until_done) {
  Hub hub;
  hub.receive(2, 2);
  const auto jobs = hub.take();
  BOOST_REQUIRE_EQUAL(jobs.size(), 4U);
  BOOST_REQUIRE(hub.t.a.remove_peer(hub.c.identity().public_key));
  // C's jobs may still be running: they hold their place under the bounds until done.
  BOOST_CHECK_EQUAL(hub.t.a.receive_jobs_in_flight(), 4U);
  for (auto* job : jobs) job->run();
  BOOST_CHECK_EQUAL(hub.t.a.finish_jobs(hub.t.now, hub.t.sa), 0U);
  BOOST_CHECK_EQUAL(hub.t.a.receive_jobs_in_flight(), 0U);
  // B alone now, up to the lone bound.
  hub.receive(static_cast<std::uint8_t>(kLone + 1), 0);
  BOOST_CHECK_EQUAL(hub.take().size(), kLone);
  BOOST_CHECK_EQUAL(hub.t.a_to_b->counters().dropped_over_fair_share, 1U);
}

BOOST_AUTO_TEST_CASE(no_bound_by_default) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  t.b.set_hand_out_jobs(true);
  for (int n = 0; n < 100; ++n) t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.deliver_all(t.sa, t.b, t.a_endpoint, false, t.sb);
  std::vector<tunnel::TransportJob*> jobs;
  t.b.take_jobs(jobs);
  BOOST_CHECK_EQUAL(jobs.size(), 100U);
  BOOST_CHECK_EQUAL(t.b.counters().over_fair_share, 0U);
  for (auto* job : jobs) job->run();
}

BOOST_AUTO_TEST_SUITE_END()
