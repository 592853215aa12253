#include "ctl/reload_changes.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "crypto/key_encoding.hpp"

namespace sluice::ctl {
namespace {

std::string join(const std::vector<tunnel::IpPrefix>& prefixes) {
  std::string text;
  for (const tunnel::IpPrefix& prefix : prefixes) {
    if (!text.empty()) text.append(", ");
    text.append(prefix.to_string());
  }
  return text.empty() ? "none" : text;
}

}  // namespace

std::size_t changed_peers(const config::InterfaceSettings& wanted, const uapi::InterfaceState& running) {
  const auto sorted = [](std::vector<tunnel::IpPrefix> prefixes) {
    for (tunnel::IpPrefix& prefix : prefixes) prefix = prefix.masked();
    std::sort(prefixes.begin(), prefixes.end(),
              [](const tunnel::IpPrefix& x, const tunnel::IpPrefix& y) { return x.to_string() < y.to_string(); });
    return prefixes;
  };
  std::unordered_map<crypto::PublicKey, const uapi::PeerState*, crypto::PublicKeyHash> by_key;
  by_key.reserve(running.peers.size());
  for (const uapi::PeerState& state : running.peers) by_key.emplace(state.public_key, &state);
  std::size_t changed = 0;
  for (const config::PeerSettings& peer : wanted.peers) {
    const auto found = by_key.find(peer.public_key);
    if (found == by_key.end()) continue;
    const uapi::PeerState* state = found->second;
    const bool same_key = peer.preshared_key.has_value() == state->preshared_key.has_value() &&
                          (!peer.preshared_key || *peer.preshared_key == *state->preshared_key);
    // No endpoint in the file leaves the running one (learnt from the peer) alone. Names and lists
    // are compared as written with what the daemon follows.
    const auto followed = peer.followed_endpoints();
    const bool same_endpoint =
        followed ? *followed == state->endpoint_names
                 : !peer.endpoint ||
                       (state->endpoint_names.empty() && peer.endpoint->to_string() == state->endpoint.value_or(""));
    if (sorted(peer.allowed_ips) != sorted(state->allowed_ips) || !same_endpoint || !same_key ||
        peer.persistent_keepalive != state->persistent_keepalive) {
      ++changed;
    }
  }
  return changed;
}

std::vector<std::string> unapplied_changes(const config::InterfaceSettings& wanted, const LinkInfo& link) {
  std::vector<std::string> notes;
  const auto same_set = [](std::vector<tunnel::IpPrefix> a, std::vector<tunnel::IpPrefix> b) {
    const auto order = [](const tunnel::IpPrefix& x, const tunnel::IpPrefix& y) {
      return x.to_string() < y.to_string();
    };
    std::sort(a.begin(), a.end(), order);
    std::sort(b.begin(), b.end(), order);
    return a == b;
  };
  if (!same_set(wanted.addresses, link.addresses)) {
    notes.push_back(std::string("address: the file has ")
                        .append(join(wanted.addresses))
                        .append(", the interface ")
                        .append(join(link.addresses)));
  }
  if (wanted.mtu && *wanted.mtu != link.mtu) {
    notes.push_back(std::string("mtu: the file has ")
                        .append(std::to_string(*wanted.mtu))
                        .append(", the interface ")
                        .append(std::to_string(link.mtu)));
  }
  return notes;
}

namespace {

// One segment in words (mtu 0: not set), the same for the file and the daemon, so the two can be compared.
std::string describe(std::uint64_t vni, const std::string& tap, const std::optional<std::string>& bridge,
                     std::uint64_t mtu, const std::string& local, std::uint64_t aging,
                     std::vector<std::string> statics) {
  std::string text = "VNI " + std::to_string(vni) + " (" + tap;
  if (bridge) text.append(" on ").append(*bridge);
  if (mtu != 0) text.append(", mtu ").append(std::to_string(mtu));
  text.append(", local ").append(local).append(", aging ").append(std::to_string(aging));
  std::sort(statics.begin(), statics.end());
  for (const std::string& entry : statics) text.append(", ").append(entry);
  return text.append(")");
}

// What the TAP is attached to, in words: a Linux bridge, or an Open vSwitch bridge with its VLAN
// and database; none when neither.
template <typename Vlan>
std::optional<std::string> attachment(const std::optional<std::string>& bridge,
                                      const std::optional<std::string>& ovs_bridge, const std::optional<Vlan>& vlan,
                                      const std::optional<std::string>& db) {
  if (!ovs_bridge) return bridge;
  std::string text = "Open vSwitch bridge " + *ovs_bridge;
  if (vlan) text.append(" VLAN ").append(std::to_string(*vlan));
  if (db) text.append(" at ").append(*db);
  return text;
}

std::string join_sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string text;
  for (const std::string& item : items) text.append(text.empty() ? "" : ", ").append(item);
  return text.empty() ? "none" : text;
}

}  // namespace

std::vector<std::string> segment_changes(const config::InterfaceSettings& wanted,
                                         const std::vector<SegmentTable>& running) {
  std::vector<std::string> file;
  for (const config::SegmentSettings& s : wanted.segments) {
    std::vector<std::string> statics;
    for (const config::StaticFdbEntry& entry : s.fdb) {
      statics.push_back(entry.mac.to_string() + " static to " + crypto::encode_base64_key(entry.peer.span()));
    }
    file.push_back(describe(s.vni, s.tap, attachment(s.bridge, s.ovs_bridge, s.ovs_vlan, s.ovs_db), s.mtu.value_or(0),
                            s.local.value().to_string(), static_cast<std::uint64_t>(s.aging.count()),
                            std::move(statics)));
  }
  std::vector<std::string> interface;
  for (const SegmentTable& s : running) {
    std::vector<std::string> statics;
    for (const FdbEntry& entry : s.entries) {
      if (entry.is_static) statics.push_back(entry.mac + " static to " + crypto::encode_base64_key(entry.peer.span()));
    }
    interface.push_back(describe(s.vni, s.tap, attachment(s.bridge, s.ovs_bridge, s.ovs_vlan, s.ovs_db),
                                 s.configured_mtu.value_or(0), s.local, s.aging, std::move(statics)));
  }
  const std::string file_text = join_sorted(std::move(file));
  const std::string interface_text = join_sorted(std::move(interface));
  if (file_text == interface_text) return {};
  return {"segments: the file has " + file_text + ", the interface " + interface_text};
}

}  // namespace sluice::ctl
