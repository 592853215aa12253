// The peers whose endpoints the daemon follows itself (a sluice extension: endpoint names and
// lists, config/settings.hpp): one EndpointChoice each, run with c-ares answers and the core's
// events, and the endpoint it picks handed to the core. A numeric endpoint set the stock way
// (wg set, a numeric `endpoint`) ends the following.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/memory.hpp"
#include "daemon/dns_resolver.hpp"
#include "daemon/endpoint_choice.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_stream.hpp"
#include "tunnel/device.hpp"
#include "tunnel/peer_event.hpp"

namespace sluice::daemon {

class EndpointNames {
 public:
  using Clock = std::function<tunnel::Instant()>;
  EndpointNames(EventLoop& loop, tunnel::Device& device, EventStream& events, Clock now);

  // Follows `texts` for `peer` (validated), or stops following with none. The same list again
  // changes nothing, so a reload keeps what was learnt.
  void set(tunnel::Peer& peer, const std::vector<std::string>& texts, tunnel::Instant now);
  void event(const tunnel::PeerEvent& event, tunnel::Instant now);
  // Every tick: lookups due are started, peers that are gone forgotten.
  void tick(tunnel::Instant now);
  // The info=1 lines, per followed peer: endpoint_peer=HEX, then endpoint_name=TEXT per entry
  // and endpoint_in_use=INDEX (daemon/uapi_info.hpp).
  [[nodiscard]] std::string serialize_info() const;
  // Whether any peer is followed: the core must then report its handshake events.
  [[nodiscard]] bool active() const noexcept { return !followed_.empty(); }

 private:
  struct Followed {
    EndpointChoice choice;
    std::uint64_t generation;  // answers to an earlier list are dropped
  };

  void start_lookups(const crypto::PublicKey& key, Followed& followed, tunnel::Instant now);
  void answer(const crypto::PublicKey& key, std::uint64_t generation, std::size_t index,
              const DnsResolver::Answer& answer);
  // Where the endpoint in use changes: logged at info level (`why`) and an endpoint_changed event
  // (`reason`: "name" or "failover").
  void switch_endpoint(tunnel::Peer& peer, const Followed& followed, const tunnel::Endpoint& to, std::string_view why,
                       std::string_view reason);
  // Where a name is learnt to have a new address (`before` the last one): logged at info level and
  // a name_resolved event.
  void name_resolved(const tunnel::Peer& peer, const EndpointChoice::Entry& entry,
                     const std::optional<tunnel::Endpoint>& before, std::chrono::seconds ttl);

  EventLoop& loop_;
  tunnel::Device& device_;
  EventStream& events_;
  Clock now_;
  std::unique_ptr<DnsResolver> resolver_;  // made with the first name: no resolv.conf read before
  std::unordered_map<crypto::PublicKey, Followed, crypto::PublicKeyHash> followed_;
  std::uint64_t next_generation_ = 1;
  unsigned ticks_ = 0;
};

}  // namespace sluice::daemon
