#include "tunnel/timers.hpp"

namespace sluice::tunnel {
namespace {

bool due(std::optional<Instant>& deadline, Instant now) noexcept {
  if (!deadline || *deadline > now) return false;
  deadline.reset();
  return true;
}

}  // namespace

void PeerTimers::handshake_initiated(Instant now, Duration jitter) noexcept {
  retransmit_handshake_ = now + kRekeyTimeout + jitter;
}

void PeerTimers::handshake_complete() noexcept {
  retransmit_handshake_.reset();
  handshake_attempts_ = 0;
}

void PeerTimers::session_derived(Instant now) noexcept { zero_key_material_ = now + kZeroKeyMaterialAfter; }

void PeerTimers::data_received(Instant now) noexcept {
  if (!send_keepalive_) {
    send_keepalive_ = now + kKeepaliveTimeout;
  } else {
    need_another_keepalive_ = true;
  }
}

void PeerTimers::authenticated_packet_sent() noexcept { send_keepalive_.reset(); }

void PeerTimers::authenticated_packet_received() noexcept { new_handshake_.reset(); }

void PeerTimers::authenticated_packet_traversal(Instant now, std::uint16_t persistent_keepalive_seconds) noexcept {
  if (persistent_keepalive_seconds != 0) {
    persistent_keepalive_ = now + std::chrono::seconds(persistent_keepalive_seconds);
  }
}

TimerActions PeerTimers::expire(Instant now, std::uint16_t persistent_keepalive_seconds) noexcept {
  TimerActions actions;
  if (due(retransmit_handshake_, now)) {
    if (handshake_attempts_ > kMaxHandshakeAttempts) {
      actions.give_up_handshake = true;
      send_keepalive_.reset();
      if (!zero_key_material_) zero_key_material_ = now + kZeroKeyMaterialAfter;
    } else {
      ++handshake_attempts_;
      actions.retransmit_handshake = true;
    }
  }
  if (due(send_keepalive_, now)) {
    actions.send_keepalive = true;
    if (need_another_keepalive_) {
      need_another_keepalive_ = false;
      send_keepalive_ = now + kKeepaliveTimeout;
    }
  }
  actions.new_handshake = due(new_handshake_, now);
  actions.zero_key_material = due(zero_key_material_, now);
  actions.persistent_keepalive = due(persistent_keepalive_, now) && persistent_keepalive_seconds != 0;
  return actions;
}

}  // namespace sluice::tunnel
