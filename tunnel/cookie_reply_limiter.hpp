// Under load, at most one cookie reply per source address every kInterval. A flood from one host
// (or a few) then costs the responder its MAC checks per datagram instead of those, an
// encryption, random bytes and a send: measured on sluiced, that doubles how much of a flood it
// reads, and so how much of a legitimate peer's traffic gets through it.
// The table is a fixed array of slots indexed by a hash of the address, each remembering only the
// last address that used it. A source that finds its slot taken by another address is answered:
// the limiter fails open, so spoofed floods that churn every slot cost what they did before and
// cannot crowd out a legitimate sender (it creates no state and refuses no newcomer). Senders
// behind one address share its budget, as they share the handshake rate limit (rate_limiter.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>

#include "tunnel/constants.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {

class CookieReplyLimiter {
 public:
  // A legitimate initiator retries every REKEY_TIMEOUT (5 s), so 20 replies a second per address
  // leave room for many initiators behind one NAT address.
  static constexpr Duration kInterval = 50ms;
  static constexpr std::size_t kSlots = 4096;

  CookieReplyLimiter();

  // True if a cookie reply may be sent to `source` now (and records it).
  [[nodiscard]] bool allow(const IpAddress& source, Instant now);

 private:
  struct Slot {
    std::optional<IpAddress> address;
    Instant last{};
  };
  std::unique_ptr<std::array<Slot, kSlots>> slots_;
};

}  // namespace sluice::tunnel
