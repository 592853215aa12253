// The core's hand-out mode: transport crypto as jobs run by the caller, results put back in order.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "tests/common/tunnel_test_support.hpp"
#include "tunnel/messages.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

void establish(TunnelPair& t) {
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
  t.sb.delivered.clear();
}

std::vector<tunnel::TransportJob*> take(tunnel::Device& device) {
  std::vector<tunnel::TransportJob*> jobs;
  device.take_jobs(jobs);
  return jobs;
}

// Runs and finishes jobs until the device makes no more (finishing can make new ones).
void run_all(tunnel::Device& device, Instant now, RecordingSink& sink) {
  for (int round = 0; round < 10; ++round) {
    const auto jobs = take(device);
    if (jobs.empty()) return;
    for (auto* job : jobs) job->run();
    device.finish_jobs(now, sink);
  }
}

// pump() for two devices in hand-out mode.
void pump_jobs(TunnelPair& t) {
  for (int round = 0; round < 20; ++round) {
    run_all(t.a, t.now, t.sa);
    run_all(t.b, t.now, t.sb);
    if (t.sa.sent.empty() && t.sb.sent.empty()) return;
    t.deliver_all(t.sa, t.b, t.a_endpoint, false, t.sb);
    t.deliver_all(t.sb, t.a, t.b_endpoint, false, t.sa);
  }
}

std::vector<std::uint8_t> numbered_packet(std::uint8_t n) {
  return ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 100 + n, n);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_jobs)

BOOST_AUTO_TEST_CASE(handshake_and_data_both_ways_in_hand_out_mode) {
  TunnelPair t;
  t.a.set_hand_out_jobs(true);
  t.b.set_hand_out_jobs(true);
  const auto ab = t.packet_a_to_b(200);
  t.a.send_packet(ab, t.now, t.sa);
  pump_jobs(t);
  // B's session was confirmed inside finish_jobs(); the keepalive and data after it flowed too.
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
  BOOST_CHECK(t.sb.delivered[0] == ab);
  const auto ba = t.packet_b_to_a(1400);
  t.b.send_packet(ba, t.now, t.sb);
  BOOST_CHECK(t.sb.sent.empty());  // nothing leaves before its job ran
  pump_jobs(t);
  BOOST_REQUIRE_EQUAL(t.sa.delivered.size(), 1U);
  BOOST_CHECK(t.sa.delivered[0] == ba);
  BOOST_CHECK_EQUAL(t.a.jobs_in_flight(), 0U);
  BOOST_CHECK_EQUAL(t.b.jobs_in_flight(), 0U);
}

BOOST_AUTO_TEST_CASE(jobs_done_out_of_order_leave_in_order) {
  TunnelPair t;
  establish(t);
  t.a.set_hand_out_jobs(true);
  t.b.set_hand_out_jobs(true);
  constexpr std::uint8_t kCount = 6;
  for (std::uint8_t n = 0; n < kCount; ++n) t.a.send_packet(numbered_packet(n), t.now, t.sa);
  auto seal = take(t.a);
  BOOST_REQUIRE_EQUAL(seal.size(), kCount);
  BOOST_CHECK(t.sa.sent.empty());

  // The last ones finish first: nothing may leave while the first is still running.
  for (std::size_t i = kCount - 1; i >= 2; --i) seal[i]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), kCount);
  BOOST_CHECK(t.sa.sent.empty());
  seal[0]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), kCount - 1U);
  BOOST_CHECK_EQUAL(t.sa.sent.size(), 1U);
  seal[1]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), 0U);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    const auto header = tunnel::TransportHeader::parse(t.sa.sent[i].bytes);
    BOOST_REQUIRE(header);
    BOOST_CHECK_EQUAL(header->counter, i + 1);  // counter 0 carried establish()'s packet
  }

  // The receiver: opened in reverse order, delivered in arrival order.
  t.deliver_all(t.sa, t.b, t.a_endpoint, false, t.sb);
  auto open = take(t.b);
  BOOST_REQUIRE_EQUAL(open.size(), kCount);
  std::reverse(open.begin(), open.end());
  for (auto* job : open) {
    job->run();
    BOOST_CHECK(job->ok());
  }
  BOOST_CHECK(t.sb.delivered.empty());
  t.b.finish_jobs(t.now, t.sb);
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), kCount);
  for (std::uint8_t n = 0; n < kCount; ++n) BOOST_CHECK(t.sb.delivered[n] == numbered_packet(n));
  BOOST_CHECK_EQUAL(t.b_to_a->counters().rx_packets, kCount + 1U);
}

