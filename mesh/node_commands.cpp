#include "mesh/node_commands.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <iomanip>
#include <optional>
#include <unordered_map>

#include "crypto/key_encoding.hpp"
#include "etcd/client.hpp"
#include "mesh/container_policy_sync.hpp"
#include "mesh/etcd_options.hpp"
#include "mesh/lease_table.hpp"
#include "mesh/masquerade.hpp"
#include "mesh/network_config.hpp"
#include "mesh/peer_plan.hpp"
#include "mesh/subnet_claim.hpp"
#include "mesh/subnet_memory.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/set_request.hpp"

namespace sluice::mesh {
namespace {

std::optional<uapi::InterfaceState> sluiced_state(const AgentConfig& config) {
  try {
    return uapi::parse_get_answer(uapi::Client(config.control_dir, config.interface).get().str());
  } catch (const uapi::ControlError&) {
    return std::nullopt;
  }
}

std::string endpoint_text(const SubnetLease& lease, const NetworkConfig& network) {
  const std::optional<tunnel::IpAddress> address = lease.public_ip ? lease.public_ip : lease.public_ipv6;
  if (!address) return "-";
  return tunnel::Endpoint(*address, lease.listen_port.value_or(network.backend.listen_port)).to_string();
}

}  // namespace

void print_status(const AgentConfig& config, bool json, std::ostream& out) {
  etcd::Client etcd(etcd_client_options(config.etcd));
  const etcd::RangeResult range = etcd.get_prefix(config.etcd.prefix + "/");
  std::optional<NetworkConfig> network;
  for (const etcd::KeyValue& kv : range.kvs) {
    if (kv.key == config_key(config.etcd.prefix)) network = parse_network_config(kv.value);
  }
  if (!network) throw NetworkConfigError(config_key(config.etcd.prefix) + ": missing");
  LeaseTable table(subnets_prefix(config.etcd.prefix));
  table.reset(range.kvs);

  const std::optional<uapi::InterfaceState> state = sluiced_state(config);
  std::unordered_map<crypto::PublicKey, const uapi::PeerState*, crypto::PublicKeyHash> peers;
  if (state) {
    for (const uapi::PeerState& peer : state->peers) peers.emplace(peer.public_key, &peer);
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();

  nlohmann::json nodes = nlohmann::json::array();
  if (!json) {
    out << std::left << std::setw(34) << "SUBNETS" << std::setw(24) << "ENDPOINT" << std::setw(46) << "PUBLIC KEY"
        << std::setw(10) << "TTL"
        << "HANDSHAKE\n";
  }
  for (const auto& [name, entry] : table.entries()) {
    const std::int64_t ttl = entry.lease_id != 0 ? etcd.time_to_live(entry.lease_id) : -1;
    if (!entry.lease) {
      if (json) {
        nodes.push_back({{"key", name}, {"problem", entry.problem}});
      } else {
        out << std::setw(34) << name << "(unreadable: " << entry.problem << ")\n";
      }
      continue;
    }
    const SubnetLease& lease = *entry.lease;
    const bool self = state && state->public_key && *state->public_key == lease.public_key;
    const auto peer = peers.find(lease.public_key);
    std::optional<std::int64_t> handshake_age;
    if (peer != peers.end() && peer->second->latest_handshake) {
      handshake_age = std::chrono::duration_cast<std::chrono::seconds>(now - *peer->second->latest_handshake).count();
    }
    const std::string key = crypto::encode_base64_key(lease.public_key.bytes);
    std::string subnets = lease.subnets.subnet.to_string();
    if (lease.subnets.subnet6) subnets.append(",").append(lease.subnets.subnet6->to_string());
    if (json) {
      nlohmann::json node{{"key", name},
                          {"subnet", lease.subnets.subnet.to_string()},
                          {"endpoint", endpoint_text(lease, *network)},
                          {"public_key", key},
                          {"lease_ttl", ttl},
                          {"this_node", self},
                          {"peer", peer != peers.end()}};
      if (lease.subnets.subnet6) node["subnet6"] = lease.subnets.subnet6->to_string();
      node["handshake_age"] = handshake_age ? nlohmann::json(*handshake_age) : nlohmann::json(nullptr);
      nodes.push_back(std::move(node));
      continue;
    }
    std::string handshake = self ? "(this node)" : peer == peers.end() ? "(no peer)" : "none";
    if (!self && handshake_age) handshake = std::to_string(*handshake_age) + " s ago";
    out << std::setw(34) << subnets << std::setw(24) << endpoint_text(lease, *network) << std::setw(46) << key
        << std::setw(10) << (ttl < 0 ? std::string("expired") : std::to_string(ttl) + " s") << handshake << "\n";
  }
  if (json) {
    out << nlohmann::json{{"network", network->ipv4.network.to_string()},
                          {"revision", range.revision},
                          {"sluiced", state.has_value()},
                          {"nodes", nodes}}
               .dump(2)
        << "\n";
  }
}

void leave_mesh(const AgentConfig& config, std::ostream& out) {
  etcd::Client etcd(etcd_client_options(config.etcd));
  const std::optional<uapi::InterfaceState> state = sluiced_state(config);
  const std::optional<SubnetKey> remembered = recall_subnets(config.state_dir);
  const std::string prefix = subnets_prefix(config.etcd.prefix);
  bool left = false;
  for (const etcd::KeyValue& kv : etcd.get_prefix(prefix).kvs) {
    const std::string name = kv.key.substr(prefix.size());
    std::optional<SubnetLease> lease;
    try {
      lease = parse_lease(name, kv.value);
    } catch (const LeaseError&) {
      continue;
    }
    const bool same_key = state && state->public_key && *state->public_key == lease->public_key;
    const bool same_node = remembered == lease->subnets && lease->public_ip == config.public_ip;
    if (!same_key && !same_node) continue;
    if (kv.lease != 0) {
      etcd.revoke_lease(kv.lease);
    } else {
      etcd.remove(kv.key);
    }
    out << "left the mesh: " << kv.key << " removed\n";
    left = true;
  }
  if (!left) out << "this node holds no lease under " << prefix << "\n";
  if (config.ip_masq) {
    remove_masquerade();
    out << "masquerading removed\n";
  }
  if (!state) return;
  const etcd::RangeResult config_range = etcd.get(config_key(config.etcd.prefix));
  if (config_range.kvs.empty()) return;
  const NetworkConfig network = parse_network_config(config_range.kvs.front().value);
  std::vector<tunnel::IpPrefix> networks{network.ipv4.network};
  if (network.ipv6) networks.push_back(network.ipv6->network);
  const uapi::SetRequest request = plan_peer_changes(*state, {}, networks, {});
  if (request.peers.empty()) return;
  uapi::Client(config.control_dir, config.interface).set(uapi::set_request_text(request).str());
  out << request.peers.size() << " mesh peers removed from " << config.interface << "\n";
}

int sync_container_policies(const AgentConfig& config, std::ostream& out, std::ostream& err) {
  const uapi::InterfaceState state =
      uapi::parse_get_answer(uapi::Client(config.control_dir, config.interface).get().str());
  const std::string policy = uapi::Client(config.control_dir, config.interface).policy();
  const PolicySyncReport report = ContainerPolicySync(config.bpffs).sync(policy, state);
  for (const std::string& line : report.written) out << line << "\n";
  for (const std::string& line : report.problems) err << "sluice-mesh: " << line << "\n";
  return report.problems.empty() ? 0 : 1;
}

}  // namespace sluice::mesh
