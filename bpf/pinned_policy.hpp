// The maps of one loaded container policy, opened from their pins under a bpffs directory: rules
// written, flows and counters read, through libbpf's plain map calls (bpf/bpf.h) alone. No
// program and no skeleton, so a reader such as sluicectl holds no BPF code; ContainerPolicy (the
// loader) drives its maps through this too. Writers (the CNI plugin, the mesh agent) take turns
// under a lock on the pin directory; readers take none.
#pragma once

#include <string>
#include <vector>

#include "bpf/libbpf_call.hpp"
#include "bpf/policy_rule.hpp"
#include "platform/directory_lock.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::bpf {

// The maps' names under a pin directory (the loader pins the programs beside them).
inline constexpr const char* kRulesPin = "rules";
inline constexpr const char* kConfigPin = "policy_config";
inline constexpr const char* kCountersPin = "counters";
inline constexpr const char* kFlowsPin = "flows";
inline constexpr const char* kPeersPin = "peers";

class PinnedPolicy {
 public:
  // Throws BpfError naming the pin path and the reason ("... (not loaded?)" when missing).
  static PinnedPolicy open(const std::string& pin_dir);

  // Replaces the rules (at most SLUICE_POLICY_MAX_RULES, first match wins), defaults and the
  // peers set (at most SLUICE_POLICY_MAX_PEER_PREFIXES: new prefixes go in before the rules
  // change, stale ones leave after, so no packet sees a set missing a peer kept); zeroes the
  // counters and bumps the generation, so existing flows are decided again on their next packet.
  // One writer at a time: it holds the pin directory's lock (platform::DirectoryLock) throughout.
  // Throws std::invalid_argument for a bad rule or too many peers (nothing changed), BpfError, and
  // std::system_error naming the directory when it cannot lock it (another writer held it 5 s).
  void set_rules(const std::vector<Rule>& rules, Defaults defaults,
                 const std::vector<tunnel::IpPrefix>& peers = {}) const;
  // The same for a writer that holds the pin directory's lock already (`held`): one that reads
  // before it writes, or a loader that writes before anyone else may.
  void set_rules(const platform::DirectoryLock& held, const std::vector<Rule>& rules, Defaults defaults,
                 const std::vector<tunnel::IpPrefix>& peers = {}) const;
  // Whether the maps hold just what set_rules(rules, defaults, peers) would write, so that writing
  // it would only zero the counters (a reader that starts afresh, such as the mesh agent, asks
  // this first). False for a program older than the peers set, and while (or after) a set_rules
  // did not finish; otherwise throws as set_rules does.
  [[nodiscard]] bool holds_rules(const std::vector<Rule>& rules, Defaults defaults,
                                 const std::vector<tunnel::IpPrefix>& peers = {}) const;
  // Throws BpfError naming the map's pin path.
  [[nodiscard]] std::vector<Flow> flows() const;
  [[nodiscard]] Counters counters() const;
  // The peers set, masked prefixes in the trie's order (empty for a program older than the set).
  [[nodiscard]] std::vector<tunnel::IpPrefix> peers() const;

  [[nodiscard]] const std::string& pin_dir() const noexcept { return pin_dir_; }

 private:
  PinnedPolicy() = default;
  [[nodiscard]] std::string path(const char* name) const;
  void write(const platform::UniqueFd& map, const char* name, __u32 key, const void* value) const;
  void refuse_without_peers_set() const;
  // set_rules' writes, under the lock, of what it checked and encoded.
  void write_rules(const std::vector<sluice_policy_rule>& encoded, Defaults defaults,
                   const std::vector<sluice_peer_key>& wanted) const;
  [[nodiscard]] sluice_policy_config read_config() const;
  [[nodiscard]] std::vector<sluice_peer_key> peer_keys() const;

  std::string pin_dir_;
  platform::UniqueFd rules_;
  platform::UniqueFd config_;
  platform::UniqueFd counters_;
  platform::UniqueFd flows_;
  platform::UniqueFd peers_;
};

}  // namespace sluice::bpf
