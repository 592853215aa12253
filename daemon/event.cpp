#include "daemon/event.hpp"

#include "crypto/key_encoding.hpp"
#include "tunnel/peer.hpp"

namespace sluice::daemon {
namespace {

std::string key_text(const crypto::PublicKey& key) { return crypto::encode_base64_key(key.span()); }

EventValue endpoint_value(const std::optional<tunnel::Endpoint>& endpoint) {
  if (!endpoint) return std::monostate{};
  return endpoint->to_string();
}

template <typename Item>
std::vector<std::string> texts(std::span<const Item> items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.to_string());
  return out;
}

Event make(std::string kind, std::vector<EventField> fields) {
  Event event;
  event.kind = std::move(kind);
  event.fields = std::move(fields);
  return event;
}

}  // namespace

std::optional<Event> core_event(const tunnel::PeerEvent& event) {
  using Kind = tunnel::PeerEventKind;
  if (event.peer == nullptr) return std::nullopt;
  const tunnel::Peer& peer = *event.peer;
  switch (event.kind) {
    case Kind::session_started: {
      // The new session went into the current slot and the one it replaces, if any was still
      // held, into the previous one: a rotation. After the keys were zeroed (or at first) none.
      const bool rotated = peer.keypairs().previous() != nullptr;
      return make("handshake_completed", {{"peer", key_text(peer.public_key())},
                                          {"endpoint", endpoint_value(peer.endpoint())},
                                          {"session", std::string(rotated ? "rotated" : "first")}});
    }
    case Kind::handshake_given_up:
      return make("handshake_given_up", {{"peer", key_text(peer.public_key())},
                                         {"endpoint", endpoint_value(peer.endpoint())},
                                         {"attempts", static_cast<std::uint64_t>(event.attempt)}});
    case Kind::endpoint_changed:
      if (event.endpoint == nullptr) return std::nullopt;
      return endpoint_changed_event(peer.public_key(), peer.endpoint(), *event.endpoint, "roaming");
    default:
      return std::nullopt;
  }
}

Event endpoint_changed_event(const crypto::PublicKey& peer, const std::optional<tunnel::Endpoint>& old,
                             const tunnel::Endpoint& now, std::string_view reason) {
  return make("endpoint_changed", {{"peer", key_text(peer)},
                                   {"old", endpoint_value(old)},
                                   {"new", now.to_string()},
                                   {"reason", std::string(reason)}});
}

Event name_resolved_event(const crypto::PublicKey& peer, std::string_view name, std::span<const tunnel::IpAddress> old,
                          std::span<const tunnel::IpAddress> now, std::uint32_t ttl_seconds) {
  return make("name_resolved", {{"peer", key_text(peer)},
                                {"name", std::string(name)},
                                {"old", texts(old)},
                                {"new", texts(now)},
                                {"ttl", std::uint64_t{ttl_seconds}}});
}

Event peer_added_event(const crypto::PublicKey& peer, const std::optional<tunnel::Endpoint>& endpoint,
                       std::span<const tunnel::IpPrefix> allowed_ips) {
  return make("peer_added",
              {{"peer", key_text(peer)}, {"endpoint", endpoint_value(endpoint)}, {"allowed_ips", texts(allowed_ips)}});
}

Event peer_removed_event(const crypto::PublicKey& peer) { return make("peer_removed", {{"peer", key_text(peer)}}); }

Event peer_changed_event(const crypto::PublicKey& peer, std::vector<std::string> changed,
                         const std::optional<tunnel::Endpoint>& endpoint,
                         std::span<const tunnel::IpPrefix> allowed_ips) {
  return make("peer_changed", {{"peer", key_text(peer)},
                               {"changed", std::move(changed)},
                               {"endpoint", endpoint_value(endpoint)},
                               {"allowed_ips", texts(allowed_ips)}});
}

Event private_key_changed_event(const std::optional<crypto::PublicKey>& public_key) {
  return make("private_key_changed",
              {{"public_key", public_key ? EventValue(key_text(*public_key)) : EventValue(std::monostate{})}});
}

Event subscribed_event() { return make("subscribed", {}); }

Event lost_event(std::uint64_t count) { return make("lost", {{"count", count}}); }

}  // namespace sluice::daemon
