// Applying a validated set request to the interface, and reading the interface back as a get
// answer shows it (what a configuration is compared with).
#include "daemon/uapi.hpp"

#include <algorithm>

#include "crypto/secret_text.hpp"

namespace sluice::daemon {
namespace {

// Peers whose persistent keepalive this request switched on, by key: a later section may still
// remove the peer, so pointers are looked up again once everything is applied.
using KeepaliveList = std::vector<crypto::PublicKey>;

void apply_peer(const uapi::PeerChange& change, tunnel::Device& device, KeepaliveList& switched_on) {
  if (change.remove) {
    device.remove_peer(change.public_key);
    return;
  }
  // add_peer refuses our own public key: such a section is ignored, as the kernel does.
  tunnel::Peer* peer = change.update_only ? device.find_peer(change.public_key) : device.add_peer(change.public_key);
  if (peer == nullptr) return;

  const bool keepalive_was_off = peer->persistent_keepalive() == 0;
  if (change.preshared_key) peer->set_preshared_key(*change.preshared_key);
  if (change.endpoint) peer->set_endpoint(*change.endpoint);
  if (change.persistent_keepalive) peer->set_persistent_keepalive(*change.persistent_keepalive);
  if (change.replace_allowed_ips) device.allowed_ips().remove_value(peer);
  for (const tunnel::IpPrefix& prefix : change.allowed_ips) device.allowed_ips().insert(prefix, peer);

  if (keepalive_was_off && peer->persistent_keepalive() != 0 &&
      std::find(switched_on.begin(), switched_on.end(), change.public_key) == switched_on.end()) {
    switched_on.push_back(change.public_key);
  }
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
  if (request.private_key) device.set_private_key(*request.private_key);
  if (request.replace_peers) device.remove_all_peers();
  KeepaliveList switched_on;
  for (const uapi::PeerChange& change : request.peers) apply_peer(change, device, switched_on);
  for (const crypto::PublicKey& key : switched_on) {
    tunnel::Peer* peer = device.find_peer(key);
    if (peer != nullptr && peer->persistent_keepalive() != 0) target.persistent_keepalive_enabled(*peer);
  }
  return 0;
}

uapi::InterfaceState running_state(UapiTarget& target) {
  crypto::SecretText answer;
  answer.str() = serialize_get(target.device(), target.listen_port(), target.fwmark());
  return uapi::parse_get_answer(answer.str());
}

}  // namespace sluice::daemon
