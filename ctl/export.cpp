#include "ctl/export.hpp"

#include <chrono>
#include <stdexcept>

#include "uapi/error.hpp"

namespace sluice::ctl {
namespace {

[[noreturn]] void malformed(std::string_view ifname, std::string_view what) {
  throw uapi::ControlError(std::string(ifname).append(": malformed fdb answer from the daemon: ").append(what));
}

config::SegmentSettings segment_settings(std::string_view ifname, const SegmentTable& segment) {
  config::SegmentSettings out;
  out.vni = static_cast<std::uint32_t>(segment.vni);
  out.tap = segment.tap;
  out.bridge = segment.bridge;
  out.ovs_bridge = segment.ovs_bridge;
  if (segment.ovs_vlan) out.ovs_vlan = static_cast<unsigned>(*segment.ovs_vlan);
  out.ovs_db = segment.ovs_db;
  if (segment.configured_mtu) out.mtu = static_cast<unsigned>(*segment.configured_mtu);
  try {
    out.local = tunnel::IpAddress::parse(segment.local);
  } catch (const std::invalid_argument&) {
    malformed(ifname, "local");
  }
  out.aging = std::chrono::seconds(segment.aging);
  for (const FdbEntry& entry : segment.entries) {
    if (!entry.is_static) continue;
    const auto mac = tunnel::MacAddress::parse(entry.mac);
    if (!mac) malformed(ifname, "mac");
    out.fdb.push_back({*mac, entry.peer});
  }
  return out;
}

}  // namespace

config::TomlFile export_config(std::string_view ifname, const uapi::InterfaceState& state, const LinkInfo& link,
                               const std::vector<SegmentTable>& segments, bool show_keys) {
  config::TomlFile file;
  config::InterfaceSettings& settings = file.settings;
  file.header.push_back(std::string("Running configuration of ").append(ifname).append(", from `sluicectl export`."));
  if (!show_keys) {
    file.private_key_note = std::string("private_key is not printed: `sluicectl export --show-keys ")
                                .append(ifname)
                                .append("` prints it; or add private_key_file = \"/path/to/key\"");
    file.preshared_key_note = "preshared_key is not printed (--show-keys prints it)";
  }
  settings.private_key = state.private_key;
  settings.listen_port = state.listen_port;
  settings.fwmark = state.fwmark;
  settings.addresses = link.addresses;
  settings.mtu = link.mtu;
  // Routes live in the kernel's tables, not in the daemon; which ones the config asked for
  // cannot be told apart from routes added by hand.
  file.routes_known = false;
  file.routes_note =
      "routes = true makes sluiced add a route for every peer's allowed_ips (not known from the "
      "running interface)";

  for (const uapi::PeerState& peer : state.peers) {
    config::PeerSettings& out = settings.peers.emplace_back();
    out.public_key = peer.public_key;
    out.preshared_key = peer.preshared_key;
    out.endpoint_text = peer.endpoint;
    // What sluiced follows is what the file said: a name, or a list.
    if (peer.endpoint_names.size() == 1) out.endpoint_text = peer.endpoint_names.front();
    if (peer.endpoint_names.size() > 1) out.endpoint_text.reset();
    if (peer.endpoint_names.size() > 1) out.endpoints_text = peer.endpoint_names;
    out.allowed_ips = peer.allowed_ips;
    out.persistent_keepalive = peer.persistent_keepalive;
  }
  for (const SegmentTable& segment : segments) settings.segments.push_back(segment_settings(ifname, segment));
  return file;
}

void add_policy(config::InterfaceSettings& settings, const uapi::PolicyText& policy) {
  settings.policy = policy.settings;
  for (const policy::PeerIdentity& identity : policy.identities) {
    for (config::PeerSettings& peer : settings.peers) {
      if (peer.public_key == identity.key) {
        peer.name = identity.name;
        peer.groups = identity.groups;
      }
    }
  }
}

}  // namespace sluice::ctl
