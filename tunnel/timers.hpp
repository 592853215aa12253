// A peer's five timers (paper section 6), kept as deadlines on the injected monotonic clock.
// Events arm and disarm them; `expire` reports what fell due so the device can act.
#pragma once

#include <cstdint>
#include <optional>

#include "tunnel/constants.hpp"

namespace sluice::tunnel {

struct TimerActions {
  bool retransmit_handshake = false;  // resend the initiation (attempt counted)
  bool give_up_handshake = false;     // REKEY_ATTEMPT_TIME passed without an answer
  bool send_keepalive = false;        // we received data and had nothing to send back
  bool new_handshake = false;         // we sent data and heard nothing back
  bool zero_key_material = false;     // 3 x REJECT_AFTER_TIME without a new session
  bool persistent_keepalive = false;

  [[nodiscard]] bool any() const noexcept {
    return retransmit_handshake || give_up_handshake || send_keepalive || new_handshake || zero_key_material ||
           persistent_keepalive;
  }
};

class PeerTimers {
 public:
  // `jitter` is a random delay up to kRekeyTimeoutJitterMax, drawn by the caller.
  void handshake_initiated(Instant now, Duration jitter) noexcept;
  void handshake_complete() noexcept;
  void session_derived(Instant now) noexcept;
  // `draw_jitter()` gives such a delay. This runs for every data packet sent, so it is drawn only
  // when the timer is armed.
  template <class DrawJitter>
  void data_sent(Instant now, DrawJitter&& draw_jitter) {
    if (!new_handshake_) new_handshake_ = now + kKeepaliveTimeout + kRekeyTimeout + draw_jitter();
  }
  void data_received(Instant now) noexcept;
  void authenticated_packet_sent() noexcept;
  void authenticated_packet_received() noexcept;
  void authenticated_packet_traversal(Instant now, std::uint16_t persistent_keepalive_seconds) noexcept;
  // A handshake attempt made outside the retransmit timer starts a new count.
  void reset_attempts() noexcept { handshake_attempts_ = 0; }

  // Collects every timer due at `now`, disarming (or rearming) each as it fires.
  [[nodiscard]] TimerActions expire(Instant now, std::uint16_t persistent_keepalive_seconds) noexcept;

  // Retransmissions of the current handshake so far (0 for its first initiation).
  [[nodiscard]] int handshake_attempts() const noexcept { return handshake_attempts_; }

 private:
  std::optional<Instant> retransmit_handshake_;
  std::optional<Instant> send_keepalive_;
  std::optional<Instant> new_handshake_;
  std::optional<Instant> zero_key_material_;
  std::optional<Instant> persistent_keepalive_;
  int handshake_attempts_ = 0;
  bool need_another_keepalive_ = false;
};

}  // namespace sluice::tunnel
