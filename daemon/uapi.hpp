// The WireGuard cross-platform userspace API (https://www.wireguard.com/xplatform/): the text
// protocol the stock `wg` tool speaks over /run/wireguard/IFNAME.sock. `get=1` dumps the
// interface, `set=1` changes it. A set request is parsed and validated completely into a
// uapi::SetRequest before anything is applied, so a malformed request changes nothing. The daemon
// lends its sockets and the protocol core through UapiTarget; the control socket only frames
// requests (each ends with an empty line) and hands them to handle_request.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"
#include "daemon/control_answer.hpp"
#include "daemon/event.hpp"
#include "daemon/stats.hpp"
#include "tunnel/constants.hpp"
#include "tunnel/device.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/ip_address.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/policy_text.hpp"
#include "uapi/set_request.hpp"

namespace sluice::daemon {

// What a request acts on: the daemon's interface. Errors are positive errno values.
class UapiTarget {
 public:
  virtual ~UapiTarget() = default;

  virtual tunnel::Device& device() = 0;

  // The port the UDP sockets are bound to (the one the kernel picked, when 0 was asked for).
  [[nodiscard]] virtual std::uint16_t listen_port() const = 0;
  // Rebinds the UDP sockets to `port` (0: any free port). On failure (EADDRINUSE, EACCES) the old
  // sockets stay bound and 0 is not returned.
  [[nodiscard]] virtual int set_listen_port(std::uint16_t port) = 0;

  [[nodiscard]] virtual std::uint32_t fwmark() const = 0;
  // Marks the sockets' packets with `mark` (0: unmarked); on failure (EPERM) nothing changed.
  [[nodiscard]] virtual int set_fwmark(std::uint32_t mark) = 0;

  // The monotonic clock the daemon drives the core with.
  [[nodiscard]] virtual tunnel::Instant now() const = 0;

  // Called once a request is applied, for each peer whose persistent keepalive it switched on
  // (from 0): the daemon sends that peer a keepalive at once, as the kernel does, so a NAT
  // mapping is opened without waiting for traffic.
  virtual void persistent_keepalive_enabled(tunnel::Peer& peer) = 0;

  // Endpoints the daemon resolves and follows for the peer `key` (a sluice extension,
  // daemon/endpoint_names.hpp); none: stop following (a numeric endpoint was set, or the peer goes).
  virtual void follow_endpoints(const crypto::PublicKey& /*key*/, const std::vector<std::string>& /*texts*/) {}

  // Interface counters beyond the core's (the L2 segments' l2_*), for stats=1.
  [[nodiscard]] virtual std::vector<NamedCounter> extra_counters() const { return {}; }
  // The key=value lines of an fdb=1 answer: the L2 segments and their forwarding tables (none: empty).
  [[nodiscard]] virtual std::string serialize_fdb() const { return {}; }
  // The key=value lines of an info=1 answer (daemon/uapi_info.hpp).
  [[nodiscard]] virtual std::string serialize_info() const { return {}; }
  // routes=1: the routes through the interface brought to the peers' allowed IPs now; the
  // key=value lines say what changed (daemon/uapi_info.hpp).
  [[nodiscard]] virtual std::string sync_routes() { return {}; }
  // policy=1: the rules, defaults and peers' names and groups (uapi/policy_text.hpp).
  [[nodiscard]] virtual std::string serialize_policy() const { return {}; }
  // set_policy=1: takes these rules, keeping sessions and flows (flows are judged again).
  [[nodiscard]] virtual int set_policy(const uapi::PolicyText& /*policy*/) { return EOPNOTSUPP; }
  // flows=1: the flow table and the rules' counters (daemon/flows_answer.hpp).
  [[nodiscard]] virtual std::string serialize_flows() const { return {}; }

  // The event stream (daemon/event_stream.hpp): whether anyone follows it, so that requests
  // describe their changes only then, and where those descriptions go.
  [[nodiscard]] virtual bool publishing() const { return false; }
  virtual void publish(const Event& /*event*/) {}
};

// Socket changes come first, because only they can fail: on failure the errno is returned and
// the interface is as it was. Returns 0 on success. While target.publishing(), each peer added,
// removed or changed and a new private key are published as events.
[[nodiscard]] int apply_set_request(const uapi::SetRequest& request, UapiTarget& target);

// The interface as a get=1 answer shows it, read back into the answer's model: what a
// configuration is compared with (config/sync_request.hpp) on SIGHUP, exactly as `sluicectl
// reload` compares it.
[[nodiscard]] uapi::InterfaceState running_state(UapiTarget& target);

// The key=value lines of a get answer, without the final "errno=0" and empty line, in two parts:
// the interface's lines (with the private key), then one section per peer (with its preshared key);
// start_request() writes them a slice of peers at a time. A port or mark of 0 is left out, as
// wireguard-go does. Both hold keys: send them, never log them.
void append_get_interface(std::string& out, const tunnel::Device& device, std::uint16_t listen_port,
                          std::uint32_t fwmark);
// `prefixes` are the peer's allowed IPs (AllowedIps::prefixes_of).
void append_get_peer(std::string& out, const tunnel::Peer& peer, const std::vector<tunnel::IpPrefix>& prefixes);
// Room the interface's lines take at most; room a peer's section takes at most (about 420 bytes
// with an IPv6 endpoint and 20-digit counters, plus "allowed_ip=" and the longest IPv6 prefix per
// prefix).
inline constexpr std::size_t kGetInterfaceBytes = 160;
inline constexpr std::size_t kGetPeerBytes = 480;
inline constexpr std::size_t kGetPrefixBytes = 56;
[[nodiscard]] constexpr std::size_t get_peer_bytes(std::size_t prefixes) {
  return kGetPeerBytes + prefixes * kGetPrefixBytes;
}

// One whole request, "get=1\n\n", "set=1\n...\n\n", or our own "stats=1\n\n" (daemon/stats.hpp),
// "info=1\n\n" and "routes=1\n\n" (daemon/uapi_info.hpp), "policy=1\n\n", "set_policy=1\n...\n\n"
// and "flows=1\n\n" (the policy and flows, see UapiTarget) or "fdb=1\n\n" (daemon/l2_segments.hpp: per
// segment vni=, tap=, bridge=, local=, mtu=, aging=, its counters, peer= and peer_address= per
// member, then per FDB entry mac=, public_key=, static=, age=) or "publish=1\n..." (an event from
// another program into the event stream, daemon/event_request.hpp), to its whole answer ending in
// "errno=N\n\n".
// Refused set requests are logged (without values).
[[nodiscard]] std::string handle_request(std::string_view request, UapiTarget& target);

// The same answer, made a part at a time (daemon/control_answer.hpp), as the control socket sends
// it: get=1 and stats=1 write a slice of peers per part. A set is applied here, whole, before
// this returns. The peers are those of the moment the request came; a peer removed before its
// slice is written is left out, and each peer's lines are as they are when its slice is written.
[[nodiscard]] std::unique_ptr<ControlAnswer> start_request(std::string_view request, UapiTarget& target);

}  // namespace sluice::daemon
