// A `set=1` request of the WireGuard cross-platform userspace protocol, parsed and validated
// completely before anything is applied, so a malformed request changes nothing. sluiced parses
// it (set_request_parse.cpp); sluicectl writes it (set_request_write.cpp), so both share one
// typed request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"
#include "crypto/secret_text.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::uapi {

// One `public_key=` section of a set request.
struct PeerChange {
  crypto::PublicKey public_key;
  // remove=true: the peer goes, whatever else its section says.
  bool remove = false;
  // update_only=true: the section applies only to a peer that already exists.
  bool update_only = false;
  std::optional<crypto::PresharedKey> preshared_key;  // all zero: none
  std::optional<tunnel::Endpoint> endpoint;
  // A sluice extension: endpoints the daemon resolves and follows itself, as written
  // ("host.example:51820", "[2001:db8::2]:51820"), tried in order. Sent as endpoint=NAME for one
  // name, endpoints=A,B for a list; a stock `wg` sends neither. A numeric endpoint= clears them.
  std::optional<std::vector<std::string>> endpoint_names;
  std::optional<std::uint16_t> persistent_keepalive;  // seconds, 0 = off
  // The peer's existing prefixes are dropped before `allowed_ips` are added.
  bool replace_allowed_ips = false;
  // Host bits cleared. A prefix another peer owns moves to this one.
  std::vector<tunnel::IpPrefix> allowed_ips;
};

struct SetRequest {
  std::optional<crypto::PrivateKey> private_key;  // all zero: remove the key
  std::optional<std::uint16_t> listen_port;       // 0: any free port
  std::optional<std::uint32_t> fwmark;            // 0: none
  bool replace_peers = false;                     // remove every peer before `peers` apply
  std::vector<PeerChange> peers;                  // applied in order
};

struct SetParse {
  std::optional<SetRequest> request;  // present exactly when the whole body is valid
  int error = 0;                      // otherwise EINVAL (bad key or value) or EPROTO (bad framing)
  // For the log: the line number and what is wrong with it. Never contains a key's value.
  std::string problem;
};

// `body` is what follows the "set=1\n" line: key=value lines, then the empty line that ends the
// request, and nothing after it.
[[nodiscard]] SetParse parse_set_request(std::string_view body);

// "set=1\n", key=value lines in the protocol's order, and the empty line that ends the request.
// Keys are written as hex; the result holds any private and preshared keys of the request.
[[nodiscard]] crypto::SecretText set_request_text(const SetRequest& request);

}  // namespace sluice::uapi
