#include "ctl/sync.hpp"

#include <algorithm>

namespace sluice::ctl {
namespace {

bool in_file(const daemon::InterfaceSettings& wanted, const crypto::PublicKey& key) {
  return std::any_of(wanted.peers.begin(), wanted.peers.end(),
                     [&](const daemon::PeerSettings& peer) { return peer.public_key == key; });
}

std::string join(const std::vector<tunnel::IpPrefix>& prefixes) {
  std::string text;
  for (const tunnel::IpPrefix& prefix : prefixes) {
    if (!text.empty()) text.append(", ");
    text.append(prefix.to_string());
  }
  return text.empty() ? "none" : text;
}

}  // namespace

daemon::SetRequest sync_request(const daemon::InterfaceSettings& wanted, const InterfaceState& running) {
  daemon::SetRequest request;
  if (wanted.private_key && !(running.private_key && *running.private_key == *wanted.private_key)) {
    request.private_key = wanted.private_key;
  }
  if (wanted.listen_port != 0 && wanted.listen_port != running.listen_port) request.listen_port = wanted.listen_port;
  if (wanted.fwmark != running.fwmark) request.fwmark = wanted.fwmark;

  for (const PeerState& peer : running.peers) {
    if (in_file(wanted, peer.public_key)) continue;
    daemon::PeerChange& change = request.peers.emplace_back();
    change.public_key = peer.public_key;
    change.remove = true;
  }
  for (const daemon::PeerSettings& peer : wanted.peers) {
    daemon::PeerChange& change = request.peers.emplace_back();
    change.public_key = peer.public_key;
    // All zero removes a preshared key the file no longer has.
    change.preshared_key = peer.preshared_key.value_or(crypto::PresharedKey{});
    change.endpoint = peer.endpoint;
    change.persistent_keepalive = peer.persistent_keepalive;
    change.replace_allowed_ips = true;
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) change.allowed_ips.push_back(prefix.masked());
  }
  return request;
}

std::vector<tunnel::IpPrefix> routes_to_add(const daemon::InterfaceSettings& wanted, const InterfaceState& running) {
  std::vector<tunnel::IpPrefix> routes;
  if (!wanted.routes) return routes;
  for (const daemon::PeerSettings& peer : wanted.peers) {
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) {
      const tunnel::IpPrefix masked = prefix.masked();
      // A prefix the interface already carries (for this peer or another) is routed already.
      const bool routed = std::any_of(running.peers.begin(), running.peers.end(), [&](const PeerState& other) {
        return std::find(other.allowed_ips.begin(), other.allowed_ips.end(), masked) != other.allowed_ips.end();
      });
      if (!routed) routes.push_back(masked);
    }
  }
  return routes;
}

std::vector<std::string> unapplied_changes(const daemon::InterfaceSettings& wanted, const LinkInfo& link) {
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

}  // namespace sluice::ctl
