// The seam between the CNI spec layer (verbs, results, IPAM) and the kernel (veth pairs, addresses,
// routes in two network namespaces). The verbs only see these plain values, so they stay testable
// without root.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tunnel/ip_address.hpp"

namespace sluice::cni {

// What ADD builds for one attachment (see docs of the network layout: routed, no bridge).
struct VethPlan {
  std::string netns_path;        // CNI_NETNS, e.g. /var/run/netns/c1
  std::string container_ifname;  // CNI_IFNAME
  std::string host_ifname;       // "sluice" + 8 hex
  std::string host_alias;        // "sluice-cni NETWORK CONTAINERID IFNAME"
  unsigned mtu = 0;
  std::vector<tunnel::IpPrefix> container_addresses;  // 10.244.3.5/32, fd00:244:0:3::5/128
  std::vector<tunnel::IpAddress> gateways;            // one per family present: 10.244.3.1, fd00:244:0:3::1
};

struct MadeVeth {
  std::string host_mac;  // "aa:bb:cc:dd:ee:ff"
  std::string container_mac;
};

// Builds the pair, the container side (addresses, lo up, onlink default routes, MTU) and the host
// side (gateway addresses, /32 and /128 routes, MTU, up), enables forwarding for the families
// present. All or nothing: on failure it removes what it made, then throws LinkError. Kind::exists
// also when the host side's name is taken (an earlier ADD of the same attachment not deleted); that
// link is left alone.
MadeVeth create_veth(const VethPlan& plan);
// The default route of the gateway's family (0.0.0.0/0 or ::/0): what ADD points at each gateway
// in the container, and reports in its result.
[[nodiscard]] tunnel::IpPrefix default_route(const tunnel::IpAddress& gateway);

// Removes the pair (deleting the host side removes both) and, if the netns still exists and
// still holds container_ifname, that one too. Idempotent: false when nothing was there.
// A netns path that no longer exists is not an error.
bool delete_veth(const std::string& host_ifname, const std::string& netns_path, const std::string& container_ifname);

// What CHECK compares with prevResult. Empty / zero / false fields when absent; a netns that does
// not exist throws LinkError(no_netns).
struct ObservedVeth {
  bool host_exists = false, host_up = false;
  unsigned host_mtu = 0;
  // Destinations routed through the host side (main table; not the kernel's routes of addresses).
  std::vector<tunnel::IpPrefix> host_routes;
  bool container_exists = false, container_up = false;
  unsigned container_mtu = 0;
  std::string container_mac;
  std::vector<tunnel::IpPrefix> container_addresses;          // scope global (no IPv6 link-local)
  std::vector<tunnel::IpAddress> container_default_gateways;  // gateways of default routes via ifname
};
ObservedVeth observe_veth(const std::string& host_ifname, const std::string& netns_path,
                          const std::string& container_ifname);

// Host-side links of the node whose name starts with "sluice" and whose ifalias starts with
// "sluice-cni ": {name, alias}. For GC, which cannot rely on the data dir alone.
struct HostVeth {
  std::string name, alias;
};
std::vector<HostVeth> list_host_veths();

// OS failures: what was attempted, the interface / namespace, errno text. kind says which CNI
// error code the verbs map it to.
class LinkError : public std::runtime_error {
 public:
  enum class Kind {
    no_netns,  // CNI code 3: the runtime gave a namespace that does not exist
    exists,    // the ifname is already taken in the container
    os,        // anything else the kernel refused (code 5-ish)
  };
  LinkError(Kind kind, const std::string& what);
  [[nodiscard]] Kind kind() const noexcept;

 private:
  Kind kind_;
};

}  // namespace sluice::cni
