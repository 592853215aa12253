#include "mesh/agent.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "crypto/key_encoding.hpp"
#include "etcd/client.hpp"
#include "etcd/error.hpp"
#include "mesh/agent_log.hpp"
#include "mesh/atomic_file.hpp"
#include "mesh/container_policy_sync.hpp"
#include "mesh/etcd_options.hpp"
#include "mesh/interface_setup.hpp"
#include "mesh/lease_table.hpp"
#include "mesh/masquerade.hpp"
#include "mesh/peer_plan.hpp"
#include "mesh/stream_event.hpp"
#include "mesh/subnet_claim.hpp"
#include "mesh/subnet_env.hpp"
#include "mesh/subnet_memory.hpp"
#include "mesh/watch_feed.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/set_request.hpp"

namespace sluice::mesh {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How often sluiced is asked for its state: finds a changed key, a restarted daemon (no peers, no
// address) and a vanished interface within this.
constexpr auto kSluicedCheck = 2s;
// The longest wait on the watch, so that `stop` is seen quickly.
constexpr auto kStopCheck = 250ms;
constexpr auto kFirstBackoff = 500ms;
constexpr auto kLastBackoff = 30s;
// A missing or broken network config is read again this often (there is no watch before it).
constexpr auto kNetworkConfigRetry = 2s;
// Watch messages handled before the peers are planned once for all of them.
constexpr int kMessagesPerTurn = 100000;

// A network holding this node's public address would route the tunnel's own packets (and etcd's)
// into the tunnel: refused before anything is applied.
NetworkConfig checked_for_node(NetworkConfig network, const AgentConfig& config) {
  const auto holds = [](const std::optional<SubnetRange>& range, const std::optional<tunnel::IpAddress>& address) {
    return range && address && range->network.family() == address->family() && range->network.contains(*address);
  };
  if (holds(network.ipv4, config.public_ip) || holds(network.ipv6, config.public_ipv6)) {
    const bool v4 = holds(network.ipv4, config.public_ip);
    throw NetworkConfigError(
        (v4 ? "Network " + network.ipv4.network.to_string() + " holds public_ip " + config.public_ip.to_string()
            : "IPv6Network " + network.ipv6->network.to_string() + " holds public_ipv6 " +
                  config.public_ipv6->to_string()) +
        ": its route would send the tunnel's own packets into the tunnel");
  }
  return network;
}

class Agent {
 public:
  Agent(const AgentConfig& config, const std::atomic<bool>& stop)
      : config_(config),
        stop_(stop),
        options_(etcd_client_options(config.etcd)),
        etcd_(options_.clone()),
        table_(subnets_prefix(config.etcd.prefix)) {}

  void run() {
    while (!stop_.load()) {
      const Clock::time_point now = Clock::now();
      if (now >= next_check_) check_sluiced();
      if (now >= etcd_retry_at_) talk_to_etcd();
      wait_for_watch();
    }
  }

 private:
  // Everything that needs etcd, in the order it is needed; an etcd failure postpones the rest.
  void talk_to_etcd() {
    try {
      if (!node_) return;  // nothing to publish before sluiced has said who this node is
      if (!network_) load_network();
      if (!claimed_) claim();
      // Each of the next steps may find the subnets lost; the next turn claims them again.
      if (!feed_) full_sync();
      if (claimed_ && Clock::now() >= next_keepalive_) keep_alive();
      if (claimed_ && publish_) publish();
      etcd_failure_.succeeded();
      if (etcd_lost_) announce("etcd_back", {});
      etcd_lost_ = false;
      backoff_ = kFirstBackoff;
    } catch (const etcd::Error& e) {
      if (e.kind() == etcd::Error::Kind::refused) throw std::runtime_error(e.what());
      etcd_failure_.failed(std::string(e.what()) + " (tunnels stay as they are; retrying)");
      if (!etcd_lost_) announce("etcd_lost", {{"reason", e.what()}});
      etcd_lost_ = true;
      postpone(backoff_);
      backoff_ = std::min<Clock::duration>(backoff_ * 2, kLastBackoff);
    } catch (const NetworkConfigError& e) {
      network_failure_.failed(config_key(config_.etcd.prefix) + ": " + e.what() + " (nothing applied)");
      postpone(kNetworkConfigRetry);
    } catch (const ClaimError& e) {
      claim_failure_.failed(e.what());
      postpone(kNetworkConfigRetry);
    } catch (const std::system_error& e) {
      files_failure_.failed(e.what());
      postpone(kNetworkConfigRetry);
    }
  }

  void postpone(Clock::duration pause) { etcd_retry_at_ = Clock::now() + pause; }

  void load_network() {
    const etcd::RangeResult range = etcd_.get(config_key(config_.etcd.prefix));
    if (range.kvs.empty()) throw NetworkConfigError("missing: put the network's JSON there (Flannel's layout)");
    network_ = checked_for_node(parse_network_config(range.kvs.front().value), config_);
    network_json_ = range.kvs.front().value;
    network_failure_.succeeded();
    log_line(LogLevel::info, "network " + network_->ipv4.network.to_string() + ", /" +
                                 std::to_string(network_->ipv4.subnet_len) + " per node" +
                                 (network_->ipv6 ? ", IPv6 " + network_->ipv6->network.to_string() : ""));
  }

  void claim() {
    if (rejoin_ && lease_id_ != 0) {
      // The subnets held under the old network config go with their lease.
      etcd_.revoke_lease(lease_id_);
      lease_id_ = 0;
    }
    rejoin_ = false;
    if (lease_id_ == 0 || etcd_.time_to_live(lease_id_) <= 0) lease_id_ = etcd_.grant_lease(config_.lease_ttl);
    const std::optional<SubnetKey> remembered = recall_subnets(config_.state_dir);
    claimed_ = claim_subnets(etcd_, config_.etcd.prefix, *network_, *node_, remembered, lease_id_);
    next_keepalive_ = Clock::now() + config_.lease_ttl / 3;
    claim_failure_.succeeded();
    log_line(LogLevel::info, "holding " + claimed_->key + " under lease " + std::to_string(lease_id_) + " (TTL " +
                                 std::to_string(config_.lease_ttl.count()) + " s)");
    remembered_ = false;
    announce("subnet_claimed", {{"subnet", subnet_key_name(claimed_->subnets)}, {"lease", std::to_string(lease_id_)}});
    set_up_host();
  }

  // The interface's address and route, and subnet.env; again after every sluiced restart (the
  // address and route go with its device). Files are written only when they would change.
  void set_up_host() {
    if (!claimed_ || !network_) return;
    try {
      set_up_interface(config_.interface, *network_, claimed_->subnets, on_interface_);
      on_interface_ = claimed_->subnets;
      std::string env =
          subnet_env_text(*network_, claimed_->subnets, interface_mtu(config_.interface), config_.ip_masq);
      if (env != subnet_env_) {
        write_file_atomically(config_.subnet_env, env, 0644);
        subnet_env_ = std::move(env);
      }
      if (!remembered_) {
        remember_subnets(config_.state_dir, claimed_->subnets);
        remembered_ = true;
      }
      files_failure_.succeeded();
    } catch (const std::system_error& e) {
      files_failure_.failed(e.what());
    }
    if (config_.ip_masq) set_up_masquerade();
  }

  // Applied when the subnets or the network change; a failure is retried with the host set-up.
  void set_up_masquerade() {
    std::vector<MasqueradeRules> rules = masquerade_rules(*network_, claimed_->subnets);
    if (masquerading_ == rules) return;
    try {
      apply_masquerade(rules);
      masquerading_ = std::move(rules);
      masquerade_failure_.succeeded();
      log_line(LogLevel::info, "masquerading traffic from " + network_->ipv4.network.to_string() + " that leaves it");
    } catch (const std::runtime_error& e) {
      masquerade_failure_.failed(e.what());
    }
  }

  void full_sync() {
    const etcd::RangeResult range = etcd_.get_prefix(config_.etcd.prefix + "/");
    table_.reset(range.kvs);
    const auto own = std::find_if(range.kvs.begin(), range.kvs.end(),
                                  [&](const etcd::KeyValue& kv) { return kv.key == claimed_->key; });
    if (own == range.kvs.end() || own->lease != lease_id_) {
      log_line(LogLevel::warning, claimed_->key + " is no longer this node's; claiming again");
      claimed_.reset();
      return;
    }
    feed_ = std::make_unique<WatchFeed>(options_.clone(), config_.etcd.prefix + "/", range.revision + 1);
    synced_ = true;
    log_line(LogLevel::info, std::to_string(table_.entries().size()) + " leases at revision " +
                                 std::to_string(range.revision) + "; watching for changes");
    check_sluiced();
  }

  void publish() {
    etcd_.put(claimed_->key, node_lease_json(*node_, claimed_->subnets), lease_id_);
    publish_ = false;
    log_line(LogLevel::info, "published this node's new key or port in " + claimed_->key);
  }

  void keep_alive() {
    if (etcd_.keep_alive(lease_id_) <= 0) {
      log_line(LogLevel::warning, "lease " + std::to_string(lease_id_) + " expired; claiming the subnets again");
      lease_id_ = 0;
      claimed_.reset();
      feed_.reset();  // its queued events of the old lease would look like a takeover
      return;
    }
    next_keepalive_ = Clock::now() + config_.lease_ttl / 3;
  }

  void wait_for_watch() {
    Clock::time_point deadline = std::min({next_check_, Clock::now() + kStopCheck});
    if (etcd_retry_at_ > Clock::now()) deadline = std::min(deadline, etcd_retry_at_);
    // A keep-alive that is due waits for the retry time like every etcd call.
    if (feed_ && claimed_) deadline = std::min(deadline, std::max(next_keepalive_, etcd_retry_at_));
    if (!feed_) {
      std::this_thread::sleep_until(std::max(Clock::now(), deadline));
      return;
    }
    bool changed = false;
    for (int handled = 0; feed_ && handled < kMessagesPerTurn; ++handled) {
      std::optional<WatchMessage> message = feed_->next(handled == 0 ? deadline : Clock::now());
      if (!message) break;
      changed |= handle(*message);
    }
    if (changed) check_sluiced();
  }

  // True when the leases changed.
  bool handle(const WatchMessage& message) {
    switch (message.kind) {
      case WatchMessage::Kind::batch: {
        bool changed = false;
        for (const etcd::WatchEvent& event : message.batch.events) changed |= handle(event);
        return changed;
      }
      case WatchMessage::Kind::broken:
        watch_failure_.failed(message.problem + " (resuming after the last revision seen)");
        return false;
      case WatchMessage::Kind::resumed:
        watch_failure_.succeeded();
        return false;
      case WatchMessage::Kind::compacted:
        log_line(LogLevel::info, "watch: " + message.problem + "; reading every lease again");
        feed_.reset();
        return false;
      case WatchMessage::Kind::refused:
        throw std::runtime_error(message.problem);
    }
    return false;
  }

  bool handle(const etcd::WatchEvent& event) {
    if (event.kv.key == config_key(config_.etcd.prefix)) {
      network_changed(event);
      return false;
    }
    if (claimed_ && event.kv.key == claimed_->key && (event.deleted || event.kv.lease != lease_id_)) {
      log_line(LogLevel::warning,
               claimed_->key + " was " + (event.deleted ? "deleted" : "taken over") + "; claiming the subnets again");
      claimed_.reset();
      feed_.reset();
    }
    return table_.apply(event);
  }

  // A new network config applies only when valid; then the node joins again under it.
  void network_changed(const etcd::WatchEvent& event) {
    if (!event.deleted && event.kv.value == network_json_) return;
    try {
      if (event.deleted) throw NetworkConfigError("deleted");
      const NetworkConfig changed = checked_for_node(parse_network_config(event.kv.value), config_);
      network_json_ = event.kv.value;
      if (network_ && changed == *network_) return;
      log_line(LogLevel::info, "the network config changed; joining again under it");
      rejoin_ = true;
      network_.reset();
      claimed_.reset();
      feed_.reset();
      etcd_retry_at_ = Clock::now();
    } catch (const NetworkConfigError& e) {
      network_failure_.failed(config_key(config_.etcd.prefix) + ": " + e.what() +
                              " (keeping the last valid one; nothing changed)");
    }
  }

  void check_sluiced() {
    next_check_ = Clock::now() + kSluicedCheck;
    try {
      const uapi::InterfaceState state =
          uapi::parse_get_answer(uapi::Client(config_.control_dir, config_.interface).get().str());
      if (!state.public_key) throw uapi::ControlError(config_.interface + ": has no private key yet");
      NodeIdentity seen;
      seen.public_key = *state.public_key;
      seen.public_ip = config_.public_ip;
      seen.public_ipv6 = config_.public_ipv6;
      seen.listen_port = config_.listen_port.value_or(state.listen_port);
      if (!node_) {
        log_line(LogLevel::info,
                 "sluiced on " + config_.interface + " listens on port " + std::to_string(seen.listen_port));
      } else if (!(node_->public_key == seen.public_key) || node_->listen_port != seen.listen_port) {
        publish_ = claimed_.has_value();
        etcd_retry_at_ = Clock::now();
      }
      node_ = seen;
      sluiced_failure_.succeeded();
      set_up_host();
      reconcile(state);
      if (config_.container_policy) sync_container_policies(state);
    } catch (const uapi::ControlError& e) {
      sluiced_failure_.failed(e.what());
    }
  }

  // Its own failure: a sluiced that cannot give its policy still has its peers kept.
  void sync_container_policies(const uapi::InterfaceState& state) {
    std::string policy;
    try {
      policy = uapi::Client(config_.control_dir, config_.interface).policy();
      policy_failure_.succeeded();
    } catch (const uapi::ControlError& e) {
      policy_failure_.failed(e.what());
      return;
    }
    const PolicySyncReport report = container_policies_.sync(policy, state);
    for (const std::string& line : report.written) log_line(LogLevel::info, line);
    for (const std::string& line : report.problems) log_line(LogLevel::warning, line);
  }

  void reconcile(const uapi::InterfaceState& state) {
    if (!synced_ || !claimed_ || !network_ || !node_) return;
    const std::vector<DesiredPeer> desired =
        table_.peers(*network_, subnet_key_name(claimed_->subnets), node_->public_key,
                     config_.persistent_keepalive.value_or(network_->backend.persistent_keepalive));
    std::vector<tunnel::IpPrefix> networks{network_->ipv4.network};
    if (network_->ipv6) networks.push_back(network_->ipv6->network);
    const uapi::SetRequest request = plan_peer_changes(state, desired, networks, applied_);
    if (request.peers.empty()) return;
    uapi::Client(config_.control_dir, config_.interface).set(uapi::set_request_text(request).str());
    std::size_t added = 0, removed = 0, changed = 0;
    for (const uapi::PeerChange& change : request.peers) {
      if (change.remove) {
        ++removed;
        applied_.erase(change.public_key);
        continue;
      }
      change.update_only ? ++changed : ++added;
      if (change.endpoint) applied_.insert_or_assign(change.public_key, *change.endpoint);
    }
    log_line(LogLevel::info, "peers: " + std::to_string(added) + " added, " + std::to_string(removed) + " removed, " +
                                 std::to_string(changed) + " changed (" + std::to_string(desired.size()) +
                                 " other nodes)");
    announce_nodes(request, added, removed, changed);
  }

  // A node_joined, node_left or node_changed event per peer, or one nodes_changed with the counts
  // when many change at once (joining a large mesh), so the stream is not flooded.
  void announce_nodes(const uapi::SetRequest& request, std::size_t added, std::size_t removed, std::size_t changed) {
    constexpr std::size_t kEventsPerChange = 16;
    if (request.peers.size() > kEventsPerChange) {
      announce(
          "nodes_changed",
          {{"joined", std::to_string(added)}, {"left", std::to_string(removed)}, {"changed", std::to_string(changed)}});
      return;
    }
    for (const uapi::PeerChange& change : request.peers) {
      EventFields fields{{"peer", crypto::encode_base64_key(change.public_key.span())}};
      if (change.endpoint) fields.emplace_back("endpoint", change.endpoint->to_string());
      std::string prefixes;
      for (const tunnel::IpPrefix& prefix : change.allowed_ips) {
        prefixes.append(prefixes.empty() ? "" : ",").append(prefix.to_string());
      }
      if (!prefixes.empty()) fields.emplace_back("allowed_ips", prefixes);
      announce(change.remove ? "node_left" : change.update_only ? "node_changed" : "node_joined", fields);
    }
  }

  // Into sluiced's event stream. Best effort: a sluiced that is away (check_sluiced() says so) or
  // too old to take it only misses the event.
  void announce(std::string_view kind, const EventFields& fields) {
    try {
      uapi::Client(config_.control_dir, config_.interface).publish(stream_event_request(kind, fields));
    } catch (const uapi::ControlError&) {}
  }

  const AgentConfig& config_;
  const std::atomic<bool>& stop_;
  etcd::ClientOptions options_;
  etcd::Client etcd_;
  LeaseTable table_;

  std::optional<NodeIdentity> node_;
  std::optional<NetworkConfig> network_;
  std::string network_json_;
  std::int64_t lease_id_ = 0;
  std::optional<ClaimedSubnets> claimed_;
  std::optional<SubnetKey> on_interface_;
  std::unique_ptr<WatchFeed> feed_;
  bool synced_ = false;
  bool rejoin_ = false;      // the network config changed: the old lease goes before a new claim
  bool remembered_ = false;  // the claimed subnets are in state_dir
  std::string subnet_env_;   // as last written
  std::optional<std::vector<MasqueradeRules>> masquerading_;  // as last applied (ip_masq)
  bool publish_ = false;
  AppliedEndpoints applied_;
  bool etcd_lost_ = false;  // etcd_lost was announced, etcd_back not yet
  ContainerPolicySync container_policies_{config_.bpffs};

  Clock::time_point next_check_{};
  Clock::time_point etcd_retry_at_{};
  Clock::time_point next_keepalive_{};
  Clock::duration backoff_ = kFirstBackoff;

  RepeatedFailure etcd_failure_{"etcd"};
  RepeatedFailure watch_failure_{"etcd watch"};
  RepeatedFailure network_failure_{"network config"};
  RepeatedFailure claim_failure_{"subnet"};
  RepeatedFailure files_failure_{"host set-up"};
  RepeatedFailure masquerade_failure_{"ip_masq"};
  RepeatedFailure sluiced_failure_{"sluiced"};
  RepeatedFailure policy_failure_{"container policy"};
};

}  // namespace

void run_agent(const AgentConfig& config, const std::atomic<bool>& stop) { Agent(config, stop).run(); }

}  // namespace sluice::mesh
