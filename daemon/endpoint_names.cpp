#include "daemon/endpoint_names.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "crypto/key_encoding.hpp"
#include "daemon/event.hpp"
#include "daemon/log.hpp"
#include "daemon/peer_event_text.hpp"
#include "tunnel/peer.hpp"
#include "uapi/lines.hpp"

namespace sluice::daemon {

EndpointNames::EndpointNames(EventLoop& loop, tunnel::Device& device, EventStream& events, Clock now)
    : loop_(loop), device_(device), events_(events), now_(std::move(now)) {}

void EndpointNames::set(tunnel::Peer& peer, const std::vector<std::string>& texts, tunnel::Instant now) {
  const auto found = followed_.find(peer.public_key());
  if (texts.empty()) {
    if (found != followed_.end()) followed_.erase(found);
    return;
  }
  if (found != followed_.end() && found->second.choice.texts() == texts) return;
  if (!resolver_) {
    try {
      resolver_ = std::make_unique<DnsResolver>(loop_);
    } catch (const std::runtime_error& e) {
      // The peer keeps the endpoint it has; a later set tries again.
      Log::error("{}: cannot follow {}: {}", peer_name(&peer), texts.front(), e.what());
      return;
    }
  }
  const auto at =
      followed_.insert_or_assign(peer.public_key(), Followed{EndpointChoice(texts, now), next_generation_++}).first;
  if (const auto first = at->second.choice.initial()) switch_endpoint(peer, at->second, *first, "configured", "name");
  start_lookups(at->first, at->second, now);
}

void EndpointNames::event(const tunnel::PeerEvent& event, tunnel::Instant now) {
  if (event.peer == nullptr) return;
  const auto found = followed_.find(event.peer->public_key());
  if (found == followed_.end()) return;
  EndpointChoice& choice = found->second.choice;
  // The event's peer is const; the device lends the same one for changing.
  tunnel::Peer* peer = device_.find_peer(found->first);
  if (peer == nullptr) return;
  using Kind = tunnel::PeerEventKind;
  switch (event.kind) {
    case Kind::initiation_sent:
    case Kind::handshake_given_up: {
      const auto next =
          event.kind == Kind::initiation_sent ? choice.initiation_sent(event.attempt) : choice.handshake_failing();
      if (next) switch_endpoint(*peer, found->second, *next, "handshakes are failing", "failover");
      // Lookups the failure made due (a name's address may have changed before its TTL ran out).
      start_lookups(found->first, found->second, now);
      return;
    }
    case Kind::session_started:
      choice.handshake_completed();
      return;
    case Kind::endpoint_changed:
      if (event.endpoint != nullptr) choice.roamed(*event.endpoint);
      return;
    default:
      return;
  }
}

void EndpointNames::tick(tunnel::Instant now) {
  if (!resolver_) return;
  resolver_->process_timeouts();
  if (++ticks_ % 10 != 0) return;
  // Once a second: lookups due, and peers removed since (by a set request or a reload).
  for (auto it = followed_.begin(); it != followed_.end();) {
    if (device_.find_peer(it->first) == nullptr) {
      it = followed_.erase(it);
    } else {
      start_lookups(it->first, it->second, now);
      ++it;
    }
  }
}

void EndpointNames::start_lookups(const crypto::PublicKey& key, Followed& followed, tunnel::Instant now) {
  const std::uint64_t generation = followed.generation;
  for (const std::size_t index : followed.choice.lookups_due(now)) {
    // A copy: an answer from /etc/hosts arrives before resolve() returns.
    const std::string host = followed.choice.entries()[index].name->host;
    resolver_->resolve(host, [this, key, generation, index](const DnsResolver::Answer& result) {
      answer(key, generation, index, result);
    });
  }
}

void EndpointNames::answer(const crypto::PublicKey& key, std::uint64_t generation, std::size_t index,
                           const DnsResolver::Answer& result) {
  const auto found = followed_.find(key);
  tunnel::Peer* peer = device_.find_peer(key);
  if (found == followed_.end() || found->second.generation != generation || peer == nullptr) return;
  EndpointChoice& choice = found->second.choice;
  const tunnel::Instant now = now_();
  if (!result.error.empty()) {
    const EndpointChoice::Entry& entry = choice.entries()[index];
    // One line when a name starts failing (and one when it resolves again), not one per retry.
    if (!entry.failing) {
      Log::warning("{}: cannot resolve {}: {}; {}", peer_name(peer), entry.text, result.error,
                   entry.address ? "keeping " + entry.address->to_string() + ", retrying" : std::string("retrying"));
    }
    if (const auto next = choice.lookup_failed(index, now)) {
      switch_endpoint(*peer, found->second, *next, "the endpoint in use does not resolve", "failover");
    }
    return;
  }
  const bool was_failing = choice.entries()[index].failing;
  const auto before = choice.entries()[index].address;
  const auto next = choice.answered(index, result.addresses, result.ttl, now);
  const EndpointChoice::Entry& entry = choice.entries()[index];
  if (entry.address != before || was_failing) name_resolved(*peer, entry, before, result.ttl);
  if (next) switch_endpoint(*peer, found->second, *next, "its name has a new address", "name");
}

void EndpointNames::switch_endpoint(tunnel::Peer& peer, const Followed& followed, const tunnel::Endpoint& to,
                                    std::string_view why, std::string_view reason) {
  const EndpointChoice& choice = followed.choice;
  const std::optional<tunnel::Endpoint> from = peer.endpoint();
  if (from == to) return;
  if (events_.active()) events_.publish(endpoint_changed_event(peer.public_key(), from, to, reason));
  peer.set_endpoint(to);
  Log::info("{}: endpoint {} -> {} ({} of {}: {}; {})", peer_name(&peer), from ? from->to_string() : "none",
            to.to_string(), choice.current() + 1, choice.entries().size(), choice.entries()[choice.current()].text,
            why);
}

void EndpointNames::name_resolved(const tunnel::Peer& peer, const EndpointChoice::Entry& entry,
                                  const std::optional<tunnel::Endpoint>& before, std::chrono::seconds ttl) {
  if (events_.active()) {
    std::vector<tunnel::IpAddress> old_addresses;
    std::vector<tunnel::IpAddress> new_addresses;
    if (before) old_addresses.push_back(before->address);
    if (entry.address) new_addresses.push_back(entry.address->address);
    events_.publish(name_resolved_event(peer.public_key(), entry.text, old_addresses, new_addresses,
                                        static_cast<std::uint32_t>(ttl.count())));
  }
  Log::info("{}: {} resolves to {} (TTL {} s)", peer_name(&peer), entry.text,
            entry.address ? entry.address->address.to_string() : "nothing", ttl.count());
}

std::string EndpointNames::serialize_info() const {
  std::string out;
  for (const auto& [key, followed] : followed_) {
    uapi::append_key_line(out, "endpoint_peer", key.span());
    for (const EndpointChoice::Entry& entry : followed.choice.entries())
      uapi::append_line(out, "endpoint_name", entry.text);
    uapi::append_line(out, "endpoint_in_use", followed.choice.current());
  }
  return out;
}

}  // namespace sluice::daemon
