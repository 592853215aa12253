#include "bpf/pinned_policy.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "platform/directory_lock.hpp"

namespace sluice::bpf {

namespace {

platform::UniqueFd open_pinned(const std::string& path) {
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) throw_bpf_error("cannot open the pinned " + path + (errno == ENOENT ? " (not loaded?)" : ""), -errno);
  return platform::UniqueFd(fd);
}

// Keys are plain bytes (encode_peer zeroes the padding): sorted by them, sets of 65536 stay cheap.
bool key_less(const sluice_peer_key& a, const sluice_peer_key& b) { return std::memcmp(&a, &b, sizeof(a)) < 0; }

bool holds(const std::vector<sluice_peer_key>& sorted, const sluice_peer_key& key) {
  return std::binary_search(sorted.begin(), sorted.end(), key, key_less);
}

void sort_keys(std::vector<sluice_peer_key>& keys) {
  std::sort(keys.begin(), keys.end(), key_less);
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const sluice_peer_key& a, const sluice_peer_key& b) {
                           return std::memcmp(&a, &b, sizeof(a)) == 0;
                         }),
             keys.end());
}

// The rules as the map holds them; throws std::invalid_argument naming a bad rule, or too many.
std::vector<sluice_policy_rule> encode_rules(const std::vector<Rule>& rules) {
  if (rules.size() > SLUICE_POLICY_MAX_RULES) {
    throw std::invalid_argument(std::to_string(rules.size()) + " rules: a container takes at most " +
                                std::to_string(SLUICE_POLICY_MAX_RULES));
  }
  std::vector<sluice_policy_rule> encoded;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    try {
      encoded.push_back(encode_rule(rules[i]));
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument("rule " + std::to_string(i) + ": " + error.what());
    }
  }
  return encoded;
}

// The peers set's keys, sorted; throws std::invalid_argument for too many.
std::vector<sluice_peer_key> encode_peers(const std::vector<tunnel::IpPrefix>& peers) {
  std::vector<sluice_peer_key> keys;
  for (const tunnel::IpPrefix& prefix : peers) keys.push_back(encode_peer(prefix));
  sort_keys(keys);
  if (keys.size() > SLUICE_POLICY_MAX_PEER_PREFIXES) {
    throw std::invalid_argument(std::to_string(keys.size()) + " peer prefixes: a container takes at most " +
                                std::to_string(SLUICE_POLICY_MAX_PEER_PREFIXES));
  }
  return keys;
}

// `config` with the rule count and the defaults of these rules.
sluice_policy_config configured(sluice_policy_config config, std::size_t rule_count, Defaults defaults) {
  config.rule_count = static_cast<__u32>(rule_count);
  config.default_action[SLUICE_DIR_TO_CONTAINER] = static_cast<__u8>(defaults.to_container);
  config.default_action[SLUICE_DIR_FROM_CONTAINER] = static_cast<__u8>(defaults.from_container);
  const PeerDefaults peer_defaults = defaults.peers.value_or(PeerDefaults{});
  config.peer_default_set = defaults.peers ? 1 : 0;
  config.peer_default_action[SLUICE_DIR_TO_CONTAINER] = static_cast<__u8>(peer_defaults.to_container);
  config.peer_default_action[SLUICE_DIR_FROM_CONTAINER] = static_cast<__u8>(peer_defaults.from_container);
  config.writing = 0;
  return config;
}

// The per-CPU counters come as one value per possible CPU.
std::size_t possible_cpus() {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) throw_bpf_error("cannot count the possible CPUs", cpus);
  return static_cast<std::size_t>(cpus);
}

}  // namespace

PinnedPolicy PinnedPolicy::open(const std::string& pin_dir) {
  PinnedPolicy policy;
  policy.pin_dir_ = pin_dir;
  policy.rules_ = open_pinned(policy.path(kRulesPin));
  policy.config_ = open_pinned(policy.path(kConfigPin));
  policy.counters_ = open_pinned(policy.path(kCountersPin));
  policy.flows_ = open_pinned(policy.path(kFlowsPin));
  // A program loaded before the peers set has none: its flows and counters still read.
  if (std::filesystem::exists(policy.path(kPeersPin))) policy.peers_ = open_pinned(policy.path(kPeersPin));
  return policy;
}

