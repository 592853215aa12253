// Every message type at every length, and random bytes: rejected, counted, never a crash.
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "tests/common/tunnel_test_support.hpp"
#include "tunnel/messages.hpp"
#include "tunnel/replay_window.hpp"

using namespace sluice;
using namespace sluice::test;

BOOST_AUTO_TEST_SUITE(tunnel_robustness)

BOOST_AUTO_TEST_CASE(classify_accepts_only_exact_sizes) {
  for (std::uint8_t type = 0; type <= 5; ++type) {
    for (std::size_t len = 0; len <= 200; ++len) {
      std::vector<std::uint8_t> d(len, 0);
      if (len > 0) d[0] = type;
      const auto kind = tunnel::classify(d);
      bool expected = false;
      switch (type) {
        case 1:
          expected = len == tunnel::kInitiationSize;
          break;
        case 2:
          expected = len == tunnel::kResponseSize;
          break;
        case 3:
          expected = len == tunnel::kCookieReplySize;
          break;
        case 4:
          expected = len >= tunnel::kTransportMinSize;
          break;
        default:
          break;
      }
      BOOST_CHECK_MESSAGE(kind.has_value() == expected, "type " << int(type) << " length " << len);
    }
  }
  // Non-zero reserved bytes make any type invalid.
  std::vector<std::uint8_t> d(tunnel::kInitiationSize, 0);
  d[0] = 1;
  d[2] = 1;
  BOOST_CHECK(!tunnel::classify(d).has_value());
}

BOOST_AUTO_TEST_CASE(every_type_every_length_random_content) {
  TunnelPair t;
  // An established session, so transport messages reach the decryption step.
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  t.sb.delivered.clear();
  std::mt19937 rng(12345);
  for (const bool under_load : {false, true}) {
    for (std::uint8_t type = 0; type <= 5; ++type) {
      for (std::size_t len = 0; len <= 200; ++len) {
        for (int round = 0; round < 4; ++round) {
          std::vector<std::uint8_t> d(len);
          for (auto& byte : d) byte = static_cast<std::uint8_t>(rng());
          if (len >= 4) {
            d[0] = type;
            d[1] = d[2] = d[3] = 0;
          }
          t.b.receive(d, endpoint(50, 5000), t.now, under_load, t.sb);
        }
      }
    }
  }
  BOOST_CHECK(t.sb.delivered.empty());
  // Only cookie replies (to random initiations with a random, hence wrong, mac1: none) may go out.
  BOOST_CHECK(t.sb.sent.empty());
  const auto& c = t.b.counters();
  BOOST_CHECK_GT(c.invalid_message, 0U);
  BOOST_CHECK_GT(c.bad_mac1, 0U);
  BOOST_CHECK_GT(c.unknown_index, 0U);
  // The real session still works afterwards.
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), 1U);
}

BOOST_AUTO_TEST_CASE(authenticated_plaintext_that_is_not_ip_dropped) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump();
  t.sb.delivered.clear();
  tunnel::Keypair* keypair = t.a_to_b->keypairs().current();
  BOOST_REQUIRE(keypair != nullptr);
  for (const std::size_t len : {1U, 5U, 16U, 19U, 20U, 39U, 100U}) {
    std::vector<std::uint8_t> plaintext(len, 0x60);  // version 6 claims, too short or lying lengths
    plaintext[0] = len % 2 == 0 ? 0x45 : 0x60;
    if (len >= 4) plaintext[2] = plaintext[3] = 0xff;
    std::vector<std::uint8_t> d(tunnel::kTransportHeaderSize + len + crypto::kAeadTagSize);
    const std::uint64_t counter = keypair->send_counter++;
    tunnel::TransportHeader{keypair->remote_index, counter}.write(std::span(d).first<tunnel::kTransportHeaderSize>());
    crypto::wg_aead_encrypt(std::span(d).subspan(tunnel::kTransportHeaderSize), plaintext, counter, keypair->send_key,
                            {});
    t.b.receive(d, t.a_endpoint, t.now, false, t.sb);
  }
  BOOST_CHECK(t.sb.delivered.empty());
  BOOST_CHECK_EQUAL(t.b.counters().malformed_inner, 7U);
}

BOOST_AUTO_TEST_CASE(malformed_outbound_packets_not_sent) {
  TunnelPair t;
  for (std::size_t len = 0; len < 20; ++len) {
    auto p = t.packet_a_to_b(20);
    p.resize(len);
    t.a.send_packet(p, t.now, t.sa);
  }
  auto lying = t.packet_a_to_b(40);
  lying[2] = 0x03;  // claims 1000 bytes
  t.a.send_packet(lying, t.now, t.sa);
  BOOST_CHECK(t.sa.sent.empty());
  BOOST_CHECK_EQUAL(t.a.counters().malformed_inner, 21U);
}

BOOST_AUTO_TEST_CASE(replay_window_rules) {
  tunnel::ReplayWindow w;
  BOOST_CHECK(w.accept(0));
  BOOST_CHECK(!w.accept(0));
  BOOST_CHECK(w.accept(5));
  BOOST_CHECK(w.accept(3));
  BOOST_CHECK(!w.accept(3));
  BOOST_CHECK(w.accept(20000));
  BOOST_CHECK(w.accept(20000 - tunnel::ReplayWindow::kWindowSize + 1));
  BOOST_CHECK(!w.accept(20000 - tunnel::ReplayWindow::kWindowSize));
  BOOST_CHECK_GE(tunnel::ReplayWindow::kWindowSize, 2048U);
  // A jump beyond the whole ring clears it and old counters stay rejected.
  BOOST_CHECK(w.accept(1'000'000));
  BOOST_CHECK(!w.accept(20000));
  BOOST_CHECK(w.accept(999'999));
  BOOST_CHECK(!w.accept(tunnel::kRejectAfterMessages));
  BOOST_CHECK(!w.might_accept(1'000'000));
  BOOST_CHECK(w.might_accept(1'000'001));
}

BOOST_AUTO_TEST_CASE(replay_window_matches_reference) {
  tunnel::ReplayWindow w;
  std::set<std::uint64_t> seen;
  std::uint64_t greatest = 0;
  bool any = false;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t base = any ? greatest : 0;
    std::uint64_t c = base + (rng() % 12000);
    c = c > 9000 ? c - 9000 : 0;
    const bool fresh = !seen.contains(c) && (!any || c > greatest || greatest - c < tunnel::ReplayWindow::kWindowSize);
    BOOST_REQUIRE_EQUAL(w.accept(c), fresh);
    if (fresh) {
      seen.insert(c);
      if (!any || c > greatest) greatest = c;
      any = true;
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
