// Two in-memory cores: handshake, data both ways, tampering, replay, reordering.
#include <boost/test/unit_test.hpp>

#include "tests/common/tunnel_test_support.hpp"
#include "tunnel/messages.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

// Sends one packet A->B and returns the datagram A produced, without delivering it.
std::vector<std::uint8_t> capture_a_to_b(TunnelPair& t, const std::vector<std::uint8_t>& packet) {
  t.a.send_packet(packet, t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
  auto bytes = std::move(t.sa.sent.front().bytes);
  t.sa.sent.clear();
  return bytes;
}

void establish(TunnelPair& t) {
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
  t.sb.delivered.clear();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel_session)

BOOST_AUTO_TEST_CASE(handshake_and_data_both_ways) {
  for (const bool psk : {false, true}) {
    TunnelPair t(psk);
    const auto ab = t.packet_a_to_b(100);
    t.a.send_packet(ab, t.now, t.sa);
    // The packet waits for the handshake: only an initiation of exactly 148 bytes goes out.
    BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
    BOOST_CHECK_EQUAL(t.sa.sent.front().bytes.size(), tunnel::kInitiationSize);
    BOOST_CHECK(t.sa.sent.front().to == t.b_endpoint);
    t.pump();

    BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
    BOOST_CHECK(t.sb.delivered[0] == ab);
    BOOST_CHECK_EQUAL(t.a_to_b->counters().handshakes_completed, 1U);
    BOOST_CHECK_EQUAL(t.b_to_a->counters().handshakes_completed, 1U);
    BOOST_CHECK(t.a_to_b->last_handshake().has_value());

    const auto ba = t.packet_b_to_a(1400);
    t.b.send_packet(ba, t.now, t.sb);
    t.pump();
    BOOST_REQUIRE_EQUAL(t.sa.delivered.size(), 1U);
    BOOST_CHECK(t.sa.delivered[0] == ba);
    BOOST_CHECK_EQUAL(t.a_to_b->counters().rx_packets, 1U);
    BOOST_CHECK_EQUAL(t.b_to_a->counters().tx_packets, 1U);
  }
}

BOOST_AUTO_TEST_CASE(mismatched_preshared_key_fails) {
  TunnelPair t(true);
  crypto::PresharedKey other;
  crypto::random_bytes(other.span());
  t.b_to_a->set_preshared_key(other);
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_CHECK(t.sb.delivered.empty());
  BOOST_CHECK_EQUAL(t.a_to_b->counters().handshakes_completed, 0U);
}

BOOST_AUTO_TEST_CASE(transport_padding_and_keepalive_sizes) {
  TunnelPair t;
  establish(t);
  for (const std::size_t size : {20U, 21U, 36U, 37U, 1420U}) {
    const auto datagram = capture_a_to_b(t, t.packet_a_to_b(size));
    const std::size_t padded = (size + 15) / 16 * 16;
    BOOST_CHECK_EQUAL(datagram.size(), tunnel::kTransportHeaderSize + padded + crypto::kAeadTagSize);
  }
  t.a.send_keepalive(*t.a_to_b, t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
  BOOST_CHECK_EQUAL(t.sa.sent.front().bytes.size(), tunnel::kTransportMinSize);
  const auto delivered_before = t.sb.delivered.size();
  t.pump();
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), delivered_before);  // keepalives deliver nothing
}

