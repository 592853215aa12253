#include "mesh/lease_table.hpp"

#include <unordered_map>

namespace sluice::mesh {

void LeaseTable::store(const etcd::KeyValue& kv) {
  const std::string name = kv.key.substr(prefix_.size());
  LeaseEntry entry;
  entry.lease_id = kv.lease;
  entry.mod_revision = kv.mod_revision;
  try {
    entry.lease = parse_lease(name, kv.value);
  } catch (const LeaseError& e) {
    entry.problem = e.what();
  }
  entries_.insert_or_assign(name, std::move(entry));
}

void LeaseTable::reset(const std::vector<etcd::KeyValue>& kvs) {
  entries_.clear();
  for (const etcd::KeyValue& kv : kvs) {
    if (kv.key.starts_with(prefix_)) store(kv);
  }
}

bool LeaseTable::apply(const etcd::WatchEvent& event) {
  if (!event.kv.key.starts_with(prefix_)) return false;
  if (event.deleted) {
    entries_.erase(event.kv.key.substr(prefix_.size()));
  } else {
    store(event.kv);
  }
  return true;
}

std::vector<DesiredPeer> LeaseTable::peers(const NetworkConfig& config, const std::string& own_key_name,
                                           const crypto::PublicKey& own_key, std::uint16_t persistent_keepalive) const {
  std::unordered_map<crypto::PublicKey, std::pair<std::int64_t, DesiredPeer>, crypto::PublicKeyHash> newest;
  for (const auto& [name, entry] : entries_) {
    if (!entry.lease || name == own_key_name) continue;
    const SubnetLease& lease = *entry.lease;
    if (lease.public_key == own_key) continue;
    // IPv4 first: every node has an IPv4 subnet, so that is the family every node can answer on.
    const std::optional<tunnel::IpAddress> address = lease.public_ip ? lease.public_ip : lease.public_ipv6;
    if (!address) continue;
    DesiredPeer peer;
    peer.public_key = lease.public_key;
    peer.endpoint = tunnel::Endpoint(*address, lease.listen_port.value_or(config.backend.listen_port));
    peer.allowed_ips = {lease.subnets.subnet};
    peer.persistent_keepalive = persistent_keepalive;
    peer.preshared_key = config.backend.preshared_key;
    if (lease.subnets.subnet6 && config.ipv6) peer.allowed_ips.push_back(*lease.subnets.subnet6);
    const auto [found, inserted] = newest.try_emplace(lease.public_key, entry.mod_revision, peer);
    if (!inserted && found->second.first < entry.mod_revision) found->second = {entry.mod_revision, peer};
  }
  std::vector<DesiredPeer> peers;
  peers.reserve(newest.size());
  for (auto& [key, value] : newest) peers.push_back(std::move(value.second));
  return peers;
}

}  // namespace sluice::mesh
