// Two protocol cores with fixed keys wired back to back in memory, for the libFuzzer targets:
// the initiator `a` and the responder `b`, each with the other as its only peer. Helpers bring
// them to a given protocol state and repair the MACs of a mutated handshake message, so that the
// fuzzer's bytes get past mac1 (which any attacker who knows b's public key can compute) and reach
// the parsing and decryption behind it.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "tunnel/cookie.hpp"
#include "tunnel/device.hpp"
#include "tunnel/messages.hpp"

namespace sluice::fuzz {

using namespace std::chrono_literals;
using tunnel::Instant;

struct Datagram {
  tunnel::Endpoint to;
  std::vector<std::uint8_t> bytes;
};

class QueueSink : public tunnel::Sink {
 public:
  void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer*) override {
    // Bounded: a fuzzed sequence must not grow the queue without limit.
    if (sent.size() < 64) sent.push_back(Datagram{to, {datagram.begin(), datagram.end()}});
  }
  void deliver(tunnel::Peer&, std::span<const std::uint8_t> packet) override { delivered_bytes += packet.size(); }

  std::deque<Datagram> sent;
  std::size_t delivered_bytes = 0;
};

inline crypto::PrivateKey fixed_key(std::uint8_t seed) {
  std::array<std::uint8_t, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return crypto::PrivateKey(std::span<const std::uint8_t, 32>(bytes));
}

// An IPv4 packet from 10.1.0.1 to 10.2.0.1 (routed from a to b).
inline std::vector<std::uint8_t> packet_a_to_b(std::size_t total = 60) {
  std::vector<std::uint8_t> p(total, 0x5a);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<std::uint8_t>(total >> 8);
  p[3] = static_cast<std::uint8_t>(total);
  p[8] = 64;
  p[9] = 17;
  const std::array<std::uint8_t, 8> addresses{10, 1, 0, 1, 10, 2, 0, 1};
  std::copy(addresses.begin(), addresses.end(), p.begin() + 12);
  return p;
}

struct Pair {
  explicit Pair(bool with_psk) : a([this] { return wall; }), b([this] { return wall; }) {
    a.set_private_key(fixed_key(1));
    b.set_private_key(fixed_key(2));
    a_to_b = a.add_peer(b.identity().public_key);
    b_to_a = b.add_peer(a.identity().public_key);
    if (with_psk) {
      const crypto::PrivateKey seed = fixed_key(3);
      const crypto::PresharedKey psk(seed.span());
      a_to_b->set_preshared_key(psk);
      b_to_a->set_preshared_key(psk);
    }
    a_to_b->set_endpoint(b_endpoint);
    b_to_a->set_endpoint(a_endpoint);
    a.allowed_ips().insert(tunnel::IpPrefix::parse("10.2.0.0/24"), a_to_b);
    b.allowed_ips().insert(tunnel::IpPrefix::parse("10.1.0.0/24"), b_to_a);
    b.allowed_ips().insert(tunnel::IpPrefix::parse("fd00:1::/64"), b_to_a);
    // What an attacker who knows a public key computes mac1 (and, with a cookie, mac2) with.
    to_b = tunnel::RemoteIdentity(b.identity().public_key, a.identity());
    to_a = tunnel::RemoteIdentity(a.identity().public_key, b.identity());
  }

  // The first datagram `sink` holds, removed from its queue; empty if none.
  std::vector<std::uint8_t> take(QueueSink& sink) {
    if (sink.sent.empty()) return {};
    std::vector<std::uint8_t> bytes = std::move(sink.sent.front().bytes);
    sink.sent.pop_front();
    return bytes;
  }

  // Delivers everything in flight, both ways, until both sides are quiet (bounded).
  void pump(bool b_under_load = false, bool a_under_load = false) {
    for (int round = 0; round < 8 && (!sa.sent.empty() || !sb.sent.empty()); ++round) {
      while (!sa.sent.empty()) {
        std::vector<std::uint8_t> datagram = take(sa);
        b.receive(datagram, a_endpoint, now, b_under_load, sb);
      }
      while (!sb.sent.empty()) {
        std::vector<std::uint8_t> datagram = take(sb);
        a.receive(datagram, b_endpoint, now, a_under_load, sa);
      }
    }
  }

  // A completed handshake and a confirmed session in both directions.
  void establish() {
    a.send_packet(packet_a_to_b(), now, sa);
    pump();
  }

  // Makes `cookie_holder` hold a cookie for a's address, so repair_macs_to_b() also writes a valid mac2.
  void fetch_cookie() {
    a.initiate_handshake(*a_to_b, now, sa);
    std::vector<std::uint8_t> initiation = take(sa);
    if (initiation.size() != tunnel::kInitiationSize) return;
    cookie_holder.add_macs(initiation, tunnel::Initiation::kMac1Offset, to_b, now);
    b.receive(initiation, a_endpoint, now, true, sb);
    const std::vector<std::uint8_t> reply = take(sb);
    if (const auto parsed = tunnel::CookieReply::parse(reply)) {
      static_cast<void>(cookie_holder.consume_reply(*parsed, to_b, now));
    }
  }

  // Recomputes mac1 (and mac2 if a cookie is held) of a handshake message addressed to b.
  void repair_macs_to_b(std::vector<std::uint8_t>& message, std::size_t mac1_offset) {
    if (message.size() >= mac1_offset + 32) cookie_holder.add_macs(message, mac1_offset, to_b, now);
  }
  // Recomputes mac1 of a handshake message addressed to a (no cookie is ever held for a).
  void repair_macs_to_a(std::vector<std::uint8_t>& message, std::size_t mac1_offset) {
    if (message.size() >= mac1_offset + 32) tunnel::CookieState().add_macs(message, mac1_offset, to_a, now);
  }

  Instant now{1000s};
  std::chrono::nanoseconds wall{std::chrono::seconds(1'800'000'000)};
  tunnel::Device a;
  tunnel::Device b;
  QueueSink sa;
  QueueSink sb;
  tunnel::Endpoint a_endpoint{tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{10, 200, 0, 1}), 51820};
  tunnel::Endpoint b_endpoint{tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{10, 200, 0, 2}), 51821};
  tunnel::Peer* a_to_b = nullptr;
  tunnel::Peer* b_to_a = nullptr;
  tunnel::RemoteIdentity to_b;
  tunnel::RemoteIdentity to_a;
  tunnel::CookieState cookie_holder;

};

// XORs `mutation` onto `message` from the start; the mutation's extra bytes are appended, so the
// fuzzer can also change the length.
inline void mutate(std::vector<std::uint8_t>& message, std::span<const std::uint8_t> mutation) {
  for (std::size_t i = 0; i < mutation.size(); ++i) {
    if (i < message.size()) {
      message[i] ^= mutation[i];
    } else {
      message.push_back(mutation[i]);
    }
  }
}

}  // namespace sluice::fuzz