// A sink that hands out room (as the daemon does with its GSO batch) gets the datagram built and
// sealed there, padding zeroed over whatever the room held, and it still authenticates; a packet
// that needs no padding is sealed from where it lies, and left as it was.
BOOST_AUTO_TEST_CASE(transport_built_in_the_sinks_room) {
  struct RoomSink : RecordingSink {
    std::span<std::uint8_t> datagram_room(const tunnel::Endpoint&, std::size_t size) override {
      asked = size;
      return room;
    }
    void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer) override {
      in_room = datagram.data() == room.data();
      RecordingSink::send(to, datagram, peer);
    }
    std::vector<std::uint8_t> room = std::vector<std::uint8_t>(2000, 0xee);
    std::size_t asked = 0;
    bool in_room = false;
  };
  TunnelPair t;
  establish(t);
  for (const std::size_t size : {37U, 48U}) {
    BOOST_TEST_CONTEXT("packet of " << size << " bytes") {
      RoomSink room_sink;
      t.sb.delivered.clear();
      const auto packet = t.packet_a_to_b(size);
      const auto before = packet;
      t.a.send_packet(packet, t.now, room_sink);
      BOOST_REQUIRE_EQUAL(room_sink.sent.size(), 1U);
      BOOST_CHECK(room_sink.in_room);
      BOOST_CHECK_EQUAL(room_sink.asked, tunnel::kTransportHeaderSize + 48 + crypto::kAeadTagSize);
      BOOST_CHECK(packet == before);
      t.b.receive(room_sink.sent.front().bytes, t.a_endpoint, t.now, false, t.sb);
      BOOST_REQUIRE_EQUAL(t.sb.delivered.size(), 1U);
      BOOST_CHECK(t.sb.delivered.front() == packet);
    }
  }
}

BOOST_AUTO_TEST_CASE(tampered_handshake_bytes_rejected) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  const auto initiation = t.sa.sent.front().bytes;
  t.sa.sent.clear();
  // Every byte up to mac2 is covered by mac1 or the AEADs; mac2 only counts under load.
  for (std::size_t i = 0; i < tunnel::Initiation::kMac2Offset; ++i) {
    auto copy = initiation;
    copy[i] ^= 0x01;
    t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
    BOOST_CHECK_MESSAGE(t.sb.sent.empty(), "tampered initiation byte " << i << " was answered");
  }
  // The untouched initiation still works, so nothing above poisoned B's state.
  auto good = initiation;
  t.b.receive(good, t.a_endpoint, t.now, false, t.sb);
  BOOST_REQUIRE_EQUAL(t.sb.sent.size(), 1U);
  const auto response = t.sb.sent.front().bytes;
  t.sb.sent.clear();
  BOOST_CHECK_EQUAL(response.size(), tunnel::kResponseSize);
  for (std::size_t i = 0; i < tunnel::Response::kMac2Offset; ++i) {
    auto copy = response;
    copy[i] ^= 0x80;
    t.a.receive(copy, t.b_endpoint, t.now, false, t.sa);
    BOOST_CHECK_MESSAGE(t.sa.sent.empty(), "tampered response byte " << i << " was accepted");
  }
  BOOST_CHECK_EQUAL(t.a_to_b->counters().handshakes_completed, 0U);
  good = response;
  t.a.receive(good, t.b_endpoint, t.now, false, t.sa);
  t.pump();
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), 1U);
}

BOOST_AUTO_TEST_CASE(tampered_transport_bytes_rejected) {
  TunnelPair t;
  establish(t);
  const auto datagram = capture_a_to_b(t, t.packet_a_to_b(60));
  for (std::size_t i = 0; i < datagram.size(); ++i) {
    auto copy = datagram;
    copy[i] ^= 0x04;
    t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
  }
  BOOST_CHECK(t.sb.delivered.empty());
  auto good = datagram;
  t.b.receive(good, t.a_endpoint, t.now, false, t.sb);
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), 1U);
}

