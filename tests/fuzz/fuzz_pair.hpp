// Two protocol cores with fixed keys wired back to back in memory, for the libFuzzer targets:
// the initiator `a` and the responder `b`, each with the other as its only peer. Helpers bring
// them to a given protocol state and repair the MACs of a mutated handshake message, so that the
// fuzzer's bytes get past mac1 (which any attacker who knows b's public key can compute) and reach
// the parsing and decryption behind it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tests/common/tunnel_test_support.hpp"
#include "tunnel/cookie.hpp"
#include "tunnel/messages.hpp"

namespace sluice::fuzz {

using namespace std::chrono_literals;

// Bounded queues and pumping: a fuzzed sequence must not grow the queues or loop without limit.
inline constexpr std::size_t kQueueLimit = 64;

inline crypto::PrivateKey fixed_key(std::uint8_t seed) {
  std::array<std::uint8_t, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return crypto::PrivateKey(std::span<const std::uint8_t, 32>(bytes));
}

inline std::optional<crypto::PresharedKey> fixed_preshared_key(bool with_psk) {
  if (!with_psk) return std::nullopt;
  return crypto::PresharedKey(fixed_key(3).span());
}

struct Pair : test::TunnelPair {
  explicit Pair(bool with_psk) : TunnelPair(fixed_key(1), fixed_key(2), fixed_preshared_key(with_psk), kQueueLimit) {
    pump_rounds = 8;
    b.allowed_ips().insert(tunnel::IpPrefix::parse("fd00:1::/64"), b_to_a);
    // What an attacker who knows a public key computes mac1 (and, with a cookie, mac2) with.
    to_b = tunnel::RemoteIdentity(b.identity().public_key, a.identity());
    to_a = tunnel::RemoteIdentity(a.identity().public_key, b.identity());
  }

  // A completed handshake and a confirmed session in both directions.
  void establish() {
    a.send_packet(packet_a_to_b(), now, sa);
    pump();
  }

  // Makes `cookie_holder` hold a cookie for a's address, so repair_macs_to_b() also writes a valid mac2.
  void fetch_cookie() {
    a.initiate_handshake(*a_to_b, now, sa);
    std::vector<std::uint8_t> initiation = sa.take();
    if (initiation.size() != tunnel::kInitiationSize) return;
    cookie_holder.add_macs(initiation, tunnel::Initiation::kMac1Offset, to_b, now);
    b.receive(initiation, a_endpoint, now, true, sb);
    const std::vector<std::uint8_t> reply = sb.take();
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
