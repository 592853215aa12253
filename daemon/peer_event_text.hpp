// The debug log's line for a handshake or session event of the core (tunnel/peer_event.hpp). A
// peer is named as wireguard-go names it, by the ends of its public key: never a secret.
#pragma once

#include <string>

#include "tunnel/peer_event.hpp"

namespace sluice::daemon {

[[nodiscard]] std::string peer_event_text(const tunnel::PeerEvent& event);

}  // namespace sluice::daemon
