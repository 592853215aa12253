// Whether the device is under load, judged from the rate of handshake messages (the kernel's
// idea): more than kHandshakesPerSecond in a one-second window, and for kHold after the last time
// that was so. Under load, handshakes must carry a valid cookie (mac2) and are rate limited per
// source. Pure: the caller passes the time of each handshake message.
#pragma once

#include <optional>

#include "tunnel/constants.hpp"

namespace sluice::tunnel {

class LoadMonitor {
 public:
  static constexpr unsigned kHandshakesPerSecond = 256;
  static constexpr Duration kHold = 1s;

  // Counts a handshake message that arrived at `now`; returns whether the device is under load.
  [[nodiscard]] bool handshake_arrived(Instant now) noexcept;

 private:
  Instant window_start_{};
  unsigned in_window_ = 0;
  std::optional<Instant> until_;
};

}  // namespace sluice::tunnel
