#include "mesh/container_policy_sync.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "bpf/cni_pins.hpp"
#include "bpf/pinned_policy.hpp"
#include "crypto/key_encoding.hpp"
#include "platform/directory_lock.hpp"
#include "platform/rtnetlink.hpp"
#include "uapi/policy_text.hpp"

namespace sluice::mesh {
namespace {

namespace fs = std::filesystem;

std::vector<bpf::PeerPrefixes> peer_prefixes(const uapi::InterfaceState& state) {
  std::vector<bpf::PeerPrefixes> peers;
  for (const uapi::PeerState& peer : state.peers) peers.push_back({peer.public_key, peer.allowed_ips});
  return peers;
}

// What the compiled rules depend on besides the container: the policy and every peer's prefixes.
std::string inputs_of(std::string_view policy_lines, const uapi::InterfaceState& state) {
  std::string text(policy_lines);
  for (const uapi::PeerState& peer : state.peers) {
    // Appended piece by piece: GCC 12 warns (-Wrestrict) about "literal" + std::string here.
    text.append("\npeer ").append(crypto::encode_base64_key(peer.public_key.span()));
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) text.append(" ").append(prefix.to_string());
  }
  return text;
}

// The container's addresses: the host routes the plugin made through its host veth. None when the
// veth is gone.
std::optional<bpf::ContainerAddresses> container_addresses(const std::string& host_veth) {
  std::vector<platform::RouteState> routes;
  try {
    routes = platform::Rtnetlink(host_veth).routes();
  } catch (const std::system_error&) {
    return std::nullopt;
  }
  bpf::ContainerAddresses addresses;
  for (const platform::RouteState& route : routes) {
    const tunnel::IpPrefix& destination = route.destination;
    if (route.gateway || destination.cidr() != destination.address().bit_length()) continue;
    (destination.family() == tunnel::IpFamily::v4 ? addresses.ipv4 : addresses.ipv6) = destination.address();
  }
  return addresses;
}

}  // namespace

ContainerPolicySync::ContainerPolicySync(fs::path bpffs) : bpffs_(std::move(bpffs)) {}

PolicySyncReport ContainerPolicySync::sync(std::string_view policy_lines, const uapi::InterfaceState& state) {
  PolicySyncReport report;
  const std::vector<fs::path> pinned = bpf::cni_pin_dirs(bpffs_);
  const auto gone = [&](const auto& entry) { return !std::binary_search(pinned.begin(), pinned.end(), entry.first); };
  std::erase_if(written_, gone);
  std::erase_if(problems_, gone);
  std::string inputs = inputs_of(policy_lines, state);
  const bool changed = inputs != inputs_;
  inputs_ = std::move(inputs);

  std::optional<uapi::PolicyText> policy;
  for (const fs::path& dir : pinned) {
    const auto written = written_.find(dir);
    if (!changed && written != written_.end()) continue;
    const std::optional<bpf::ContainerAddresses> addresses = container_addresses(dir.filename().string());
    if (!addresses) continue;
    try {
      if (!policy) policy = uapi::parse_policy_lines(policy_lines);
      bpf::CompiledPolicy compiled =
          bpf::compile_policy(policy->settings, policy->identities, peer_prefixes(state), *addresses);
      problems_.erase(dir);
      // The same rules again would only zero the counters and judge every flow anew. A container
      // seen for the first time (the agent just started, or its last write failed) is compared
      // with its maps, which tell a write that did not finish (PinnedPolicy::holds_rules).
      if (written != written_.end() && written->second == compiled) continue;
      // Held from the first read: the CNI plugin holds it from its first pin to its rules written.
      const platform::DirectoryLock lock(dir);
      // Made but not yet loaded (the plugin's ADD), or unpinned (its DEL): nothing to write.
      if (!fs::exists(dir / bpf::kRulesPin)) continue;
      const bpf::PinnedPolicy pinned_policy = bpf::PinnedPolicy::open(dir.string());
      if (written == written_.end() && pinned_policy.holds_rules(compiled.rules, compiled.defaults, compiled.peers)) {
        written_.emplace(dir, std::move(compiled));
        continue;
      }
      pinned_policy.set_rules(lock, compiled.rules, compiled.defaults, compiled.peers);
      report.written.push_back("container policy at " + dir.string() + ": " + std::to_string(compiled.rules.size()) +
                               " rules from sluiced's policy");
      written_.insert_or_assign(dir, std::move(compiled));
    } catch (const std::exception& e) {
      written_.erase(dir);
      // Unpinned meanwhile (the plugin's DEL or GC): gone rather than a problem.
      if (!fs::exists(dir / bpf::kRulesPin)) continue;
      // PolicyTooLarge, a bad policy=1 answer, BpfError: the maps keep the rules they had; tried
      // again at the next call, told once until the reason changes.
      std::string problem = std::string(e.what()) + "; its rules stay as they were";
      std::string& told = problems_[dir];
      if (told != problem) report.problems.push_back("container policy at " + dir.string() + ": " + problem);
      told = std::move(problem);
    }
  }
  return report;
}

}  // namespace sluice::mesh