std::string PinnedPolicy::path(const char* name) const { return (std::filesystem::path(pin_dir_) / name).string(); }

void PinnedPolicy::write(const platform::UniqueFd& map, const char* name, __u32 key, const void* value) const {
  if (bpf_map_update_elem(map.get(), &key, value, BPF_ANY) != 0) {
    throw_bpf_error("cannot write entry " + std::to_string(key) + " of " + path(name), -errno);
  }
}

sluice_policy_config PinnedPolicy::read_config() const {
  __u32 key = 0;
  sluice_policy_config config{};
  if (bpf_map_lookup_elem(config_.get(), &key, &config) != 0)
    throw_bpf_error("cannot read " + path(kConfigPin), -errno);
  return config;
}

void PinnedPolicy::refuse_without_peers_set() const {
  if (!peers_.valid()) {
    throw BpfError(pin_dir_ + " holds a program older than the peers set (no " + kPeersPin +
                   " map): unpin and load it again");
  }
}

void PinnedPolicy::set_rules(const std::vector<Rule>& rules, Defaults defaults,
                             const std::vector<tunnel::IpPrefix>& peers) const {
  const std::vector<sluice_policy_rule> encoded = encode_rules(rules);
  refuse_without_peers_set();
  const std::vector<sluice_peer_key> wanted = encode_peers(peers);
  // The CNI plugin and the mesh agent both write these maps: interleaved, one could clear the
  // other's writing mark or lose its generation bump. Held until the last map is written.
  const platform::DirectoryLock lock(pin_dir_);
  write_rules(encoded, defaults, wanted);
}

void PinnedPolicy::set_rules(const platform::DirectoryLock& /*held*/, const std::vector<Rule>& rules, Defaults defaults,
                             const std::vector<tunnel::IpPrefix>& peers) const {
  const std::vector<sluice_policy_rule> encoded = encode_rules(rules);
  refuse_without_peers_set();
  write_rules(encoded, defaults, encode_peers(peers));
}

void PinnedPolicy::write_rules(const std::vector<sluice_policy_rule>& encoded, Defaults defaults,
                               const std::vector<sluice_peer_key>& wanted) const {
  std::vector<sluice_peer_key> present = peer_keys();
  sort_keys(present);
  // Marked first, so that holds_rules() after a crash half way does not take the maps as written.
  auto marked = read_config();
  marked.writing = 1;
  write(config_, kConfigPin, 0, &marked);
  const __u8 member = 1;
  for (const sluice_peer_key& key : wanted) {
    if (holds(present, key)) continue;
    if (bpf_map_update_elem(peers_.get(), &key, &member, BPF_ANY) != 0) {
      throw_bpf_error("cannot add peer prefix " + decode_peer(key).to_string() + " to " + path(kPeersPin), -errno);
    }
  }
  for (__u32 i = 0; i < encoded.size(); ++i) write(rules_, kRulesPin, i, &encoded[i]);
  const std::vector<sluice_policy_counter> zero(possible_cpus());
  for (__u32 slot = 0; slot < SLUICE_POLICY_COUNTERS; ++slot) write(counters_, kCountersPin, slot, zero.data());
  // The generation last: flows decided until here are decided again under the new rules.
  auto config = configured(read_config(), encoded.size(), defaults);
  ++config.generation;
  write(config_, kConfigPin, 0, &config);
  // Stale peers last: until the new rules stand, the old ones may still speak of them.
  for (const sluice_peer_key& key : present) {
    if (holds(wanted, key)) continue;
    if (bpf_map_delete_elem(peers_.get(), &key) != 0 && errno != ENOENT) {
      throw_bpf_error("cannot remove peer prefix " + decode_peer(key).to_string() + " from " + path(kPeersPin), -errno);
    }
  }
}

