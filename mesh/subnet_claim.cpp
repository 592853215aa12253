#include "mesh/subnet_claim.hpp"

#include <algorithm>
#include <vector>

namespace sluice::mesh {
namespace {

// Each lost race re-reads the leases; nodes starting together converge within a few.
constexpr int kAttempts = 32;

bool overlap(const tunnel::IpPrefix& a, const tunnel::IpPrefix& b) {
  return a.family() == b.family() && (a.contains(b.address()) || b.contains(a.address()));
}

bool free_of(const SubnetKey& subnets, const std::vector<tunnel::IpPrefix>& taken) {
  return std::none_of(taken.begin(), taken.end(), [&](const tunnel::IpPrefix& used) {
    return overlap(used, subnets.subnet) || (subnets.subnet6 && overlap(used, *subnets.subnet6));
  });
}

}  // namespace

std::string config_key(std::string_view prefix) { return std::string(prefix) + "/config"; }

std::string subnets_prefix(std::string_view prefix) { return std::string(prefix) + "/subnets/"; }

std::string node_lease_json(const NodeIdentity& node, const SubnetKey& subnets) {
  return lease_json(SubnetLease{subnets, node.public_ip, node.public_ipv6, node.public_key, node.listen_port});
}

ClaimedSubnets claim_subnets(etcd::Client& etcd, std::string_view prefix, const NetworkConfig& config,
                             const NodeIdentity& node, const std::optional<SubnetKey>& remembered,
                             std::int64_t lease_id, const RandomIndex& random) {
  const std::string leases = subnets_prefix(prefix);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const etcd::RangeResult range = etcd.get_prefix(leases);
    std::vector<tunnel::IpPrefix> taken;
    const etcd::KeyValue* ours = nullptr;
    for (const etcd::KeyValue& kv : range.kvs) {
      const std::string_view name = std::string_view(kv.key).substr(leases.size());
      const std::optional<SubnetKey> subnets = parse_subnet_key_name(name);
      if (!subnets) continue;
      taken.push_back(subnets->subnet);
      if (subnets->subnet6) taken.push_back(*subnets->subnet6);
      if (ours != nullptr || !fits_config(config, *subnets)) continue;
      try {
        const SubnetLease lease = parse_lease(name, kv.value);
        const bool same_key = lease.public_key == node.public_key;
        const bool same_node =
            remembered == *subnets && lease.public_ip == node.public_ip && lease.public_ipv6 == node.public_ipv6;
        if (same_key || same_node) ours = &kv;
      } catch (const LeaseError&) {
        // A malformed lease still holds its subnet; it is nobody's to take over.
      }
    }
    if (ours != nullptr) {
      const SubnetKey subnets = *parse_subnet_key_name(std::string_view(ours->key).substr(leases.size()));
      if (etcd.replace(ours->key, node_lease_json(node, subnets), ours->mod_revision, lease_id)) {
        return {subnets, ours->key};
      }
      continue;
    }
    std::optional<SubnetKey> wanted;
    if (remembered && fits_config(config, *remembered) && free_of(*remembered, taken)) wanted = remembered;
    if (!wanted) wanted = choose_subnets(config, taken, random);
    if (!wanted) {
      throw ClaimError("network " + config.ipv4.network.to_string() + " has no free /" +
                       std::to_string(config.ipv4.subnet_len) + " left between SubnetMin and SubnetMax (" +
                       std::to_string(range.kvs.size()) + " leases)");
    }
    const std::string key = leases + subnet_key_name(*wanted);
    if (etcd.create(key, node_lease_json(node, *wanted), lease_id)) return {*wanted, key};
  }
  throw ClaimError("lost the race for a free subnet " + std::to_string(kAttempts) + " times in a row");
}

}  // namespace sluice::mesh
