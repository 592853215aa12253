#include "uapi/set_request.hpp"

#include "uapi/lines.hpp"

namespace sluice::uapi {
namespace {

// Generous per-line sizes, so the text is allocated once and keys are never left in a freed
// buffer by a growing string.
constexpr std::size_t kLineBytes = 80;
constexpr std::size_t kPeerLines = 8;

}  // namespace

crypto::SecretText set_request_text(const SetRequest& request) {
  std::size_t lines = 5;
  for (const PeerChange& peer : request.peers) lines += kPeerLines + peer.allowed_ips.size();
  crypto::SecretText text(lines * kLineBytes);
  std::string& out = text.str();
  out.append("set=1\n");
  if (request.private_key) append_key_line(out, "private_key", request.private_key->span());
  if (request.listen_port) append_line(out, "listen_port", *request.listen_port);
  if (request.fwmark) append_line(out, "fwmark", *request.fwmark);
  if (request.replace_peers) append_line(out, "replace_peers", "true");
  for (const PeerChange& peer : request.peers) {
    append_key_line(out, "public_key", peer.public_key.span());
    if (peer.remove) {
      append_line(out, "remove", "true");
      continue;
    }
    if (peer.update_only) append_line(out, "update_only", "true");
    if (peer.preshared_key) append_key_line(out, "preshared_key", peer.preshared_key->span());
    if (peer.endpoint) append_line(out, "endpoint", peer.endpoint->to_string());
    if (peer.endpoint_names && peer.endpoint_names->size() == 1) {
      append_line(out, "endpoint", peer.endpoint_names->front());
    } else if (peer.endpoint_names) {
      std::string list;
      for (const std::string& name : *peer.endpoint_names) list.append(list.empty() ? "" : ",").append(name);
      append_line(out, "endpoints", list);
    }
    if (peer.persistent_keepalive) {
      append_line(out, "persistent_keepalive_interval", *peer.persistent_keepalive);
    }
    if (peer.replace_allowed_ips) append_line(out, "replace_allowed_ips", "true");
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) append_line(out, "allowed_ip", prefix.to_string());
  }
  out.push_back('\n');
  return text;
}

}  // namespace sluice::uapi
