// The debug log's line for a handshake or session event of the core (tunnel/peer_event.hpp). A
// peer is named as wireguard-go names it, by the ends of its public key: never a secret.
#pragma once

#include <string>

#include "tunnel/peer_event.hpp"

namespace sluice::daemon {

// "peer(AbCd…wxyz)": the first and last four characters of the base64 public key.
[[nodiscard]] std::string peer_name(const tunnel::Peer* peer);
[[nodiscard]] std::string peer_event_text(const tunnel::PeerEvent& event);

}  // namespace sluice::daemon
