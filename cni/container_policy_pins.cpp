#include "cni/container_policy_pins.hpp"

#include <net/if.h>

#include <system_error>

#include "bpf/cni_pins.hpp"
#include "bpf/container_policy.hpp"
#include "bpf/policy_compile.hpp"
#include "bpf/tc_attachment.hpp"
#include "cni/cni_error.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/policy_text.hpp"

namespace sluice::cni {
namespace {

namespace fs = std::filesystem;

struct SluicedPolicy {
  uapi::PolicyText policy;
  std::vector<bpf::PeerPrefixes> peers;
};

// The rules and the peers' allowed IPs, each on a connection of its own.
SluicedPolicy ask_sluiced(const PolicyConfig& config) {
  const std::string where = "policy: cannot reach sluiced on " + config.interface + ": ";
  SluicedPolicy out;
  try {
    out.policy = uapi::parse_policy_lines(uapi::Client(config.control_dir, config.interface).policy());
    const uapi::InterfaceState state =
        uapi::parse_get_answer(uapi::Client(config.control_dir, config.interface).get().str());
    for (const uapi::PeerState& peer : state.peers) out.peers.push_back({peer.public_key, peer.allowed_ips});
  } catch (const uapi::ControlError& e) {
    throw CniError(ErrorCode::try_again_later, where + e.what());
  } catch (const std::invalid_argument& e) {
    throw CniError(ErrorCode::io_failure,
                   "policy: sluiced on " + config.interface + " answered policy=1 badly: " + e.what());
  }
  return out;
}

bpf::ContainerAddresses addresses_of(const std::vector<tunnel::IpPrefix>& prefixes) {
  bpf::ContainerAddresses addresses;
  for (const tunnel::IpPrefix& prefix : prefixes) {
    (prefix.family() == tunnel::IpFamily::v4 ? addresses.ipv4 : addresses.ipv6) = prefix.address();
  }
  return addresses;
}

}  // namespace

fs::path policy_pin_dir(const PolicyConfig& policy, const std::string& network, const std::string& host_ifname) {
  return bpf::cni_pin_dir(policy.bpffs, network, host_ifname);
}

void install_policy(const PolicyConfig& policy, const std::string& network, const std::string& host_ifname,
                    const std::vector<tunnel::IpPrefix>& container_addresses) {
  const SluicedPolicy sluiced = ask_sluiced(policy);
  bpf::CompiledPolicy compiled;
  try {
    compiled = bpf::compile_policy(sluiced.policy.settings, sluiced.policy.identities, sluiced.peers,
                                   addresses_of(container_addresses));
  } catch (const bpf::PolicyTooLarge& e) {
    throw CniError(ErrorCode::policy_too_large,
                   std::string("policy of sluiced on ") + policy.interface + ": " + e.what());
  }
  const std::string pin_dir = policy_pin_dir(policy, network, host_ifname).string();
  try {
    // The veth is new, so anything pinned under its name is left over from an ADD that crashed.
    (void)bpf::ContainerPolicy::unpin(pin_dir);
    const auto program = bpf::ContainerPolicy::load(pin_dir, compiled.rules, compiled.defaults, compiled.peers);
    program.attach(host_ifname);
  } catch (const std::exception& e) {
    try {
      (void)bpf::ContainerPolicy::unpin(pin_dir);
    } catch (const std::exception&) {
      // The ADD fails with the first error; GC removes what stays behind.
    }
    throw CniError(ErrorCode::io_failure,
                   std::string("policy: cannot enforce the rules on ") + host_ifname + ": " + e.what());
  }
}

void remove_policy(const PolicyConfig& policy, const std::string& network, const std::string& host_ifname) {
  const std::string pin_dir = policy_pin_dir(policy, network, host_ifname).string();
  try {
    (void)bpf::ContainerPolicy::unpin(pin_dir);
  } catch (const std::exception& e) {
    throw CniError(ErrorCode::io_failure, std::string("policy: cannot unpin ") + pin_dir + ": " + e.what());
  }
}

std::vector<std::string> policy_problems(const PolicyConfig& policy, const std::string& network,
                                         const std::string& host_ifname) {
  return bpf::tc_attachment_problems(policy_pin_dir(policy, network, host_ifname), host_ifname);
}

std::vector<std::string> collect_policies(const PolicyConfig& policy, const std::string& network,
                                          const std::set<std::string>& keep) {
  std::vector<std::string> failures;
  const fs::path folder = bpf::cni_network_pins(policy.bpffs, network);
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (keep.contains(name) && if_nametoindex(name.c_str()) != 0) continue;
    try {
      (void)bpf::ContainerPolicy::unpin(entry.path().string());
    } catch (const std::exception& e) {
      failures.push_back("cannot unpin " + entry.path().string() + ": " + e.what());
    }
  }
  // A missing folder means nothing was ever pinned for this network.
  if (error && error != std::errc::no_such_file_or_directory) {
    failures.push_back("cannot list " + folder.string() + ": " + error.message());
  }
  return failures;
}

}  // namespace sluice::cni
