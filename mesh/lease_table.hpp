// Every node's lease as etcd last said, kept from one full read and then the watch's events, and
// turned into the peers this node should have.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/memory.hpp"
#include "etcd/client.hpp"
#include "etcd/watch.hpp"
#include "mesh/network_config.hpp"
#include "mesh/peer_plan.hpp"
#include "mesh/subnet_lease.hpp"

namespace sluice::mesh {

struct LeaseEntry {
  std::optional<SubnetLease> lease;  // absent when the value does not parse
  std::string problem;               // why it does not (LeaseError's message)
  std::int64_t lease_id = 0;
  std::int64_t mod_revision = 0;
};

class LeaseTable {
 public:
  // `subnets_prefix` is PREFIX/subnets/.
  explicit LeaseTable(std::string subnets_prefix) : prefix_(std::move(subnets_prefix)) {}

  // Replaces everything with a full read of the prefix.
  void reset(const std::vector<etcd::KeyValue>& kvs);
  // One event of the watch; true when it concerned a lease (keys outside the prefix are ignored).
  bool apply(const etcd::WatchEvent& event);

  // Keyed by subnet key name ("10.244.3.0-24").
  [[nodiscard]] const std::map<std::string, LeaseEntry>& entries() const noexcept { return entries_; }

  // One peer per other node: every valid lease except `own_key_name` and any holding `own_key`;
  // when two leases carry the same key (a node that moved), the newer one.
  [[nodiscard]] std::vector<DesiredPeer> peers(const NetworkConfig& config, const std::string& own_key_name,
                                               const crypto::PublicKey& own_key,
                                               std::uint16_t persistent_keepalive) const;

 private:
  void store(const etcd::KeyValue& kv);

  std::string prefix_;
  std::map<std::string, LeaseEntry> entries_;
};

}  // namespace sluice::mesh
