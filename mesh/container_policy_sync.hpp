// Keeps the container policy programs that the CNI plugin pinned (BPFFS/sluice/cni/NETWORK/HOSTVETH,
// docs/ebpf.md) in step with sluiced. The plugin compiles sluiced's rules once, at ADD; a later
// reload of sluiced's policy, or peers whose allowed IPs change (nodes joining and leaving the
// mesh), reach the running containers through this. The agent runs it at each check of sluiced
// (`container_policy = true`); `sluice-mesh sync-policy` runs it once.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/policy_compile.hpp"
#include "uapi/interface_state.hpp"

namespace sluice::mesh {

// One line per container, for the agent's log.
struct PolicySyncReport {
  std::vector<std::string> written;
  std::vector<std::string> problems;
};

class ContainerPolicySync {
 public:
  explicit ContainerPolicySync(std::filesystem::path bpffs);

  // `policy_lines` is sluiced's policy=1 answer, `state` its get=1 answer. Compiles the policy
  // for each pinned container that is new or whose inputs changed, and writes the rules of those
  // whose result differs from what this object wrote last or, for a container seen for the first
  // time, from what its maps hold (a write zeroes the container's counters). A container whose
  // veth is gone is left to the plugin's DEL and GC. A failure keeps the container's rules as they
  // were and is reported once until its reason changes.
  [[nodiscard]] PolicySyncReport sync(std::string_view policy_lines, const uapi::InterfaceState& state);

 private:
  std::filesystem::path bpffs_;
  std::string inputs_;  // the policy and peers the containers in written_ were compiled from
  std::map<std::filesystem::path, bpf::CompiledPolicy> written_;
  std::map<std::filesystem::path, std::string> problems_;
};

}  // namespace sluice::mesh
