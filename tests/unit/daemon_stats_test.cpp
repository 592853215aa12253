// The stats=1 answer: counters of a real protocol core after traffic, replays and a packet from
// outside the allowed IPs; and that get=1, which `wg` parses strictly, is unchanged by it.
#include <boost/test/unit_test.hpp>

#include <string>

#include "crypto/key_encoding.hpp"
#include "daemon/stats.hpp"
#include "daemon/uapi.hpp"
#include "tests/common/fake_uapi_target.hpp"
#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.starts_with(line + "\n") || text.find("\n" + line + "\n") != std::string::npos;
}

// The text of one peer's section: from its public_key line to the next one.
std::string peer_section(const std::string& text, const tunnel::Peer& peer) {
  const std::string start = "public_key=" + crypto::encode_hex_key(peer.public_key().span()) + "\n";
  const std::size_t from = text.find(start);
  BOOST_REQUIRE(from != std::string::npos);
  const std::size_t to = text.find("public_key=", from + start.size());
  return text.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_stats)

BOOST_AUTO_TEST_CASE(counts_traffic_replays_and_foreign_sources) {
  test::TunnelPair pair;
  for (int i = 0; i < 3; ++i) {
    pair.a.send_packet(pair.packet_a_to_b(), pair.now, pair.sa);
    pair.pump();
  }
  // A copy of a transport datagram B already accepted comes again: a replay.
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, pair.sa);
  BOOST_REQUIRE_EQUAL(pair.sa.sent.size(), 1U);
  std::vector<std::uint8_t> copy = pair.sa.sent.front().bytes;
  pair.pump();
  pair.b.receive(copy, pair.a_endpoint, pair.now, false, pair.sb);
  // A packet whose source (10.9.0.1) B does not allow for A.
  pair.a.send_packet(test::ipv4_packet({10, 9, 0, 1}, {10, 2, 0, 1}, 84), pair.now, pair.sa);
  pair.pump();

  const std::string b = daemon::serialize_stats(pair.b);
  BOOST_TEST(has_line(b, "replayed=1"));
  BOOST_TEST(has_line(b, "allowed_ips_mismatch=1"));
  const std::string peer = peer_section(b, *pair.b_to_a);
  BOOST_TEST(has_line(peer, "rx_packets=4"));
  BOOST_TEST(has_line(peer, "dropped_replay=1"));
  BOOST_TEST(has_line(peer, "dropped_allowed_ips=1"));
  BOOST_TEST(has_line(peer, "initiations_received=1"));
  BOOST_TEST(has_line(peer, "handshakes_completed=1"));
  BOOST_TEST(has_line(peer, "last_handshake_time_sec=1800000000"));

  const std::string a = peer_section(daemon::serialize_stats(pair.a), *pair.a_to_b);
  BOOST_TEST(has_line(a, "tx_packets=5"));
  BOOST_TEST(has_line(a, "initiations_sent=1"));
}

BOOST_AUTO_TEST_CASE(counts_packets_for_a_peer_without_endpoint) {
  tunnel::Device device([] { return std::chrono::nanoseconds(0); });
  device.set_private_key(crypto::generate_private_key());
  tunnel::Peer* peer = device.add_peer(crypto::public_from_private(crypto::generate_private_key()));
  device.allowed_ips().insert(tunnel::IpPrefix::parse("10.2.0.0/24"), peer);
  test::RecordingSink sink;
  device.send_packet(test::ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, 84), 1000s, sink);
  const std::string text = daemon::serialize_stats(device);
  BOOST_TEST(has_line(text, "no_endpoint=1"));
  BOOST_TEST(has_line(peer_section(text, *peer), "dropped_no_endpoint=1"));
  BOOST_TEST(has_line(peer_section(text, *peer), "last_handshake_time_sec=0"));
}

BOOST_AUTO_TEST_CASE(answered_on_the_control_socket_and_get_unchanged) {
  test::TunnelPair pair;
  test::FakeUapiTarget target(pair.a);

  const std::string stats = daemon::handle_request("stats=1\n\n", target);
  BOOST_TEST(stats.starts_with("invalid_message=0\n"));
  BOOST_TEST(stats.ends_with("\nerrno=0\n\n"));
  BOOST_TEST(stats.find("private_key") == std::string::npos);

  const std::string get = daemon::handle_request("get=1\n\n", target);
  BOOST_TEST(get.find("rx_packets") == std::string::npos);
  BOOST_TEST(get.find("invalid_message") == std::string::npos);
  // Extra lines are refused, as for get.
  BOOST_TEST(daemon::handle_request("stats=1\nx=1\n\n", target) == "errno=-22\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