BOOST_AUTO_TEST_CASE(one_peers_pending_job_holds_back_only_that_peer) {
  TunnelPair t;
  establish(t);
  // A third device C, a second peer of A (10.3.0.0/24), with a session too.
  tunnel::Device c([&t] { return t.wall; });
  RecordingSink sc;
  c.set_private_key(crypto::generate_private_key());
  const tunnel::Endpoint c_endpoint = endpoint(3, 51822);
  tunnel::Peer* a_to_c = t.a.add_peer(c.identity().public_key);
  tunnel::Peer* c_to_a = c.add_peer(t.a.identity().public_key);
  a_to_c->set_endpoint(c_endpoint);
  c_to_a->set_endpoint(t.a_endpoint);
  t.a.allowed_ips().insert(tunnel::IpPrefix::parse("10.3.0.0/24"), a_to_c);
  c.allowed_ips().insert(tunnel::IpPrefix::parse("10.1.0.0/24"), c_to_a);
  const auto to_c = [](std::uint8_t n) { return ipv4_packet({10, 1, 0, 1}, {10, 3, 0, 1}, 100 + n, n); };
  t.a.send_packet(to_c(0), t.now, t.sa);
  for (int round = 0; round < 10 && !t.sa.sent.empty(); ++round) {
    t.deliver_all(t.sa, c, t.a_endpoint, false, sc);
    t.deliver_all(sc, t.a, c_endpoint, false, t.sa);
  }
  BOOST_REQUIRE_EQUAL(sc.delivered.size(), 1U);

  t.a.set_hand_out_jobs(true);
  t.a.send_packet(numbered_packet(1), t.now, t.sa);  // to B
  t.a.send_packet(to_c(2), t.now, t.sa);             // to C
  t.a.send_packet(numbered_packet(3), t.now, t.sa);  // to B
  const auto jobs = take(t.a);
  BOOST_REQUIRE_EQUAL(jobs.size(), 3U);

  // C's job is done, B's first is not: C's datagram leaves anyway.
  jobs[1]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), 2U);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
  BOOST_CHECK(t.sa.sent[0].to == c_endpoint);
  // B's second is done too, but waits for B's first.
  jobs[2]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), 2U);
  BOOST_CHECK_EQUAL(t.sa.sent.size(), 1U);
  jobs[0]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), 0U);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 3U);
  for (std::size_t i = 1; i < 3; ++i) {
    BOOST_CHECK(t.sa.sent[i].to == t.b_endpoint);
    const auto header = tunnel::TransportHeader::parse(t.sa.sent[i].bytes);
    BOOST_REQUIRE(header);
    BOOST_CHECK_EQUAL(header->counter, i);  // counter 0 carried establish()'s packet
  }
  // Both arrive, in order, at B; C's at C.
  t.deliver_all(t.sa, t.b, t.a_endpoint, false, t.sb);  // C's datagram first: B drops it
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 2U);
  BOOST_CHECK(t.sb.delivered[0] == numbered_packet(1));
  BOOST_CHECK(t.sb.delivered[1] == numbered_packet(3));

  // Received datagrams of two peers: C's opened job is delivered while B's earlier one waits.
  t.b.send_packet(t.packet_b_to_a(200), t.now, t.sb);
  c.send_packet(ipv4_packet({10, 3, 0, 1}, {10, 1, 0, 1}, 120), t.now, sc);
  // Only C's data, not a handshake it may have started.
  std::erase_if(sc.sent,
                [](const Datagram& d) { return tunnel::classify(d.bytes) != tunnel::MessageType::transport_data; });
  t.sa.delivered.clear();
  t.deliver_all(t.sb, t.a, t.b_endpoint, false, t.sa);
  t.deliver_all(sc, t.a, c_endpoint, false, t.sa);
  const auto opens = take(t.a);
  BOOST_REQUIRE_EQUAL(opens.size(), 2U);
  opens[1]->run();
  t.a.finish_jobs(t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.delivered.size(), 1U);
  BOOST_CHECK_EQUAL(t.sa.delivered[0].size(), 120U);
  opens[0]->run();
  BOOST_CHECK_EQUAL(t.a.finish_jobs(t.now, t.sa), 0U);
  BOOST_CHECK_EQUAL(t.sa.delivered.size(), 2U);
}

