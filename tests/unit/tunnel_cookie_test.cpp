// Under load: an initiation without a valid mac2 gets a cookie reply; the retry carries mac2.
#include <boost/test/unit_test.hpp>

#include "tests/common/tunnel_test_support.hpp"
#include "tunnel/cookie_reply_limiter.hpp"
#include "tunnel/messages.hpp"
#include "tunnel/rate_limiter.hpp"

using namespace sluice;
using namespace sluice::test;

BOOST_AUTO_TEST_SUITE(tunnel_cookie)

BOOST_AUTO_TEST_CASE(cookie_reply_then_mac2_retry_succeeds) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump(/*b_under_load=*/true);
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 1U);
  BOOST_CHECK_EQUAL(t.a_to_b->counters().cookie_replies_received, 1U);
  BOOST_CHECK(t.sb.delivered.empty());

  // The retransmit timer resends; this time mac2 is valid and B answers despite the load.
  t.advance(tunnel::kRekeyTimeout + tunnel::kRekeyTimeoutJitterMax);
  t.a.tick(t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
  t.pump(/*b_under_load=*/true, /*a_under_load=*/false);
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 1U);
  BOOST_CHECK_EQUAL(t.sb.delivered.size(), 1U);
  BOOST_CHECK_EQUAL(t.a_to_b->counters().handshakes_completed, 1U);
}

BOOST_AUTO_TEST_CASE(forged_mac2_gets_another_cookie_reply) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  auto initiation = t.sa.sent.front().bytes;
  t.sa.sent.clear();
  initiation[tunnel::Initiation::kMac2Offset] ^= 0xff;
  t.b.receive(initiation, t.a_endpoint, t.now, true, t.sb);
  BOOST_REQUIRE_EQUAL(t.sb.sent.size(), 1U);
  BOOST_CHECK_EQUAL(t.sb.sent.front().bytes.size(), tunnel::kCookieReplySize);
  BOOST_CHECK_EQUAL(t.b_to_a->counters().initiations_received, 0U);
}

BOOST_AUTO_TEST_CASE(cookie_is_bound_to_source_address) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.pump(true);
  t.advance(6s);
  t.a.tick(t.now, t.sa);
  BOOST_REQUIRE_EQUAL(t.sa.sent.size(), 1U);
  // The retry arrives from another address: its mac2 does not match that address's cookie.
  auto retry = t.sa.sent.front().bytes;
  t.sa.sent.clear();
  t.b.receive(retry, endpoint(99, 1234), t.now, true, t.sb);
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 2U);
}

BOOST_AUTO_TEST_CASE(bad_mac1_never_gets_a_cookie) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  auto initiation = t.sa.sent.front().bytes;
  initiation[tunnel::Initiation::kMac1Offset] ^= 1;
  t.b.receive(initiation, t.a_endpoint, t.now, true, t.sb);
  BOOST_CHECK(t.sb.sent.empty());
  BOOST_CHECK_EQUAL(t.b.counters().bad_mac1, 1U);
}

BOOST_AUTO_TEST_CASE(cookie_reply_for_other_mac1_ignored) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  t.sa.sent.clear();
  // A cookie reply whose AEAD was bound to a different mac1 must not be accepted.
  tunnel::CookieReply forged;
  forged.receiver_index = 0;
  std::array<std::uint8_t, tunnel::kCookieReplySize> bytes{};
  forged.write(bytes);
  t.a.receive(bytes, t.b_endpoint, t.now, false, t.sa);
  BOOST_CHECK_EQUAL(t.a_to_b->counters().cookie_replies_received, 0U);
}

BOOST_AUTO_TEST_CASE(rate_limiter_buckets) {
  tunnel::RateLimiter limiter;
  const auto a = tunnel::IpAddress::parse("10.200.0.1");
  const auto b = tunnel::IpAddress::parse("10.200.0.2");
  Instant t{100s};
  // A burst, then one per 1/kPacketsPerSecond.
  for (unsigned i = 0; i < tunnel::RateLimiter::kBurst; ++i) BOOST_CHECK(limiter.allow(a, t));
  BOOST_CHECK(!limiter.allow(a, t));
  BOOST_CHECK(limiter.allow(b, t));  // other sources are not affected
  t += tunnel::Duration(1s) / tunnel::RateLimiter::kPacketsPerSecond;
  BOOST_CHECK(limiter.allow(a, t));
  BOOST_CHECK(!limiter.allow(a, t));
  // IPv6 sources share their /64.
  const auto v6a = tunnel::IpAddress::parse("fd00:1:2:3::1");
  const auto v6b = tunnel::IpAddress::parse("fd00:1:2:3::99");
  for (unsigned i = 0; i < tunnel::RateLimiter::kBurst; ++i) BOOST_CHECK(limiter.allow(v6a, t));
  BOOST_CHECK(!limiter.allow(v6b, t));
  // Idle entries are forgotten.
  t += 2s;
  BOOST_CHECK(limiter.allow(a, t));
  BOOST_CHECK_EQUAL(limiter.size(), 1U);
}

BOOST_AUTO_TEST_CASE(rate_limiter_table_is_bounded) {
  tunnel::RateLimiter limiter;
  const Instant t{100s};
  for (std::uint32_t i = 0; i < tunnel::RateLimiter::kMaxEntries + 100; ++i) {
    std::array<std::uint8_t, 4> bytes{10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                      static_cast<std::uint8_t>(i)};
    (void)limiter.allow(tunnel::IpAddress::v4(bytes), t);
  }
  BOOST_CHECK_LE(limiter.size(), tunnel::RateLimiter::kMaxEntries);
}

