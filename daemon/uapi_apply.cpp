// Applying a validated set request to the interface, and reading the interface back as a get
// answer shows it (what a configuration is compared with).
#include "daemon/uapi.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "crypto/secret_text.hpp"

namespace sluice::daemon {
namespace {

// Peers whose persistent keepalive this request switched on, by key: a later section may still
// remove the peer, so pointers are looked up again once everything is applied. A set, so that a
// request switching it on for 100,000 peers does not search a list per peer.
using KeepaliveList = std::unordered_set<crypto::PublicKey, crypto::PublicKeyHash>;

// Whether `peer` owns exactly `prefixes` already (`wg syncconf` restates every peer's prefixes):
// then replacing them would free and remake its trie nodes for nothing.
bool owns_exactly(const tunnel::AllowedIps<tunnel::Peer*>& table, tunnel::Peer* peer,
                  std::vector<tunnel::IpPrefix> prefixes) {
  if (table.count_of(peer) != prefixes.size()) return false;
  // The order prefixes_of() lists them in: IPv4 first, then by address, then by length.
  std::sort(prefixes.begin(), prefixes.end(), [](const tunnel::IpPrefix& x, const tunnel::IpPrefix& y) {
    const auto x_bytes = x.address().bytes();
    const auto y_bytes = y.address().bytes();
    if (x.family() != y.family()) return x.family() == tunnel::IpFamily::v4;
    const int order = std::memcmp(x_bytes.data(), y_bytes.data(), x_bytes.size());
    return order != 0 ? order < 0 : x.cidr() < y.cidr();
  });
  return prefixes == table.prefixes_of(peer);
}

// The settings of `change` that differ from what `peer` has, before it is applied.
std::vector<std::string> settings_changing(const uapi::PeerChange& change, const tunnel::Peer& peer) {
  std::vector<std::string> changed;
  if (change.endpoint && (!peer.endpoint() || peer.endpoint()->address != change.endpoint->address ||
                          peer.endpoint()->port != change.endpoint->port)) {
    changed.emplace_back("endpoint");
  }
  if (change.preshared_key && !(*change.preshared_key == peer.preshared_key())) changed.emplace_back("preshared_key");
  if (change.persistent_keepalive && *change.persistent_keepalive != peer.persistent_keepalive()) {
    changed.emplace_back("persistent_keepalive");
  }
  return changed;
}

void apply_peer(const uapi::PeerChange& change, UapiTarget& target, KeepaliveList& switched_on) {
  tunnel::Device& device = target.device();
  const bool publishing = target.publishing();
  if (change.remove) {
    target.follow_endpoints(change.public_key, {});
    if (device.remove_peer(change.public_key) && publishing) target.publish(peer_removed_event(change.public_key));
    return;
  }
  const bool existed = device.find_peer(change.public_key) != nullptr;
  // add_peer refuses our own public key: such a section is ignored, as the kernel does.
  tunnel::Peer* peer = change.update_only ? device.find_peer(change.public_key) : device.add_peer(change.public_key);
  if (peer == nullptr) return;

  std::vector<std::string> changed;
  std::vector<tunnel::IpPrefix> prefixes_before;
  if (publishing && existed) {
    changed = settings_changing(change, *peer);
    prefixes_before = device.allowed_ips().prefixes_of(peer);
  }
  const bool keepalive_was_off = peer->persistent_keepalive() == 0;
  if (change.preshared_key) peer->set_preshared_key(*change.preshared_key);
  if (change.endpoint) {
    peer->set_endpoint(*change.endpoint);
    target.follow_endpoints(change.public_key, {});
  }
  if (change.endpoint_names) target.follow_endpoints(change.public_key, *change.endpoint_names);
  if (change.persistent_keepalive) peer->set_persistent_keepalive(*change.persistent_keepalive);
  const bool unchanged = change.replace_allowed_ips && owns_exactly(device.allowed_ips(), peer, change.allowed_ips);
  if (!unchanged) {
    if (change.replace_allowed_ips) device.allowed_ips().remove_value(peer);
    for (const tunnel::IpPrefix& prefix : change.allowed_ips) device.allowed_ips().insert(prefix, peer);
  }

  if (keepalive_was_off && peer->persistent_keepalive() != 0) switched_on.insert(change.public_key);
  if (!publishing) return;
  const std::vector<tunnel::IpPrefix> prefixes = device.allowed_ips().prefixes_of(peer);
  if (!existed) {
    target.publish(peer_added_event(change.public_key, peer->endpoint(), prefixes));
    return;
  }
  if (prefixes != prefixes_before) changed.emplace_back("allowed_ips");
  if (!changed.empty())
    target.publish(peer_changed_event(change.public_key, std::move(changed), peer->endpoint(), prefixes));
}

std::optional<crypto::PublicKey> public_key_of(const tunnel::Device& device) {
  if (!device.identity().has_key) return std::nullopt;
  return device.identity().public_key;
}

}  // namespace

int apply_set_request(const uapi::SetRequest& request, UapiTarget& target) {
  // The mark goes first so that sockets rebound for a new port already carry it. Either step may
  // fail; a failure undoes the mark, so a refused request leaves the interface as it was.
  const std::uint32_t old_fwmark = target.fwmark();
  const bool fwmark_changes = request.fwmark && *request.fwmark != old_fwmark;
  if (fwmark_changes) {
    if (const int error = target.set_fwmark(*request.fwmark); error != 0) return error;
  }
  // As in the kernel, asking for the port already bound is not a rebind (which could fail).
  if (request.listen_port && *request.listen_port != target.listen_port()) {
    if (const int error = target.set_listen_port(*request.listen_port); error != 0) {
      // Restoring the mark the same sockets carried a moment ago does not fail in practice; if it
      // did, the port error is still the one the caller needs to see.
      if (fwmark_changes) static_cast<void>(target.set_fwmark(old_fwmark));
      return error;
    }
  }

  tunnel::Device& device = target.device();
  if (request.private_key) {
    const std::optional<crypto::PublicKey> before = public_key_of(device);
    device.set_private_key(*request.private_key);
    const std::optional<crypto::PublicKey> after = public_key_of(device);
    if (target.publishing() && before != after) target.publish(private_key_changed_event(after));
  }
  if (request.replace_peers) {
    for (const auto& peer : device.peers()) {
      target.follow_endpoints(peer->public_key(), {});
      if (target.publishing()) target.publish(peer_removed_event(peer->public_key()));
    }
    device.remove_all_peers();
  }
  KeepaliveList switched_on;
  for (const uapi::PeerChange& change : request.peers) apply_peer(change, target, switched_on);
  for (const crypto::PublicKey& key : switched_on) {
    tunnel::Peer* peer = device.find_peer(key);
    if (peer != nullptr && peer->persistent_keepalive() != 0) target.persistent_keepalive_enabled(*peer);
  }
  return 0;
}

uapi::InterfaceState running_state(UapiTarget& target) {
  const tunnel::Device& device = target.device();
  crypto::SecretText answer;
  append_get_interface(answer.str(), device, target.listen_port(), target.fwmark());
  for (const auto& peer : device.peers()) {
    append_get_peer(answer.str(), *peer, device.allowed_ips().prefixes_of(peer.get()));
  }
  return uapi::parse_get_answer(answer.str());
}

}  // namespace sluice::daemon
