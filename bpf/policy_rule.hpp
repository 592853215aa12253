// The C++ face of the container policy maps (container_policy_maps.h): rules, defaults, counters
// and flows as values, and their conversion to and from the maps' plain structs. The policy
// library's rules compile into a list of Rule.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpf/container_policy_maps.h"
#include "tunnel/ip_address.hpp"

namespace sluice::bpf {

enum class Direction : std::uint8_t {
  to_container = SLUICE_DIR_TO_CONTAINER,
  from_container = SLUICE_DIR_FROM_CONTAINER,
};
enum class Action : std::uint8_t { deny = SLUICE_ACTION_DENY, allow = SLUICE_ACTION_ALLOW };

// First match wins. The remote end is the source of packets to the container and the destination
// of packets from it; the port range applies to TCP and UDP only and is the destination port of a
// flow's first packet (the service port). protocol 0 is any. remote_peer: the remote end must
// also lie in the peers set (remote 0/0 then means any peer).
struct Rule {
  Direction direction = Direction::to_container;
  tunnel::IpPrefix remote;
  std::uint8_t protocol = 0;
  std::uint16_t port_min = 0;
  std::uint16_t port_max = 65535;
  Action action = Action::deny;
  bool remote_peer = false;

  bool operator==(const Rule&) const = default;
};

struct PeerDefaults {
  Action to_container = Action::deny;
  Action from_container = Action::allow;

  bool operator==(const PeerDefaults&) const = default;
};

// What no rule decides. With peers set, a remote end in the peers set gets those instead.
struct Defaults {
  Action to_container = Action::deny;
  Action from_container = Action::allow;
  std::optional<PeerDefaults> peers;

  bool operator==(const Defaults&) const = default;
};

struct Counter {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

// Per rule (index as given to set_rules), and per direction for the defaults and the peer
// defaults. A counter holds every packet of the flows its rule (or default) decided, both ways.
struct Counters {
  std::vector<Counter> rules;
  Counter default_to_container;
  Counter default_from_container;
  Counter peer_default_to_container;
  Counter peer_default_from_container;
};

// Which default decided a flow no rule did: the plain one, or the peer default (remote end a peer).
enum class DefaultKind : std::uint8_t { plain, peer };

struct Flow {
  tunnel::IpAddress source;  // of the first packet
  tunnel::IpAddress destination;
  std::uint16_t source_port = 0;  // ICMP: echo id, or type (source) and code (destination)
  std::uint16_t destination_port = 0;
  std::uint8_t protocol = 0;
  Direction direction = Direction::to_container;  // of the first packet
  Action verdict = Action::deny;
  std::optional<std::uint16_t> rule;  // none: a default decided, default_kind says which
  DefaultKind default_kind = DefaultKind::plain;
  std::array<Counter, 2> by_direction{};  // indexed by Direction
  std::uint64_t first_seen_ns = 0;        // CLOCK_MONOTONIC
  std::uint64_t last_seen_ns = 0;
};

// Throws std::invalid_argument naming the problem (port_min > port_max, an unknown protocol).
sluice_policy_rule encode_rule(const Rule& rule);
Flow decode_flow(const sluice_flow_key& key, const sluice_flow_value& value);
// A prefix of the peers set as its LPM trie key, and back.
sluice_peer_key encode_peer(const tunnel::IpPrefix& prefix);
tunnel::IpPrefix decode_peer(const sluice_peer_key& key);

// "rule N", "default" or "peer default".
std::string decider_text(const Flow& flow);

// "tcp", "udp", "icmp", "icmpv6", "any" or a number 0..255; throws std::invalid_argument.
std::uint8_t parse_protocol(const std::string& text);
const char* direction_name(Direction direction);
const char* action_name(Action action);

}  // namespace sluice::bpf
