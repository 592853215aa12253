#include "ctl/set_request_text.hpp"

#include "crypto/key_encoding.hpp"

namespace sluice::ctl {
namespace {

// Generous per-line sizes, so the text is allocated once and keys are never left in a freed
// buffer by a growing string.
constexpr std::size_t kLineBytes = 80;
constexpr std::size_t kPeerLines = 8;

// Hex straight into `out`, so no temporary string holds a secret key.
void append_key(std::string& out, std::string_view name, std::span<const std::uint8_t, 32> key) {
  out.append(name).push_back('=');
  crypto::append_hex_key(out, key);
  out.push_back('\n');
}

void append_line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append("=").append(value).push_back('\n');
}

}  // namespace

SecretText set_request_text(const uapi::SetRequest& request) {
  std::size_t lines = 5;
  for (const uapi::PeerChange& peer : request.peers) lines += kPeerLines + peer.allowed_ips.size();
  SecretText text(lines * kLineBytes);
  std::string& out = text.str();
  out.append("set=1\n");
  if (request.private_key) append_key(out, "private_key", request.private_key->span());
  if (request.listen_port) append_line(out, "listen_port", std::to_string(*request.listen_port));
  if (request.fwmark) append_line(out, "fwmark", std::to_string(*request.fwmark));
  if (request.replace_peers) append_line(out, "replace_peers", "true");
  for (const uapi::PeerChange& peer : request.peers) {
    append_key(out, "public_key", peer.public_key.span());
    if (peer.remove) {
      append_line(out, "remove", "true");
      continue;
    }
    if (peer.update_only) append_line(out, "update_only", "true");
    if (peer.preshared_key) append_key(out, "preshared_key", peer.preshared_key->span());
    if (peer.endpoint) append_line(out, "endpoint", peer.endpoint->to_string());
    if (peer.persistent_keepalive) {
      append_line(out, "persistent_keepalive_interval", std::to_string(*peer.persistent_keepalive));
    }
    if (peer.replace_allowed_ips) append_line(out, "replace_allowed_ips", "true");
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) append_line(out, "allowed_ip", prefix.to_string());
  }
  out.push_back('\n');
  return text;
}

}  // namespace sluice::ctl
