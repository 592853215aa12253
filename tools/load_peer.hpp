// One initiating peer of the handshake load tool: builds initiations and checks the answers with
// the project's own handshake and cookie code, as a real WireGuard initiator would. Pure: no
// sockets, no clock; times come in, message bytes go out. Its sender indexes carry its number in
// the low 16 bits, so a reply can be routed to its peer without a table.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>

#include "crypto/memory.hpp"
#include "tunnel/cookie.hpp"
#include "tunnel/handshake.hpp"

namespace sluice::tools {

inline constexpr std::size_t kMaxLoadPeers = 1 << 16;

// The private key of load peer `number`: derived from `seed`, so that the tool run that prints
// the public keys and the run that uses them agree without a key file.
[[nodiscard]] crypto::PrivateKey load_peer_key(std::uint64_t seed, std::uint32_t number);

// The peer a reply is for: the low 16 bits of the receiver index we chose.
[[nodiscard]] inline std::uint32_t load_peer_number(std::uint32_t receiver_index) noexcept {
  return receiver_index & (kMaxLoadPeers - 1);
}

class LoadPeer {
 public:
  enum class Outcome : std::uint8_t {
    completed,  // a response to our latest initiation, verified: session keys derived
    cookie,     // a cookie reply to our latest initiation: the next one carries mac2
    ignored,    // stale, forged or not for us
  };

  LoadPeer(std::uint32_t number, const crypto::PrivateKey& private_key, const crypto::PublicKey& responder);

  [[nodiscard]] const crypto::PublicKey& public_key() const noexcept { return local_.public_key; }

  // A new initiation: fresh ephemeral key, a TAI64N timestamp later than every earlier one (the
  // responder rejects any other), mac1, and mac2 while a cookie is fresh. The previous one is
  // abandoned; replies to it are ignored.
  [[nodiscard]] std::array<std::uint8_t, tunnel::kInitiationSize> initiate(tunnel::Instant now,
                                                                           std::chrono::nanoseconds wall);

  // A handshake response or cookie reply whose receiver index names this peer.
  [[nodiscard]] Outcome receive(std::span<const std::uint8_t> datagram, tunnel::Instant now);

  // Whether the latest initiation is still unanswered.
  [[nodiscard]] bool waiting() const noexcept {
    return handshake_.state() == tunnel::Handshake::State::created_initiation;
  }
  [[nodiscard]] std::uint32_t sender_index() const noexcept { return handshake_.local_index(); }

 private:
  std::uint32_t number_;
  std::uint32_t sequence_ = 0;
  tunnel::LocalIdentity local_;
  tunnel::RemoteIdentity remote_;
  tunnel::Handshake handshake_;
  tunnel::CookieState cookie_;
  std::chrono::nanoseconds last_wall_{0};
};

}  // namespace sluice::tools
