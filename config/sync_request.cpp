#include "config/sync_request.hpp"

#include <unordered_set>

namespace sluice::config {

uapi::SetRequest sync_request(const InterfaceSettings& wanted, const uapi::InterfaceState& running,
                              std::uint32_t own_fwmark) {
  uapi::SetRequest request;
  const bool same_key =
      wanted.private_key ? running.private_key && *running.private_key == *wanted.private_key : !running.private_key;
  // All zero removes the key (a file always has one; the protocol's settings need not).
  if (!same_key) request.private_key = wanted.private_key.value_or(crypto::PrivateKey{});
  if (wanted.listen_port != 0 && wanted.listen_port != running.listen_port) request.listen_port = wanted.listen_port;
  const bool keep_own_mark = wanted.fwmark == 0 && own_fwmark != 0 && running.fwmark == own_fwmark;
  if (wanted.fwmark != running.fwmark && !keep_own_mark) request.fwmark = wanted.fwmark;

  // A set, so that 100,000 peers are not searched once per running peer.
  std::unordered_set<crypto::PublicKey, crypto::PublicKeyHash> in_file;
  in_file.reserve(wanted.peers.size());
  for (const PeerSettings& peer : wanted.peers) in_file.insert(peer.public_key);
  for (const uapi::PeerState& peer : running.peers) {
    if (in_file.contains(peer.public_key)) continue;
    uapi::PeerChange& change = request.peers.emplace_back();
    change.public_key = peer.public_key;
    change.remove = true;
  }
  for (const PeerSettings& peer : wanted.peers) {
    uapi::PeerChange& change = request.peers.emplace_back();
    change.public_key = peer.public_key;
    // All zero removes a preshared key the file no longer has.
    change.preshared_key = peer.preshared_key.value_or(crypto::PresharedKey{});
    change.endpoint = peer.endpoint;
    change.endpoint_names = peer.followed_endpoints();
    change.persistent_keepalive = peer.persistent_keepalive;
    change.replace_allowed_ips = true;
    change.allowed_ips.reserve(peer.allowed_ips.size());
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) change.allowed_ips.push_back(prefix.masked());
  }
  return request;
}

}  // namespace sluice::config
