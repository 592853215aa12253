#include "ctl/export.hpp"

#include "crypto/key_encoding.hpp"
#include "tunnel/fdb.hpp"

namespace sluice::ctl {

config::TomlInterface export_config(std::string_view ifname, const uapi::InterfaceState& state, const LinkInfo& link,
                            const std::vector<SegmentTable>& segments, bool show_keys) {
  config::TomlInterface toml;
  toml.header.push_back(std::string("Running configuration of ").append(ifname).append(", from `sluicectl export`."));
  if (state.private_key) {
    if (show_keys) {
      toml.private_key = crypto::encode_base64_key(state.private_key->span());
    } else {
      toml.private_key_note = std::string("private_key is not printed: `sluicectl export --show-keys ")
                                    .append(ifname)
                                    .append("` prints it; or add private_key_file = \"/path/to/key\"");
    }
  }
  if (state.listen_port != 0) toml.listen_port = state.listen_port;
  if (state.fwmark != 0) toml.fwmark = state.fwmark;
  for (const tunnel::IpPrefix& address : link.addresses) toml.addresses.push_back(address.to_string());
  toml.mtu = link.mtu;
  // Routes live in the kernel's tables, not in the daemon; which ones the config asked for
  // cannot be told apart from routes added by hand.
  toml.routes_note =
      "routes = true makes sluiced add a route for every peer's allowed_ips (not known from the "
      "running interface)";

  for (const uapi::PeerState& peer : state.peers) {
    config::TomlPeer& out = toml.peers.emplace_back();
    out.public_key = crypto::encode_base64_key(peer.public_key.span());
    if (peer.preshared_key) {
      if (show_keys) {
        out.preshared_key = crypto::encode_base64_key(peer.preshared_key->span());
      } else {
        out.preshared_key_note = "preshared_key is not printed (--show-keys prints it)";
      }
    }
    out.endpoint = peer.endpoint;
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) out.allowed_ips.push_back(prefix.to_string());
    out.persistent_keepalive = peer.persistent_keepalive;
  }
  for (const SegmentTable& segment : segments) {
    config::TomlSegment& out = toml.segments.emplace_back();
    out.vni = static_cast<std::uint32_t>(segment.vni);
    out.tap = segment.tap;
    out.bridge = segment.bridge;
    if (segment.configured_mtu) out.mtu = static_cast<unsigned>(*segment.configured_mtu);
    out.local = segment.local;
    if (segment.aging != static_cast<std::uint64_t>(tunnel::Fdb::kDefaultAging.count())) out.aging = segment.aging;
    for (const FdbEntry& entry : segment.entries) {
      if (entry.is_static) out.fdb.emplace_back(entry.mac, crypto::encode_base64_key(entry.peer.span()));
    }
  }
  return toml;
}

}  // namespace sluice::ctl
