// What happens to a peer's handshakes and sessions, as data: the core reports these through its
// Sink, the daemon logs them at debug level. They hold no key material.
#pragma once

#include <cstdint>

#include "tunnel/endpoint.hpp"

namespace sluice::tunnel {

class Peer;

enum class PeerEventKind : std::uint8_t {
  initiation_sent,  // `attempt`: 1 for a new handshake, more for a retry
  initiation_received,
  response_sent,
  response_received,
  session_started,    // a new keypair carries the traffic from now on (a rotation, after the first)
  endpoint_changed,   // `endpoint` is the new one
  cookie_reply_sent,  // under load, to an unauthenticated sender: no `peer`
  cookie_reply_received,
  handshake_given_up,   // REKEY_ATTEMPT_TIME passed without an answer; `attempt`: how many were made
  key_material_zeroed,  // no new session for 3 x REJECT_AFTER_TIME
};

struct PeerEvent {
  PeerEventKind kind;
  const Peer* peer;          // nullptr only for cookie_reply_sent
  const Endpoint* endpoint;  // where the message went or came from; nullptr when there is none
  int attempt = 0;
};

}  // namespace sluice::tunnel
