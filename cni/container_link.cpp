#include "cni/container_link.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <span>
#include <system_error>

#include "cni/netns_guard.hpp"
#include "platform/os_error.hpp"
#include "platform/rtnetlink.hpp"
#include "platform/small_file.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::cni {
namespace {

using Kind = LinkError::Kind;

constexpr const char* kIpv4Forwarding = "/proc/sys/net/ipv4/ip_forward";
constexpr const char* kIpv6Forwarding = "/proc/sys/net/ipv6/conf/all/forwarding";

LinkError os_error(const std::string& where, const std::system_error& e) {
  return LinkError(Kind::os, where + e.what());
}

std::string in_netns(const std::string& path) { return "in network namespace " + path + ": "; }

platform::UniqueFd require_netns(const std::string& path) {
  auto fd = open_netns(path);
  if (!fd) throw LinkError(Kind::no_netns, "network namespace \"" + path + "\" does not exist");
  return std::move(*fd);
}

// Writes "1" unless the sysctl is 1 already: a node that forwards needs no write (and a read-only
// /proc/sys, as in some runtimes' sandboxes, is then no failure).
void enable_forwarding(const char* path) {
  try {
    if (platform::read_small_file(path, 16).starts_with('1')) return;
  } catch (const std::system_error& e) {
    throw std::system_error(e.code(), std::string("cannot read ") + path);
  }
  const platform::UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), "1\n", 2) != 2)
    platform::throw_os_error(std::string("cannot write 1 to ") + path);
}

std::string mac_of(platform::Rtnetlink& link, const std::string& ifname) {
  const auto state = link.state();
  if (!state) platform::throw_os_error(ifname + ": vanished while being set up", ENODEV);
  return state->mac;
}

// In the container's namespace: addresses, lo and the link up, then the default routes (an onlink
// route needs its link up). Returns the link's MAC.
std::string set_up_container_side(const VethPlan& plan) {
  platform::Rtnetlink("lo").set_up();
  platform::Rtnetlink link(plan.container_ifname);
  for (const auto& address : plan.container_addresses) link.add_address(address, true);
  link.set_up();
  for (const auto& gateway : plan.gateways) link.add_route_via(default_route(gateway), gateway);
  return mac_of(link, plan.container_ifname);
}

// In the node's namespace: alias (for GC), the gateways as /32 and /128, up, then a route to each
// container address. Returns the link's MAC.
std::string set_up_host_side(platform::Rtnetlink& host, const VethPlan& plan) {
  host.set_alias(plan.host_alias);
  for (const auto& gateway : plan.gateways) host.add_address(tunnel::IpPrefix::host(gateway), true);
  host.set_up();
  for (const auto& address : plan.container_addresses) host.add_route(tunnel::IpPrefix::host(address.address()));
  return mac_of(host, plan.host_ifname);
}

// Creates the pair; LinkError(exists) names the side whose name was taken.
void create_pair(platform::Rtnetlink& host, const VethPlan& plan, int netns_fd) {
  try {
    if (host.create_veth(plan.container_ifname, netns_fd, plan.mtu)) return;
    if (host.state()) {
      throw LinkError(Kind::exists, plan.host_ifname + " exists already (left by an ADD without DEL?)");
    }
  } catch (const std::system_error& e) {
    throw os_error("", e);
  }
  throw LinkError(Kind::exists, in_netns(plan.netns_path) + plan.container_ifname + " exists already");
}

}  // namespace

tunnel::IpPrefix default_route(const tunnel::IpAddress& gateway) {
  static constexpr std::array<std::uint8_t, 16> kZero{};
  return {tunnel::IpAddress::from_bytes(std::span(kZero).first(gateway.is_v4() ? 4 : 16)), 0};
}

LinkError::LinkError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}

LinkError::Kind LinkError::kind() const noexcept { return kind_; }

