#include "daemon/peer_event_text.hpp"

#include <fmt/format.h>

#include "crypto/key_encoding.hpp"
#include "tunnel/peer.hpp"

namespace sluice::daemon {

std::string peer_name(const tunnel::Peer* peer) {
  if (peer == nullptr) return "unknown sender";
  const std::string key = crypto::encode_base64_key(peer->public_key().span());
  return fmt::format("peer({}…{})", key.substr(0, 4), key.substr(key.size() - 5, 4));
}

namespace {

std::string where(const tunnel::Endpoint* endpoint) { return endpoint != nullptr ? endpoint->to_string() : "nowhere"; }

}  // namespace

std::string peer_event_text(const tunnel::PeerEvent& e) {
  using Kind = tunnel::PeerEventKind;
  const std::string peer = peer_name(e.peer);
  switch (e.kind) {
    case Kind::initiation_sent:
      return fmt::format("{}: handshake initiation sent to {} (attempt {})", peer, where(e.endpoint), e.attempt);
    case Kind::initiation_received:
      return fmt::format("{}: handshake initiation received from {}", peer, where(e.endpoint));
    case Kind::response_sent:
      return fmt::format("{}: handshake response sent to {}", peer, where(e.endpoint));
    case Kind::response_received:
      return fmt::format("{}: handshake response received from {}", peer, where(e.endpoint));
    case Kind::session_started:
      return fmt::format("{}: new keypair in use", peer);
    case Kind::endpoint_changed:
      return fmt::format("{}: endpoint changed to {}", peer, where(e.endpoint));
    case Kind::cookie_reply_sent:
      return fmt::format("under load: cookie reply sent to {}", where(e.endpoint));
    case Kind::cookie_reply_received:
      return fmt::format("{}: cookie reply received from {}", peer, where(e.endpoint));
    case Kind::handshake_given_up:
      return fmt::format("{}: handshake did not complete after {} attempts, giving up", peer, e.attempt);
    case Kind::key_material_zeroed:
      return fmt::format("{}: no new session for too long, session keys zeroed", peer);
  }
  return fmt::format("{}: unknown event", peer);
}

}  // namespace sluice::daemon
