#include "bpf/policy_compile.hpp"

#include <algorithm>

namespace sluice::bpf {
namespace {

using policy::PeerIdentity;
using policy::Protocol;
using tunnel::IpAddress;
using tunnel::IpFamily;
using tunnel::IpPrefix;

std::vector<IpPrefix> all_peer_prefixes(const std::vector<PeerPrefixes>& peers) {
  std::vector<IpPrefix> prefixes;
  for (const PeerPrefixes& peer : peers) {
    for (const IpPrefix& prefix : peer.allowed_ips) prefixes.push_back(prefix.masked());
  }
  return prefixes;
}

bool in_groups(const PeerIdentity& identity, const std::vector<std::string>& groups) {
  return std::any_of(identity.groups.begin(), identity.groups.end(), [&](const std::string& group) {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  });
}

// The allowed IPs of the peers a rule names, directly or through a group, in the peers' order.
std::vector<IpPrefix> named_peer_prefixes(const policy::Rule& rule, const std::vector<PeerIdentity>& identities,
                                          const std::vector<PeerPrefixes>& peers) {
  std::vector<IpPrefix> prefixes;
  for (const PeerPrefixes& peer : peers) {
    const bool named = std::find(rule.peers.begin(), rule.peers.end(), peer.key) != rule.peers.end() ||
                       std::any_of(identities.begin(), identities.end(), [&](const PeerIdentity& identity) {
                         return identity.key == peer.key && in_groups(identity, rule.groups);
                       });
    if (!named) continue;
    for (const IpPrefix& prefix : peer.allowed_ips) prefixes.push_back(prefix.masked());
  }
  return prefixes;
}

// The addresses in both: the longer of two prefixes when one holds the other.
std::vector<IpPrefix> intersect(const std::vector<IpPrefix>& left, const std::vector<IpPrefix>& right) {
  std::vector<IpPrefix> out;
  for (const IpPrefix& a : left) {
    for (const IpPrefix& b : right) {
      if (a.family() != b.family()) continue;
      const IpPrefix& narrower = a.cidr() >= b.cidr() ? a : b;
      const IpPrefix& wider = a.cidr() >= b.cidr() ? b : a;
      if (!wider.contains(narrower.address())) continue;
      const IpPrefix masked = narrower.masked();
      if (std::find(out.begin(), out.end(), masked) == out.end()) out.push_back(masked);
    }
  }
  return out;
}

// True when the container's own side of a rule (`to` inbound, `from` outbound) leaves room for its
// address of that family: empty, or a prefix holding it.
bool concerns(const std::vector<IpPrefix>& own_side, const std::optional<IpAddress>& address) {
  if (!address) return false;
  return own_side.empty() || std::any_of(own_side.begin(), own_side.end(),
                                         [&](const IpPrefix& prefix) { return prefix.contains(*address); });
}

std::vector<std::uint8_t> protocol_numbers(const policy::Rule& rule, IpFamily family) {
  switch (rule.protocol) {
    case Protocol::icmp:
      return {static_cast<std::uint8_t>(family == IpFamily::v4 ? 1 : 58)};
    case Protocol::tcp:
    case Protocol::udp:
      return {static_cast<std::uint8_t>(rule.protocol)};
    case Protocol::any:
      break;
  }
  // The program applies port ranges to TCP and UDP only, so "any protocol, these ports" is both;
  // sluiced's config allows ports with tcp or udp only anyway.
  if (!rule.ports.empty()) return {6, 17};
  return {0};
}

Action action_of(policy::Action action) { return action == policy::Action::allow ? Action::allow : Action::deny; }

// The prefix every address of a family lies in.
IpPrefix everything(IpFamily family) {
  return family == IpFamily::v4 ? IpPrefix::parse("0.0.0.0/0") : IpPrefix::parse("::/0");
}

// The remote prefixes of a rule for any peer: the rule's own remote side (deduplicated), else
// everything of each family; the peers set narrows them to peers in the program.
std::vector<IpPrefix> any_peer_remotes(const std::vector<IpPrefix>& remote_side) {
  if (remote_side.empty()) return {everything(IpFamily::v4), everything(IpFamily::v6)};
  std::vector<IpPrefix> out;
  for (const IpPrefix& prefix : remote_side) {
    if (std::find(out.begin(), out.end(), prefix.masked()) == out.end()) out.push_back(prefix.masked());
  }
  return out;
}

void compile_rule(const policy::Rule& rule, const std::vector<PeerIdentity>& identities,
                  const std::vector<PeerPrefixes>& peers, const ContainerAddresses& container, std::vector<Rule>& out) {
  const bool inbound = rule.direction == policy::Direction::inbound;
  const std::vector<IpPrefix>& own_side = inbound ? rule.to : rule.from;
  const std::vector<IpPrefix>& remote_side = inbound ? rule.from : rule.to;
  // Only peers' traffic is sluiced's: "any peer" is a rule on the peers set, never plain 0/0, and
  // one rule per family however many peers there are. Named peers are few: their own prefixes.
  const bool any_peer = rule.peers.empty() && rule.groups.empty();
  std::vector<IpPrefix> remotes;
  if (any_peer) {
    remotes = any_peer_remotes(remote_side);
  } else {
    remotes = named_peer_prefixes(rule, identities, peers);
    if (!remote_side.empty()) remotes = intersect(remotes, remote_side);
  }
  std::vector<policy::PortRange> ports = rule.ports;
  if (ports.empty() || rule.protocol == Protocol::icmp) ports = {policy::PortRange{}};
  for (const IpPrefix& remote : remotes) {
    const bool v4 = remote.family() == IpFamily::v4;
    if (!concerns(own_side, v4 ? container.ipv4 : container.ipv6)) continue;
    for (const std::uint8_t protocol : protocol_numbers(rule, remote.family())) {
      for (const policy::PortRange& range : ports) {
        out.push_back(Rule{.direction = inbound ? Direction::to_container : Direction::from_container,
                           .remote = remote,
                           .protocol = protocol,
                           .port_min = range.first,
                           .port_max = range.last,
                           .action = action_of(rule.action),
                           .remote_peer = any_peer});
      }
    }
  }
}

}  // namespace

PolicyTooLarge::PolicyTooLarge(std::size_t rules)
    : std::length_error("the policy compiles into " + std::to_string(rules) +
                        " rules for this container; the eBPF program holds " + std::to_string(SLUICE_POLICY_MAX_RULES)),
      rules_(rules) {}

CompiledPolicy compile_policy(const policy::PolicySettings& settings, const std::vector<PeerIdentity>& identities,
                              const std::vector<PeerPrefixes>& peers, const ContainerAddresses& container) {
  CompiledPolicy compiled;
  for (const policy::Rule& rule : settings.rules) compile_rule(rule, identities, peers, container, compiled.rules);
  // What no rule decides: the direction's default for peers' traffic (the peer default, on the
  // peers set); the program's own defaults (allow) for the rest.
  compiled.defaults = Defaults{.to_container = Action::allow,
                               .from_container = Action::allow,
                               .peers = PeerDefaults{.to_container = action_of(settings.inbound_default),
                                                     .from_container = action_of(settings.outbound_default)}};
  compiled.peers = all_peer_prefixes(peers);
  if (compiled.rules.size() > SLUICE_POLICY_MAX_RULES) throw PolicyTooLarge(compiled.rules.size());
  return compiled;
}

}  // namespace sluice::bpf