BOOST_AUTO_TEST_CASE(replay_window_checked_after_open) {
  TunnelPair t;
  establish(t);
  t.b.set_hand_out_jobs(true);
  t.a.send_packet(numbered_packet(1), t.now, t.sa);
  t.a.send_packet(numbered_packet(2), t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 2U);
  const auto first = t.sa.sent[0].bytes;
  const auto second = t.sa.sent[1].bytes;
  t.sa.sent.clear();

  // A forged copy of the second with a counter far ahead: it must not move the window.
  auto forged = second;
  forged[8] = 0x00;
  forged[9] = 0x10;
  // The same datagram twice: both pass the pre-check (nothing is recorded before opening) and
  // both authenticate; the window, checked when results are put back, lets one through.
  for (const auto* bytes : std::initializer_list<const std::vector<std::uint8_t>*>{&forged, &first, &first, &second}) {
    auto copy = *bytes;
    t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
  }
  const auto jobs = take(t.b);
  BOOST_REQUIRE_EQUAL(jobs.size(), 4U);
  for (auto* job : jobs) job->run();
  BOOST_CHECK(!jobs[0]->ok());
  BOOST_CHECK(jobs[1]->ok());
  BOOST_CHECK(jobs[2]->ok());
  BOOST_CHECK(jobs[3]->ok());
  t.b.finish_jobs(t.now, t.sb);
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 2U);
  BOOST_CHECK(t.sb.delivered[0] == numbered_packet(1));
  BOOST_CHECK(t.sb.delivered[1] == numbered_packet(2));
  BOOST_CHECK_EQUAL(t.b.counters().replayed, 1U);
  BOOST_CHECK_EQUAL(t.b.counters().decrypt_failed, 1U);
  BOOST_CHECK_EQUAL(t.b_to_a->counters().dropped_replay, 1U);
}

BOOST_AUTO_TEST_CASE(keypair_counts_the_jobs_holding_it) {
  TunnelPair t;
  establish(t);
  t.a.set_hand_out_jobs(true);
  for (std::uint8_t n = 1; n <= 3; ++n) t.a.send_packet(numbered_packet(n), t.now, t.sa);
  const tunnel::Keypair* keypair = t.a_to_b->keypairs().current();
  BOOST_REQUIRE(keypair != nullptr);
  BOOST_CHECK_EQUAL(keypair->jobs, 3U);
  const auto jobs = take(t.a);
  jobs[1]->run();
  t.a.finish_jobs(t.now, t.sa);
  BOOST_CHECK_EQUAL(keypair->jobs, 3U);  // the first is not done: none is finished
  jobs[0]->run();
  jobs[2]->run();
  t.a.finish_jobs(t.now, t.sa);
  BOOST_CHECK_EQUAL(keypair->jobs, 0U);
  BOOST_CHECK_EQUAL(t.sa.sent.size(), 3U);
}

BOOST_AUTO_TEST_CASE(keypair_released_in_flight_stays_valid_until_done) {
  TunnelPair t;
  establish(t);
  t.a.set_hand_out_jobs(true);
  const Instant sent_at = t.now;
  t.a.send_packet(numbered_packet(7), t.now, t.sa);
  auto jobs = take(t.a);
  BOOST_REQUIRE_EQUAL(jobs.size(), 1U);
  const tunnel::Keypair* keypair = jobs[0]->keypair();
  BOOST_REQUIRE(keypair == t.a_to_b->keypairs().current());

  // The session's keys are zeroed by the timers (3 x REJECT_AFTER_TIME) while the job waits.
  t.advance(tunnel::kZeroKeyMaterialAfter + 1s);
  t.a.tick(t.now, t.sa);
  BOOST_REQUIRE(t.a_to_b->keypairs().current() == nullptr);
  t.sa.sent.clear();                          // the handshake the timers started
  BOOST_CHECK(!keypair->send_key.is_zero());  // still owned by the job, unwiped
  jobs[0]->run();
  BOOST_CHECK(jobs[0]->ok());
  t.a.finish_jobs(t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
  auto datagram = t.sa.sent.front().bytes;
  // Sealed with the real key: B, still in that session at the time it was sent, opens it.
  t.b.receive(datagram, t.a_endpoint, sent_at, false, t.sb);
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
  BOOST_CHECK(t.sb.delivered[0] == numbered_packet(7));

  // A removed peer: its jobs still run on live keys, then are dropped instead of sent.
  TunnelPair u;
  establish(u);
  u.a.set_hand_out_jobs(true);
  u.a.send_packet(numbered_packet(8), u.now, u.sa);
  jobs = take(u.a);
  BOOST_REQUIRE_EQUAL(jobs.size(), 1U);
  BOOST_REQUIRE(u.a.remove_peer(u.b.identity().public_key));
  BOOST_CHECK(!jobs[0]->keypair()->send_key.is_zero());
  jobs[0]->run();
  BOOST_CHECK(jobs[0]->ok());
  BOOST_CHECK_EQUAL(u.a.finish_jobs(u.now, u.sa), 0U);
  BOOST_CHECK(u.sa.sent.empty());
}

BOOST_AUTO_TEST_SUITE_END()