bool PinnedPolicy::holds_rules(const std::vector<Rule>& rules, Defaults defaults,
                               const std::vector<tunnel::IpPrefix>& peers) const {
  if (!peers_.valid()) return false;
  const std::vector<sluice_policy_rule> wanted = encode_rules(rules);
  const sluice_policy_config config = read_config();
  const sluice_policy_config wanted_config = configured(config, wanted.size(), defaults);
  if (std::memcmp(&config, &wanted_config, sizeof config) != 0) return false;
  for (__u32 i = 0; i < wanted.size(); ++i) {
    sluice_policy_rule rule{};
    if (bpf_map_lookup_elem(rules_.get(), &i, &rule) != 0) {
      throw_bpf_error("cannot read entry " + std::to_string(i) + " of " + path(kRulesPin), -errno);
    }
    if (std::memcmp(&rule, &wanted[i], sizeof rule) != 0) return false;
  }
  std::vector<sluice_peer_key> present = peer_keys();
  sort_keys(present);
  const std::vector<sluice_peer_key> wanted_peers = encode_peers(peers);
  return std::equal(
      present.begin(), present.end(), wanted_peers.begin(), wanted_peers.end(),
      [](const sluice_peer_key& a, const sluice_peer_key& b) { return std::memcmp(&a, &b, sizeof a) == 0; });
}

std::vector<sluice_peer_key> PinnedPolicy::peer_keys() const {
  std::vector<sluice_peer_key> out;
  if (!peers_.valid()) return out;
  sluice_peer_key key{};
  const void* previous = nullptr;
  // Bounded by the map's size; only set_rules writes it.
  for (int i = 0; i <= SLUICE_POLICY_MAX_PEER_PREFIXES; ++i) {
    sluice_peer_key next{};
    if (bpf_map_get_next_key(peers_.get(), previous, &next) != 0) {
      if (errno == ENOENT) break;
      throw_bpf_error("cannot list the peer prefixes of " + path(kPeersPin), -errno);
    }
    out.push_back(next);
    key = next;
    previous = &key;
  }
  return out;
}

std::vector<tunnel::IpPrefix> PinnedPolicy::peers() const {
  std::vector<tunnel::IpPrefix> out;
  for (const sluice_peer_key& key : peer_keys()) out.push_back(decode_peer(key));
  return out;
}

std::vector<Flow> PinnedPolicy::flows() const {
  std::vector<Flow> out;
  sluice_flow_key key{};
  sluice_flow_value value{};
  const void* previous = nullptr;
  // Bounded: the map holds at most SLUICE_POLICY_MAX_FLOWS, though the kernel may swap some meanwhile.
  for (int i = 0; i < 2 * SLUICE_POLICY_MAX_FLOWS; ++i) {
    sluice_flow_key next{};
    if (bpf_map_get_next_key(flows_.get(), previous, &next) != 0) {
      if (errno == ENOENT) break;
      throw_bpf_error("cannot list the flows of " + path(kFlowsPin), -errno);
    }
    key = next;
    previous = &key;
    // A flow evicted between the two calls is simply not listed.
    if (bpf_map_lookup_elem(flows_.get(), &key, &value) == 0) out.push_back(decode_flow(key, value));
  }
  return out;
}

Counters PinnedPolicy::counters() const {
  std::vector<sluice_policy_counter> per_cpu(possible_cpus());
  auto read = [&](__u32 slot) {
    if (bpf_map_lookup_elem(counters_.get(), &slot, per_cpu.data()) != 0) {
      // An older program's array ends before the peer defaults' slots: they count nothing.
      if (errno == ENOENT && slot >= SLUICE_POLICY_PEER_DEFAULT_COUNTER(0)) return Counter{};
      throw_bpf_error("cannot read counter " + std::to_string(slot) + " of " + path(kCountersPin), -errno);
    }
    Counter sum;
    for (const auto& counter : per_cpu) {
      sum.packets += counter.packets;
      sum.bytes += counter.bytes;
    }
    return sum;
  };
  Counters out;
  const auto config = read_config();
  for (__u32 slot = 0; slot < config.rule_count && slot < SLUICE_POLICY_MAX_RULES; ++slot) {
    out.rules.push_back(read(slot));
  }
  out.default_to_container = read(SLUICE_POLICY_DEFAULT_COUNTER(SLUICE_DIR_TO_CONTAINER));
  out.default_from_container = read(SLUICE_POLICY_DEFAULT_COUNTER(SLUICE_DIR_FROM_CONTAINER));
  out.peer_default_to_container = read(SLUICE_POLICY_PEER_DEFAULT_COUNTER(SLUICE_DIR_TO_CONTAINER));
  out.peer_default_from_container = read(SLUICE_POLICY_PEER_DEFAULT_COUNTER(SLUICE_DIR_FROM_CONTAINER));
  return out;
}

}  // namespace sluice::bpf
