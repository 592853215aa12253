// sluiced's policy (policy/rules.hpp) as the rules of one container's eBPF program
// (bpf/container_policy.bpf.c): what the CNI plugin loads into the maps of a new container.
//
// sluiced's rules speak of peers; the program sees addresses. A peer is its allowed IPs (the
// tunnel accepts from a peer only those sources), so "from peer B" becomes "remote in B's allowed
// IPs", one rule per prefix. Every peer's prefixes form the program's peers set: "any peer" is one
// rule per family (or per `from`/`to` prefix) on that set, and sluiced's defaults are the
// program's peer defaults, so a mesh of hundreds of nodes still compiles to a handful of rules.
// sluiced governs traffic to and from peers only: traffic of the node itself or of other local
// containers is not its business, so the program's own defaults allow. Pure: no libbpf.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf/policy_rule.hpp"
#include "policy/rules.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::bpf {

// A peer of the interface as its get=1 answer shows it.
struct PeerPrefixes {
  crypto::PublicKey key;
  std::vector<tunnel::IpPrefix> allowed_ips;
};

// The container's addresses: an IPv4 /32 and, on a dual-stack node, an IPv6 /128.
struct ContainerAddresses {
  std::optional<tunnel::IpAddress> ipv4;
  std::optional<tunnel::IpAddress> ipv6;
};

struct CompiledPolicy {
  std::vector<Rule> rules;
  Defaults defaults;
  std::vector<tunnel::IpPrefix> peers;  // the peers set: every peer's allowed IPs, masked

  bool operator==(const CompiledPolicy&) const = default;
};

// The compiled rules (the peers set aside) do not fit the program's map (SLUICE_POLICY_MAX_RULES).
class PolicyTooLarge : public std::length_error {
 public:
  explicit PolicyTooLarge(std::size_t rules);
  [[nodiscard]] std::size_t rules() const noexcept { return rules_; }

 private:
  std::size_t rules_;
};

// Keeps the order of sluiced's rules (first match wins there too). Throws PolicyTooLarge.
[[nodiscard]] CompiledPolicy compile_policy(const policy::PolicySettings& settings,
                                            const std::vector<policy::PeerIdentity>& identities,
                                            const std::vector<PeerPrefixes>& peers,
                                            const ContainerAddresses& container);

}  // namespace sluice::bpf
