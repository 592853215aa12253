#include "tunnel/load_monitor.hpp"

namespace sluice::tunnel {

bool LoadMonitor::handshake_arrived(Instant now) noexcept {
  if (now - window_start_ >= 1s) {
    window_start_ = now;
    in_window_ = 0;
  }
  if (++in_window_ > kHandshakesPerSecond) until_ = now + kHold;
  return until_ && now < *until_;
}

}  // namespace sluice::tunnel
