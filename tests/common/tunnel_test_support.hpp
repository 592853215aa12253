// Two in-memory tunnel cores wired back to back: no sockets, an injected clock. Shared by the
// unit tests (random keys) and the libFuzzer targets (fixed keys, bounded queues).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "crypto/random.hpp"
#include "crypto/x25519.hpp"
#include "tunnel/device.hpp"

namespace sluice::test {

using namespace std::chrono_literals;
using tunnel::Instant;

struct Datagram {
  tunnel::Endpoint to;
  std::vector<std::uint8_t> bytes;
};

// Keeps what a core sends and delivers. `limit` caps each queue, so that a fuzzed sequence cannot
// grow them without bound; beyond it, more is dropped.
class RecordingSink : public tunnel::Sink {
 public:
  explicit RecordingSink(std::size_t limit = std::numeric_limits<std::size_t>::max()) : limit_(limit) {}

  void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer*) override {
    if (sent.size() < limit_) sent.push_back(Datagram{to, {datagram.begin(), datagram.end()}});
  }
  void deliver(tunnel::Peer&, std::span<const std::uint8_t> packet, tunnel::Instant) override {
    if (delivered.size() < limit_) delivered.emplace_back(packet.begin(), packet.end());
  }
  void event(const tunnel::PeerEvent& e) override {
    if (events.size() < limit_) {
      events.push_back({e.kind, e.peer, e.endpoint ? std::optional(*e.endpoint) : std::nullopt, e.attempt});
    }
  }

  // The first datagram sent, removed from the queue; empty if none.
  std::vector<std::uint8_t> take() {
    if (sent.empty()) return {};
    std::vector<std::uint8_t> bytes = std::move(sent.front().bytes);
    sent.pop_front();
    return bytes;
  }

  // A reported event, its endpoint copied (the core's pointer is valid during the call only).
  struct Event {
    tunnel::PeerEventKind kind;
    const tunnel::Peer* peer;
    std::optional<tunnel::Endpoint> endpoint;
    int attempt;
  };

  std::deque<Datagram> sent;
  std::vector<std::vector<std::uint8_t>> delivered;
  std::vector<Event> events;

 private:
  std::size_t limit_;
};

inline tunnel::Endpoint endpoint(std::uint8_t last_octet, std::uint16_t port) {
  return tunnel::Endpoint{tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{10, 200, 0, last_octet}), port};
}

// An IPv4 packet of `total` bytes (>= 20) from `src` to `dst` with a recognisable payload.
inline std::vector<std::uint8_t> ipv4_packet(std::array<std::uint8_t, 4> src, std::array<std::uint8_t, 4> dst,
                                             std::size_t total = 84, std::uint8_t fill = 0xab) {
  std::vector<std::uint8_t> p(total, fill);
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<std::uint8_t>(total >> 8);
  p[3] = static_cast<std::uint8_t>(total);
  p[8] = 64;
  p[9] = 17;
  std::copy(src.begin(), src.end(), p.begin() + 12);
  std::copy(dst.begin(), dst.end(), p.begin() + 16);
  return p;
}

inline crypto::PresharedKey random_preshared_key() {
  crypto::PresharedKey psk;
  crypto::random_bytes(psk.span());
  return psk;
}

// Site A (inner 10.1.0.0/24) and site B (inner 10.2.0.0/24).
struct TunnelPair {
  // Fresh random keys, and a random preshared key if `with_psk`.
  explicit TunnelPair(bool with_psk = false)
      : TunnelPair(crypto::generate_private_key(), crypto::generate_private_key(),
                   with_psk ? std::optional(random_preshared_key()) : std::nullopt) {}

  TunnelPair(const crypto::PrivateKey& a_key, const crypto::PrivateKey& b_key,
             const std::optional<crypto::PresharedKey>& psk,
             std::size_t sink_limit = std::numeric_limits<std::size_t>::max())
      : a([this] { return wall; }), b([this] { return wall; }), sa(sink_limit), sb(sink_limit) {
    a.set_private_key(a_key);
    b.set_private_key(b_key);
    a_to_b = a.add_peer(b.identity().public_key);
    b_to_a = b.add_peer(a.identity().public_key);
    if (psk) {
      a_to_b->set_preshared_key(*psk);
      b_to_a->set_preshared_key(*psk);
    }
    a_to_b->set_endpoint(b_endpoint);
    b_to_a->set_endpoint(a_endpoint);
    a.allowed_ips().insert(tunnel::IpPrefix::parse("10.2.0.0/24"), a_to_b);
    b.allowed_ips().insert(tunnel::IpPrefix::parse("10.1.0.0/24"), b_to_a);
  }

  std::vector<std::uint8_t> packet_a_to_b(std::size_t total = 84) {
    return ipv4_packet({10, 1, 0, 1}, {10, 2, 0, 1}, total);
  }
  std::vector<std::uint8_t> packet_b_to_a(std::size_t total = 84) {
    return ipv4_packet({10, 2, 0, 1}, {10, 1, 0, 1}, total);
  }

  // Delivers everything in flight until both sides are quiet, for at most `pump_rounds` rounds;
  // returns how many datagrams moved.
  int pump(bool b_under_load = false, bool a_under_load = false) {
    int moved = 0;
    for (int round = 0; round < pump_rounds && (!sa.sent.empty() || !sb.sent.empty()); ++round) {
      moved += deliver_all(sa, b, a_endpoint, b_under_load, sb);
      moved += deliver_all(sb, a, b_endpoint, a_under_load, sa);
    }
    return moved;
  }

  void advance(std::chrono::nanoseconds step) {
    now += step;
    wall += step;
  }

  // Moves time forward in small steps, running both sides' timers, without delivering anything.
  void run_timers_for(std::chrono::nanoseconds span, std::chrono::nanoseconds step = 100ms) {
    for (auto end = now + span; now < end;) {
      advance(step);
      a.tick(now, sa);
      b.tick(now, sb);
    }
  }

  int deliver_all(RecordingSink& from_sink, tunnel::Device& to, const tunnel::Endpoint& source, bool under_load,
                  RecordingSink& to_sink) {
    int moved = 0;
    while (!from_sink.sent.empty()) {
      std::vector<std::uint8_t> bytes = from_sink.take();
      to.receive(bytes, source, now, under_load, to_sink);
      ++moved;
    }
    return moved;
  }

  Instant now{1000s};
  std::chrono::nanoseconds wall{std::chrono::seconds(1'800'000'000)};
  tunnel::Device a;
  tunnel::Device b;
  RecordingSink sa;
  RecordingSink sb;
  tunnel::Endpoint a_endpoint = endpoint(1, 51820);
  tunnel::Endpoint b_endpoint = endpoint(2, 51821);
  tunnel::Peer* a_to_b = nullptr;
  tunnel::Peer* b_to_a = nullptr;
  int pump_rounds = 100;
};

}  // namespace sluice::test