MadeVeth create_veth(const VethPlan& plan) {
  const platform::UniqueFd netns = require_netns(plan.netns_path);
  const std::string inside = in_netns(plan.netns_path);
  // Checked first, so that a taken name fails before anything is made.
  {
    const NetnsGuard guard(netns.get(), plan.netns_path);
    bool taken = false;
    try {
      taken = platform::Rtnetlink(plan.container_ifname).state().has_value();
    } catch (const std::system_error& e) {
      throw os_error(inside, e);
    }
    if (taken) throw LinkError(Kind::exists, inside + plan.container_ifname + " exists already");
  }
  try {
    for (const auto& gateway : plan.gateways) enable_forwarding(gateway.is_v4() ? kIpv4Forwarding : kIpv6Forwarding);
  } catch (const std::system_error& e) {
    throw os_error("", e);
  }
  platform::Rtnetlink host(plan.host_ifname);
  create_pair(host, plan, netns.get());
  // From here on a failure removes the host side, which takes the container side along.
  try {
    MadeVeth made;
    {
      const NetnsGuard guard(netns.get(), plan.netns_path);
      try {
        made.container_mac = set_up_container_side(plan);
      } catch (const std::system_error& e) {
        throw os_error(inside, e);
      }
    }
    try {
      made.host_mac = set_up_host_side(host, plan);
    } catch (const std::system_error& e) {
      throw os_error("", e);
    }
    return made;
  } catch (...) {
    try {
      host.delete_link();
    } catch (const std::system_error&) {
      // The first failure is the one to report; a link that cannot be removed now is GC's to find.
    }
    throw;
  }
}

bool delete_veth(const std::string& host_ifname, const std::string& netns_path, const std::string& container_ifname) {
  bool removed = false;
  try {
    removed = platform::Rtnetlink(host_ifname).delete_link();
  } catch (const std::system_error& e) {
    throw os_error("", e);
  }
  const auto netns = open_netns(netns_path);
  if (!netns || container_ifname.empty()) return removed;
  const NetnsGuard guard(netns->get(), netns_path);
  try {
    if (platform::Rtnetlink(container_ifname).delete_link()) removed = true;
  } catch (const std::system_error& e) {
    throw os_error(in_netns(netns_path), e);
  }
  return removed;
}

ObservedVeth observe_veth(const std::string& host_ifname, const std::string& netns_path,
                          const std::string& container_ifname) {
  ObservedVeth observed;
  try {
    platform::Rtnetlink host(host_ifname);
    if (const auto state = host.state()) {
      observed.host_exists = true;
      observed.host_up = state->up;
      observed.host_mtu = state->mtu;
      for (const auto& route : host.routes()) {
        if (!route.from_kernel) observed.host_routes.push_back(route.destination);
      }
    }
  } catch (const std::system_error& e) {
    throw os_error("", e);
  }
  const platform::UniqueFd netns = require_netns(netns_path);
  const NetnsGuard guard(netns.get(), netns_path);
  try {
    platform::Rtnetlink link(container_ifname);
    const auto state = link.state();
    if (!state) return observed;
    observed.container_exists = true;
    observed.container_up = state->up;
    observed.container_mtu = state->mtu;
    observed.container_mac = state->mac;
    observed.container_addresses = link.addresses();
    for (const auto& route : link.routes()) {
      if (route.destination.cidr() == 0 && route.gateway) observed.container_default_gateways.push_back(*route.gateway);
    }
  } catch (const std::system_error& e) {
    throw os_error(in_netns(netns_path), e);
  }
  return observed;
}

std::vector<HostVeth> list_host_veths() {
  std::vector<HostVeth> veths;
  try {
    for (auto& link : platform::list_links()) {
      if (link.name.starts_with("sluice") && link.alias.starts_with("sluice-cni ")) {
        veths.push_back({std::move(link.name), std::move(link.alias)});
      }
    }
  } catch (const std::system_error& e) {
    throw os_error("", e);
  }
  return veths;
}

}  // namespace sluice::cni
