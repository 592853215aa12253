#include "mesh/peer_plan.hpp"

#include <algorithm>

namespace sluice::mesh {
namespace {

bool same_prefixes(std::vector<tunnel::IpPrefix> a, std::vector<tunnel::IpPrefix> b) {
  const auto order = [](const tunnel::IpPrefix& x, const tunnel::IpPrefix& y) { return x.to_string() < y.to_string(); };
  std::sort(a.begin(), a.end(), order);
  std::sort(b.begin(), b.end(), order);
  return a == b;
}

bool covers(const tunnel::IpPrefix& network, const tunnel::IpPrefix& prefix) {
  return network.family() == prefix.family() && network.cidr() <= prefix.cidr() && network.contains(prefix.address());
}

}  // namespace

bool inside_networks(const std::vector<tunnel::IpPrefix>& allowed_ips, const std::vector<tunnel::IpPrefix>& networks) {
  return !allowed_ips.empty() && std::all_of(allowed_ips.begin(), allowed_ips.end(), [&](const tunnel::IpPrefix& p) {
    return std::any_of(networks.begin(), networks.end(), [&](const tunnel::IpPrefix& n) { return covers(n, p); });
  });
}

uapi::SetRequest plan_peer_changes(const uapi::InterfaceState& current, const std::vector<DesiredPeer>& desired,
                                   const std::vector<tunnel::IpPrefix>& networks, const AppliedEndpoints& applied) {
  std::unordered_map<crypto::PublicKey, const uapi::PeerState*, crypto::PublicKeyHash> running;
  for (const uapi::PeerState& peer : current.peers) running.emplace(peer.public_key, &peer);
  std::unordered_map<crypto::PublicKey, const DesiredPeer*, crypto::PublicKeyHash> wanted;
  for (const DesiredPeer& peer : desired) wanted.emplace(peer.public_key, &peer);

  uapi::SetRequest request;
  // Removals first: a node whose key changed frees its subnet for its new key in the same request.
  for (const uapi::PeerState& peer : current.peers) {
    if (!wanted.contains(peer.public_key) && inside_networks(peer.allowed_ips, networks)) {
      uapi::PeerChange removal;
      removal.public_key = peer.public_key;
      removal.remove = true;
      request.peers.push_back(std::move(removal));
    }
  }
  for (const DesiredPeer& peer : desired) {
    const auto found = running.find(peer.public_key);
    if (found == running.end()) {
      uapi::PeerChange addition;
      addition.public_key = peer.public_key;
      addition.endpoint = peer.endpoint;
      addition.persistent_keepalive = peer.persistent_keepalive;
      addition.preshared_key = peer.preshared_key;
      addition.replace_allowed_ips = true;
      addition.allowed_ips = peer.allowed_ips;
      request.peers.push_back(std::move(addition));
      continue;
    }
    const uapi::PeerState& state = *found->second;
    uapi::PeerChange change;
    change.public_key = peer.public_key;
    change.update_only = true;
    bool changed = false;
    const auto last = applied.find(peer.public_key);
    if (!state.endpoint || last == applied.end() || !(last->second == peer.endpoint)) {
      if (state.endpoint != peer.endpoint.to_string()) {
        change.endpoint = peer.endpoint;
        changed = true;
      }
    }
    // A PSK set, changed or dropped in the network config reaches every running peer, so both
    // ends of a pair always hold the same one.
    if (state.preshared_key != peer.preshared_key) {
      change.preshared_key = peer.preshared_key.value_or(crypto::PresharedKey{});
      changed = true;
    }
    if (state.persistent_keepalive != peer.persistent_keepalive) {
      change.persistent_keepalive = peer.persistent_keepalive;
      changed = true;
    }
    if (!same_prefixes(state.allowed_ips, peer.allowed_ips)) {
      change.replace_allowed_ips = true;
      change.allowed_ips = peer.allowed_ips;
      changed = true;
    }
    if (changed) request.peers.push_back(std::move(change));
  }
  return request;
}

}  // namespace sluice::mesh
