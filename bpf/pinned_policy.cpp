#include "bpf/pinned_policy.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>

namespace sluice::bpf {

namespace {

platform::UniqueFd open_pinned(const std::string& path) {
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) throw_bpf_error("cannot open the pinned " + path + (errno == ENOENT ? " (not loaded?)" : ""), -errno);
  return platform::UniqueFd(fd);
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

void PinnedPolicy::set_rules(const std::vector<Rule>& rules, Defaults defaults) const {
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
  for (__u32 i = 0; i < encoded.size(); ++i) write(rules_, kRulesPin, i, &encoded[i]);
  const std::vector<sluice_policy_counter> zero(possible_cpus());
  for (__u32 slot = 0; slot < SLUICE_POLICY_COUNTERS; ++slot) write(counters_, kCountersPin, slot, zero.data());
  // The generation last: flows decided until here are decided again under the new rules.
  auto config = read_config();
  config.rule_count = static_cast<__u32>(encoded.size());
  ++config.generation;
  config.default_action[SLUICE_DIR_TO_CONTAINER] = static_cast<__u8>(defaults.to_container);
  config.default_action[SLUICE_DIR_FROM_CONTAINER] = static_cast<__u8>(defaults.from_container);
  write(config_, kConfigPin, 0, &config);
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
  return out;
}

}  // namespace sluice::bpf