// A table full of busy senders (valid cookies from many /64s) used to be swept on every call: a
// walk of 16,384 entries per message. Now newcomers are refused without a walk for a while.
BOOST_AUTO_TEST_CASE(rate_limiter_full_of_busy_senders_is_not_swept_per_message) {
  tunnel::RateLimiter limiter;
  Instant t{100s};
  const auto v6 = [](std::uint32_t i) {
    std::array<std::uint8_t, 16> bytes{0xfd,
                                       0,
                                       static_cast<std::uint8_t>(i >> 24),
                                       static_cast<std::uint8_t>(i >> 16),
                                       static_cast<std::uint8_t>(i >> 8),
                                       static_cast<std::uint8_t>(i)};
    return tunnel::IpAddress::v6(bytes);
  };
  for (std::uint32_t i = 0; i < tunnel::RateLimiter::kMaxEntries; ++i) BOOST_CHECK(limiter.allow(v6(i), t));
  const std::size_t sweeps_when_full = limiter.sweeps();
  // 20,000 newcomers over 50 ms, while every entry stays busy.
  for (std::uint32_t i = 0; i < 20000; ++i) {
    BOOST_CHECK(!limiter.allow(v6(tunnel::RateLimiter::kMaxEntries + i), t + i * 2500ns));
  }
  BOOST_CHECK_LE(limiter.sweeps() - sweeps_when_full, 1U);
  BOOST_CHECK_EQUAL(limiter.size(), tunnel::RateLimiter::kMaxEntries);
  // Once the senders have been idle for a second, a newcomer gets in.
  t += 1100ms;
  BOOST_CHECK(limiter.allow(v6(1U << 30), t));
}

BOOST_AUTO_TEST_CASE(under_load_a_source_with_a_cookie_is_rate_limited) {
  TunnelPair t;
  // A gets its cookie, then sends valid, mac2-carrying initiations from one address.
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  const Instant b_start = t.now;
  t.pump(true);
  constexpr int kSent = 15;
  std::size_t answered = 0;
  for (int i = 0; i < kSent; ++i) {
    t.advance(tunnel::kRekeyTimeout + 1s);  // A's own limit: one initiation per REKEY_TIMEOUT
    t.a.initiate_handshake(*t.a_to_b, t.now, t.sa);
    auto initiation = std::move(t.sa.sent.front().bytes);
    t.sa.sent.clear();
    // They reach B 21 ms apart: above the per-peer limit of 50/s, below the per-source one.
    t.b.receive(initiation, t.a_endpoint, b_start + i * 21ms, true, t.sb);
    for (const auto& d : t.sb.sent) answered += tunnel::classify(d.bytes) == tunnel::MessageType::handshake_response;
    t.sb.sent.clear();
  }
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 1U);  // only the first, cookie-less one
  BOOST_CHECK_GT(t.b.counters().handshake_rate_limited, 0U);
  BOOST_CHECK_EQUAL(answered + t.b.counters().handshake_rate_limited, static_cast<std::size_t>(kSent));
  BOOST_CHECK_LE(answered, tunnel::RateLimiter::kBurst + kSent * 21 / 50 + 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tunnel_cookie_reply_limiter)

BOOST_AUTO_TEST_CASE(one_reply_per_address_per_interval) {
  tunnel::CookieReplyLimiter limiter;
  const auto a = tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 1});
  const auto b = tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 2});
  const tunnel::Instant t0{1s};
  BOOST_CHECK(limiter.allow(a, t0));
  BOOST_CHECK(!limiter.allow(a, t0 + 1ms));
  BOOST_CHECK(limiter.allow(b, t0 + 1ms));
  BOOST_CHECK(!limiter.allow(a, t0 + tunnel::CookieReplyLimiter::kInterval - 1ns));
  BOOST_CHECK(limiter.allow(a, t0 + tunnel::CookieReplyLimiter::kInterval));
}

BOOST_AUTO_TEST_CASE(fails_open_when_other_sources_churn_the_slots) {
  tunnel::CookieReplyLimiter limiter;
  const auto victim = tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{192, 0, 2, 7});
  const tunnel::Instant t0{1s};
  BOOST_CHECK(limiter.allow(victim, t0));
  // Spoofed sources, more than there are slots, all at once: every one is answered (the limiter
  // keeps no list to fill), and so is the victim's next attempt once its interval is over.
  int refused = 0;
  for (std::uint32_t i = 0; i < 3 * tunnel::CookieReplyLimiter::kSlots; ++i) {
    const auto spoofed = tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{
        10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)});
    refused += !limiter.allow(spoofed, t0);
  }
  BOOST_CHECK_EQUAL(refused, 0);
  BOOST_CHECK(limiter.allow(victim, t0 + tunnel::CookieReplyLimiter::kInterval));
}

BOOST_AUTO_TEST_CASE(a_flood_from_one_source_gets_one_reply_per_interval_others_still_get_theirs) {
  TunnelPair t;
  t.a.send_packet(t.packet_a_to_b(), t.now, t.sa);
  const auto initiation = t.sa.sent.front().bytes;
  t.sa.sent.clear();
  // The device works in place: each delivery gets its own copy.
  const auto deliver = [&](const tunnel::Endpoint& from) {
    auto copy = initiation;
    t.b.receive(copy, from, t.now, true, t.sb);
  };
  for (int i = 0; i < 100; ++i) deliver(endpoint(66, 4000));
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 1U);
  BOOST_CHECK_EQUAL(t.b.counters().handshake_rate_limited, 99U);
  // The legitimate sender, at another address, is answered at once.
  deliver(t.a_endpoint);
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 2U);
  t.advance(tunnel::CookieReplyLimiter::kInterval);
  deliver(endpoint(66, 4000));
  BOOST_CHECK_EQUAL(t.b.counters().cookie_replies_sent, 3U);
}

BOOST_AUTO_TEST_SUITE_END()
