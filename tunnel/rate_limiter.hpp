// Per-source limit on handshake messages while under load (the kernel's ratelimiter.c idea): a
// cookie proves a sender owns its address, not that it is polite, and every initiation costs
// Diffie-Hellman work. Only senders that passed the cookie check get an entry, so spoofed
// floods create no state; the table is bounded and old entries are forgotten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "tunnel/constants.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {

class RateLimiter {
 public:
  static constexpr unsigned kPacketsPerSecond = 20;
  static constexpr unsigned kBurst = 5;
  static constexpr std::size_t kMaxEntries = 16384;

  // True if a message from `source` may be processed now. IPv6 sources are grouped by /64,
  // since one host usually owns a whole /64.
  [[nodiscard]] bool allow(const IpAddress& source, Instant now);

  [[nodiscard]] std::size_t size() const noexcept { return buckets_.size(); }
  // How often the whole table was walked for idle entries.
  [[nodiscard]] std::size_t sweeps() const noexcept { return sweeps_; }

 private:
  struct Bucket {
    Instant last;
    Duration credit;  // time-valued tokens: one message costs 1 s / kPacketsPerSecond
  };

  void forget_idle(Instant now);

  std::unordered_map<IpAddress, Bucket> buckets_;
  Instant last_sweep_{};
  std::size_t sweeps_ = 0;
};

}  // namespace sluice::tunnel
