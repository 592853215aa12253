// The policy model: rules on peer identities, in plain data (prefixes, a protocol, port ranges,
// an action) that the daemon evaluates once per new flow and that could be compiled as they are
// into eBPF maps. The config loader fills it in (names already resolved to keys); nothing here
// reads files or knows about sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::policy {

enum class Action : std::uint8_t { allow, deny };
// Inbound: decrypted, from a peer to this host. Outbound: from this host, to be sent to a peer.
enum class Direction : std::uint8_t { inbound = 0, outbound = 1 };
// IP protocol numbers; `icmp` matches ICMP and ICMPv6.
enum class Protocol : std::uint8_t { any = 0, icmp = 1, tcp = 6, udp = 17 };

[[nodiscard]] std::string_view to_string(Action action) noexcept;
[[nodiscard]] std::string_view to_string(Direction direction) noexcept;
[[nodiscard]] std::string_view to_string(Protocol protocol) noexcept;

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 65535;
  bool operator==(const PortRange&) const = default;
};

// Matches a packet when every non-empty field matches (an empty one matches anything), and
// within a field when any of its entries does.
struct Rule {
  // Shown by flows and counters; empty: "rule N" (its place, from 1).
  std::string name;
  Direction direction = Direction::inbound;
  // The remote peer (the sender inbound, the receiver outbound): one of these keys or a member of
  // one of these groups. Both empty: any peer.
  std::vector<crypto::PublicKey> peers;
  std::vector<std::string> groups;
  std::vector<tunnel::IpPrefix> from;  // source addresses
  std::vector<tunnel::IpPrefix> to;    // destination addresses
  Protocol protocol = Protocol::any;
  std::vector<PortRange> ports;  // destination ports; tcp and udp only
  Action action = Action::allow;

  bool operator==(const Rule&) const = default;
};

struct PolicySettings {
  // Evaluated in order; the first that matches decides. None matches: the direction's default.
  std::vector<Rule> rules;
  Action inbound_default = Action::allow;
  Action outbound_default = Action::allow;
  // Flows tracked at most; the least recently seen one goes to make room.
  std::size_t max_flows = 16384;

  bool operator==(const PolicySettings&) const = default;
};

// What rules know of a peer besides its key.
struct PeerIdentity {
  crypto::PublicKey key;
  std::string name;
  std::vector<std::string> groups;
};

}  // namespace sluice::policy