BOOST_AUTO_TEST_CASE(replayed_and_too_old_counters_rejected) {
  TunnelPair t;
  establish(t);
  const auto first = capture_a_to_b(t, t.packet_a_to_b());
  auto copy = first;
  t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
  copy = first;
  t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), 1U);
  BOOST_CHECK_EQUAL(t.b_to_a->counters().dropped_replay, 1U);

  // Hold one datagram back while the window moves far past it.
  const auto held = capture_a_to_b(t, t.packet_a_to_b());
  for (std::uint64_t i = 0; i < tunnel::ReplayWindow::kWindowSize + 10; ++i) {
    auto d = capture_a_to_b(t, t.packet_a_to_b(20));
    t.b.receive(d, t.a_endpoint, t.now, false, t.sb);
  }
  t.sb.delivered.clear();
  copy = held;
  t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
  BOOST_CHECK(t.sb.delivered.empty());
  BOOST_CHECK_EQUAL(t.b_to_a->counters().dropped_replay, 2U);
}

BOOST_AUTO_TEST_CASE(out_of_order_within_window_accepted) {
  TunnelPair t;
  establish(t);
  std::vector<std::vector<std::uint8_t>> batch;
  for (int i = 0; i < 2048; ++i) batch.push_back(capture_a_to_b(t, t.packet_a_to_b()));
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) t.b.receive(*it, t.a_endpoint, t.now, false, t.sb);
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), batch.size());
}

BOOST_AUTO_TEST_CASE(source_outside_allowed_ips_dropped) {
  TunnelPair t;
  establish(t);
  // A claims a source in B's own range: B must not accept it from A.
  auto d = capture_a_to_b(t, ipv4_packet({10, 2, 0, 5}, {10, 2, 0, 1}));
  t.b.receive(d, t.a_endpoint, t.now, false, t.sb);
  BOOST_CHECK(t.sb.delivered.empty());
  BOOST_CHECK_EQUAL(t.b_to_a->counters().dropped_allowed_ips, 1U);
  BOOST_CHECK_EQUAL(t.b.counters().allowed_ips_mismatch, 1U);
}

BOOST_AUTO_TEST_CASE(roaming_follows_authenticated_packets) {
  TunnelPair t;
  establish(t);
  const auto moved = endpoint(9, 40000);
  auto d = capture_a_to_b(t, t.packet_a_to_b());
  t.b.receive(d, moved, t.now, false, t.sb);
  BOOST_REQUIRE(t.b_to_a->endpoint().has_value());
  BOOST_CHECK(*t.b_to_a->endpoint() == moved);
  // A forged datagram from elsewhere moves nothing.
  auto forged = capture_a_to_b(t, t.packet_a_to_b());
  forged.back() ^= 1;
  t.b.receive(forged, endpoint(66, 1), t.now, false, t.sb);
  BOOST_CHECK(*t.b_to_a->endpoint() == moved);
}

BOOST_AUTO_TEST_CASE(unknown_peer_and_wrong_responder_rejected) {
  TunnelPair t;
  tunnel::Device stranger([] { return std::chrono::nanoseconds(std::chrono::seconds(1'800'000'000)); });
  stranger.set_private_key(crypto::generate_private_key());
  tunnel::Peer* p = stranger.add_peer(t.b.identity().public_key);
  p->set_endpoint(t.b_endpoint);
  stranger.allowed_ips().insert(tunnel::IpPrefix::parse("0.0.0.0/0"), p);
  RecordingSink sink;
  stranger.send_packet(t.packet_a_to_b(), t.now, sink);
  BOOST_REQUIRE_EQUAL(sink.sent.size(), 1U);
  t.b.receive(sink.sent.front().bytes, endpoint(7, 7), t.now, false, t.sb);
  BOOST_CHECK(t.sb.sent.empty());
  BOOST_CHECK_EQUAL(t.b.counters().handshake_rejected, 1U);
}

BOOST_AUTO_TEST_CASE(replayed_initiation_rejected) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  const auto initiation = t.sa.sent.front().bytes;
  t.pump();
  t.advance(1s);
  auto copy = initiation;
  t.b.receive(copy, t.a_endpoint, t.now, false, t.sb);
  BOOST_CHECK(t.sb.sent.empty());
  BOOST_CHECK_EQUAL(t.b.counters().handshake_rejected, 1U);
}

BOOST_AUTO_TEST_SUITE_END()
