// Which of a peer's endpoints to use, and when to look their names up: a pure policy, given the
// core's handshake events, the resolver's answers and the time (no sockets, no DNS, no clock),
// so that it is unit-tested as it runs. daemon/endpoint_names.hpp drives it with c-ares.
//
// - A name is looked up at once, again when its TTL runs out (kept between a floor and a
//   ceiling), and again when handshakes keep failing (at most once per floor).
// - A name's new address is used at once if its entry is the one in use. An address learnt
//   from the peer itself (roaming) stays until the name's address changes again.
// - A failed lookup keeps the last good address and is retried with a doubling backoff.
// - Handshakes failing (a retry after REKEY_TIMEOUT, or given up): the next entry with an
//   address is tried (after one more retry went to it), one of the address family a handshake
//   last completed on first. Once a
//   handshake completes on one, it stays in use while it works: nothing flaps back.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "platform/resolve_endpoint.hpp"
#include "tunnel/constants.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::daemon {

struct EndpointChoiceLimits {
  tunnel::Duration ttl_floor = std::chrono::seconds(5);
  tunnel::Duration ttl_ceiling = std::chrono::hours(1);
  tunnel::Duration first_backoff = std::chrono::seconds(2);
  tunnel::Duration max_backoff = std::chrono::seconds(60);
};

class EndpointChoice {
 public:
  struct Entry {
    std::string text;                            // as written
    std::optional<platform::EndpointName> name;  // none: a numeric endpoint
    std::optional<tunnel::Endpoint> address;     // the numeric one, or the name's last good answer
    tunnel::Instant next_lookup{};               // due from then
    tunnel::Instant looked_up{};                 // when the last lookup started
    tunnel::Duration backoff{};                  // after failed lookups; zero after a good one
    bool in_flight = false;
    bool failing = false;  // the last lookup failed
  };

  // `texts` as validated by platform::parse_endpoint_text (throws std::invalid_argument
  // otherwise); at least one.
  EndpointChoice(const std::vector<std::string>& texts, tunnel::Instant now, EndpointChoiceLimits limits = {});

  // The entries whose names are due for a lookup at `now`, now marked in flight.
  [[nodiscard]] std::vector<std::size_t> lookups_due(tunnel::Instant now);
  // A lookup of entry `index` answered with `addresses` (in the resolver's order, not empty) and
  // their TTL. Returns the endpoint to use from now on, if it changes.
  [[nodiscard]] std::optional<tunnel::Endpoint> answered(std::size_t index,
                                                         const std::vector<tunnel::IpAddress>& addresses,
                                                         tunnel::Duration ttl, tunnel::Instant now);
  // A lookup of entry `index` failed. Returns an endpoint to use when the entry in use has never
  // had an address and another has one.
  [[nodiscard]] std::optional<tunnel::Endpoint> lookup_failed(std::size_t index, tunnel::Instant now);

  // The core's events; each returns the endpoint to use from now on, if it changes.
  // An initiation sent while an earlier one is still unanswered (a retry after REKEY_TIMEOUT, or
  // a new attempt 1 that new data started: the core resets its count then) means failing.
  [[nodiscard]] std::optional<tunnel::Endpoint> initiation_sent(int attempt);
  // Handshakes failing: a retry, or a handshake given up.
  [[nodiscard]] std::optional<tunnel::Endpoint> handshake_failing();
  // A handshake completed: its family is preferred from now on, and its entry is the one in use.
  void handshake_completed();
  void roamed(const tunnel::Endpoint& to) { in_use_ = to; }

  // The endpoint to start with: the first entry's, when it is numeric.
  [[nodiscard]] std::optional<tunnel::Endpoint> initial() const { return entries_[current_].address; }
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::size_t current() const noexcept { return current_; }
  [[nodiscard]] std::vector<std::string> texts() const;

 private:
  // The next entry with an address, the preferred family first; none: there is no other.
  [[nodiscard]] std::optional<std::size_t> next_entry() const;
  std::optional<tunnel::Endpoint> use(std::size_t index);

  EndpointChoiceLimits limits_;
  std::vector<Entry> entries_;
  std::size_t current_ = 0;
  std::optional<tunnel::Endpoint> in_use_;  // what the peer was last given (or roamed to)
  std::optional<tunnel::IpFamily> preferred_family_;
  bool just_switched_ = false;  // by failing handshakes, since the last retry
  bool unanswered_ = false;     // an initiation was sent and no handshake completed since
};

}  // namespace sluice::daemon
