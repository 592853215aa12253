// What the event stream (`sluicectl events`, daemon/event_stream.hpp) carries: one Event per thing
// that happened to the interface, as data; daemon/event_format.hpp turns it into a text or JSON
// line. Peers are named by their public key; no event ever holds a private or preshared key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/ip_address.hpp"
#include "tunnel/peer_event.hpp"

namespace sluice::daemon {

// none: JSON null, "none" in text (an endpoint not known yet); a list: a JSON array, comma-joined
// in text.
using EventValue = std::variant<std::monostate, std::string, std::uint64_t, std::vector<std::string>>;

struct EventField {
  std::string key;
  EventValue value;
};

struct Event {
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  std::string kind;                // "handshake_completed", ...: the text line's third word, JSON's "event"
  std::vector<EventField> fields;  // in the order they are printed
};

// The core's events that the stream shows (session_started as handshake_completed,
// handshake_given_up, endpoint_changed); nothing for the others. Call from Sink::event(), while the
// peer still has its old endpoint (the core reports endpoint_changed before it sets the new one).
[[nodiscard]] std::optional<Event> core_event(const tunnel::PeerEvent& event);

// A peer's endpoint changed for a reason other than roaming (the core's own event): "name" (its
// DNS name resolved to a new address) or "failover" (the next of several endpoints is tried).
[[nodiscard]] Event endpoint_changed_event(const crypto::PublicKey& peer, const std::optional<tunnel::Endpoint>& old,
                                           const tunnel::Endpoint& now, std::string_view reason);
// A peer's endpoint `name` was resolved (again): the addresses before and after, and the TTL of
// the answer in seconds.
[[nodiscard]] Event name_resolved_event(const crypto::PublicKey& peer, std::string_view name,
                                        std::span<const tunnel::IpAddress> old, std::span<const tunnel::IpAddress> now,
                                        std::uint32_t ttl_seconds);

// From control-socket set requests and config reloads (daemon/uapi_apply.cpp).
[[nodiscard]] Event peer_added_event(const crypto::PublicKey& peer, const std::optional<tunnel::Endpoint>& endpoint,
                                     std::span<const tunnel::IpPrefix> allowed_ips);
[[nodiscard]] Event peer_removed_event(const crypto::PublicKey& peer);
// `changed`: which settings changed (endpoint, preshared_key, persistent_keepalive, allowed_ips);
// the new endpoint and allowed IPs are shown, a preshared key never.
[[nodiscard]] Event peer_changed_event(const crypto::PublicKey& peer, std::vector<std::string> changed,
                                       const std::optional<tunnel::Endpoint>& endpoint,
                                       std::span<const tunnel::IpPrefix> allowed_ips);
// The interface's private key changed; the event shows the new public key (none: key removed).
[[nodiscard]] Event private_key_changed_event(const std::optional<crypto::PublicKey>& public_key);

// The stream's own: the first line of every stream, and how many events a slow reader lost.
[[nodiscard]] Event subscribed_event();
[[nodiscard]] Event lost_event(std::uint64_t count);

}  // namespace sluice::daemon
