#include "tools/load_peer.hpp"

#include <algorithm>
#include <stdexcept>

#include "crypto/blake2s.hpp"
#include "crypto/x25519.hpp"

namespace sluice::tools {

crypto::PrivateKey load_peer_key(std::uint64_t seed, std::uint32_t number) {
  static constexpr std::string_view kLabel = "sluice handshake_load peer key";
  std::array<std::uint8_t, 12> input{};
  for (int i = 0; i < 8; ++i) input[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  for (int i = 0; i < 4; ++i) input[8 + i] = static_cast<std::uint8_t>(number >> (8 * i));
  crypto::PrivateKey key;
  crypto::blake2s_256(key.span(),
                      {std::span(reinterpret_cast<const std::uint8_t*>(kLabel.data()), kLabel.size()), input});
  // RFC 7748 clamping, as wg genkey does, so the key is the scalar actually used.
  key.data()[0] &= 248;
  key.data()[31] &= 127;
  key.data()[31] |= 64;
  return key;
}

LoadPeer::LoadPeer(std::uint32_t number, const crypto::PrivateKey& private_key, const crypto::PublicKey& responder)
    : number_(number), local_(tunnel::LocalIdentity::from_private(private_key)), remote_(responder, local_) {
  if (number >= kMaxLoadPeers) throw std::invalid_argument("at most 65536 load peers");
  if (!remote_.static_static_valid) throw std::invalid_argument("no handshake possible with that public key");
}

std::array<std::uint8_t, tunnel::kInitiationSize> LoadPeer::initiate(tunnel::Instant now,
                                                                     std::chrono::nanoseconds wall) {
  // Full nanoseconds, not whitened: the responder only asks for a later timestamp, and a peer
  // initiating every few tens of milliseconds must not repeat one.
  last_wall_ = std::max(wall, last_wall_ + std::chrono::nanoseconds(1));
  const std::uint32_t index = (++sequence_ << 16) | number_;
  const auto message = handshake_.create_initiation(local_, remote_, crypto::tai64n_from_unix(last_wall_), index);
  // Only fails for keys the constructor already refused.
  if (!message) throw std::logic_error("cannot build an initiation");
  std::array<std::uint8_t, tunnel::kInitiationSize> out{};
  message->write(out);
  cookie_.add_macs(out, tunnel::Initiation::kMac1Offset, remote_, now);
  return out;
}

LoadPeer::Outcome LoadPeer::receive(std::span<const std::uint8_t> datagram, tunnel::Instant now) {
  if (!waiting()) return Outcome::ignored;
  switch (tunnel::classify(datagram).value_or(tunnel::MessageType::transport_data)) {
    case tunnel::MessageType::handshake_response: {
      const auto response = tunnel::Response::parse(datagram);
      // consume_response checks the receiver index, the DH results and the empty payload's tag.
      if (!response || !handshake_.consume_response(*response, local_, remote_)) return Outcome::ignored;
      // The keys are not used: deriving them completes the handshake, and wipes its state.
      return handshake_.derive_session() ? Outcome::completed : Outcome::ignored;
    }
    case tunnel::MessageType::cookie_reply: {
      const auto reply = tunnel::CookieReply::parse(datagram);
      if (!reply || reply->receiver_index != handshake_.local_index() || !cookie_.consume_reply(*reply, remote_, now)) {
        return Outcome::ignored;
      }
      // The initiation was not consumed; the next one (with mac2) replaces it.
      handshake_.clear();
      return Outcome::cookie;
    }
    default:
      return Outcome::ignored;
  }
}

}  // namespace sluice::tools
