// Reads the container policy maps the CNI plugin pinned, one directory per container attachment
// (<bpffs>/sluice/cni/NETWORK/HOST_VETH/), through the map library (bpf/pinned_policy.hpp): libbpf's
// map calls, no BPF program in sluicectl.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "ctl/container_flows.hpp"

namespace sluice::ctl {

// Each directory's flows and counters, its veth's alias from /sys/class/net (of the calling
// namespace). A directory whose maps cannot be opened or read gives one `warn` (naming it and the
// reason) and is skipped.
[[nodiscard]] std::vector<ContainerFlows> read_containers(std::span<const std::filesystem::path> directories,
                                                          std::span<const PeerRoutes> peers,
                                                          const std::function<void(const std::string&)>& warn);

}  // namespace sluice::ctl
