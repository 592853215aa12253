// The eBPF policy of an attachment (the config's "policy" key, issue 24): sluiced's rules, as its
// control socket gives them, compiled for the container's addresses (bpf/policy_compile.hpp),
// loaded and pinned at BPFFS/sluice/cni/NETWORK/HOSTVETH and attached to the host veth. All of it
// runs in the node's network namespace, where the host veth lives.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cni/plugin_config.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::cni {

// BPFFS/sluice/cni/NETWORK/HOSTVETH: what sluicectl flows reads too.
[[nodiscard]] std::filesystem::path policy_pin_dir(const PolicyConfig& policy, const std::string& network,
                                                   const std::string& host_ifname);

// Asks sluiced, compiles, loads, sets the rules and attaches. Throws CniError naming the cause;
// on failure nothing stays pinned (the caller removes the veth).
void install_policy(const PolicyConfig& policy, const std::string& network, const std::string& host_ifname,
                    const std::vector<tunnel::IpPrefix>& container_addresses);

// Unpins the attachment's directory; a missing one is fine. Throws CniError.
void remove_policy(const PolicyConfig& policy, const std::string& network, const std::string& host_ifname);

// What CHECK finds wrong: the program not pinned, or not attached to the host veth.
[[nodiscard]] std::vector<std::string> policy_problems(const PolicyConfig& policy, const std::string& network,
                                                       const std::string& host_ifname);

// GC: unpins every directory of the network whose host veth is not in `keep` or no longer exists.
// Returns the failures, one text each.
[[nodiscard]] std::vector<std::string> collect_policies(const PolicyConfig& policy, const std::string& network,
                                                        const std::set<std::string>& keep);

}  // namespace sluice::cni
