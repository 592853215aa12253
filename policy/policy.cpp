#include "policy/policy.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice::policy {
namespace {

bool in_any(const std::vector<tunnel::IpPrefix>& prefixes, const tunnel::IpAddress& address) {
  return prefixes.empty() || std::any_of(prefixes.begin(), prefixes.end(),
                                         [&](const tunnel::IpPrefix& prefix) { return prefix.contains(address); });
}

bool protocol_matches(Protocol protocol, std::uint8_t number) {
  switch (protocol) {
    case Protocol::any:
      return true;
    case Protocol::icmp:
      return number == kIcmp || number == kIcmpV6;
    case Protocol::tcp:
    case Protocol::udp:
      return number == static_cast<std::uint8_t>(protocol);
  }
  return false;
}

// Public keys are no secret: a plain comparison (the keys' own operator== is constant-time, and
// costs more than the rest of a packet's lookup).
bool same_key(const crypto::PublicKey& a, const crypto::PublicKey& b) { return a.bytes == b.bytes; }

}  // namespace

Policy::Policy(IdleTimeouts timeouts)
    : timeouts_(timeouts), flows_(PolicySettings{}.max_flows), last_hash_(FlowTable::hash(last_key_)) {}

void Policy::configure(const PolicySettings& settings, std::span<const PeerIdentity> identities) {
  // Group names that rules use get a bit each; groups no rule names need none.
  std::vector<std::string> groups;
  for (const Rule& rule : settings.rules) {
    for (const std::string& group : rule.groups) {
      if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    }
  }
  if (groups.size() > 64) throw std::invalid_argument("rules name more than 64 groups");
  const auto bit_of = [&](const std::string& group) -> std::uint64_t {
    const auto it = std::find(groups.begin(), groups.end(), group);
    return it == groups.end() ? 0 : std::uint64_t{1} << (it - groups.begin());
  };

  std::vector<RuleCounters> counters(settings.rules.size());
  for (std::size_t i = 0; i < settings.rules.size(); ++i) {
    const auto old = std::find(settings_.rules.begin(), settings_.rules.end(), settings.rules[i]);
    if (old != settings_.rules.end())
      counters[i] = rule_counters_[static_cast<std::size_t>(old - settings_.rules.begin())];
  }
  std::vector<CompiledRule> compiled;
  for (const Rule& rule : settings.rules) {
    CompiledRule out;
    for (const std::string& group : rule.groups) out.groups |= bit_of(group);
    out.any_peer = rule.peers.empty() && rule.groups.empty();
    compiled.push_back(out);
  }
  identities_.clear();
  for (const PeerIdentity& identity : identities) {
    Identity& out = identities_[identity.key];
    out.name = identity.name;
    for (const std::string& group : identity.groups) out.groups |= bit_of(group);
  }
  if (settings.max_flows != flows_.capacity()) flows_ = FlowTable(settings.max_flows);
  settings_ = settings;
  identity_list_.assign(identities.begin(), identities.end());
  compiled_ = std::move(compiled);
  rule_counters_ = std::move(counters);
  ++generation_;
}

bool Policy::matches(std::size_t index, Direction direction, const crypto::PublicKey& peer, std::uint64_t peer_groups,
                     const FlowTuple& tuple) const {
  const Rule& rule = settings_.rules[index];
  const CompiledRule& compiled = compiled_[index];
  if (rule.direction != direction) return false;
  if (!compiled.any_peer && (compiled.groups & peer_groups) == 0 &&
      std::none_of(rule.peers.begin(), rule.peers.end(),
                   [&](const crypto::PublicKey& key) { return same_key(key, peer); })) {
    return false;
  }
  if (!protocol_matches(rule.protocol, tuple.protocol)) return false;
  if (!rule.ports.empty() && std::none_of(rule.ports.begin(), rule.ports.end(), [&](const PortRange& range) {
        return tuple.destination_port >= range.first && tuple.destination_port <= range.last;
      })) {
    return false;
  }
  return in_any(rule.from, tuple.source_address()) && in_any(rule.to, tuple.destination_address());
}

std::uint16_t Policy::evaluate(Direction direction, const crypto::PublicKey& peer, const FlowTuple& tuple) const {
  const auto identity = identities_.find(peer);
  const std::uint64_t groups = identity == identities_.end() ? 0 : identity->second.groups;
  for (std::size_t i = 0; i < settings_.rules.size() && i < kDefaultRule; ++i) {
    if (matches(i, direction, peer, groups, tuple)) return static_cast<std::uint16_t>(i);
  }
  return kDefaultRule;
}

void Policy::decide(Flow& flow, Direction direction, const crypto::PublicKey& peer, const FlowTuple& tuple) {
  flow.rule = evaluate(direction, peer, tuple);
  if (flow.rule == kDefaultRule) {
    flow.verdict = direction == Direction::inbound ? settings_.inbound_default : settings_.outbound_default;
  } else {
    flow.verdict = settings_.rules[flow.rule].action;
  }
  flow.generation = generation_;
  ++counters_of(flow.rule, direction).flows;
}

RuleCounters& Policy::counters_of(std::uint16_t rule, Direction origin) noexcept {
  return rule == kDefaultRule ? default_counters_[static_cast<int>(origin)] : rule_counters_[rule];
}

bool Policy::admit(Direction direction, const crypto::PublicKey& peer, std::span<const std::uint8_t> packet,
                   std::uint32_t packets, std::size_t bytes, tunnel::Instant now) {
  const auto facts = read_packet(packet);
  if (!facts) {
    ++unparsed_;
    RuleCounters& counters = default_counters_[static_cast<int>(direction)];
    counters.packets += packets;
    counters.bytes += bytes;
    return (direction == Direction::inbound ? settings_.inbound_default : settings_.outbound_default) == Action::allow;
  }
  bool source_is_low = true;
  const FlowKey key = FlowKey::of(facts->tuple, source_is_low);
  if (!(key == last_key_)) {
    last_key_ = key;
    last_hash_ = FlowTable::hash(key);
  }
  const std::uint64_t hash = last_hash_;
  Flow* flow = flows_.find(key, hash);
  if (flow != nullptr && (now - flow->last_seen > idle_timeout(*flow) || !same_key(flow->peer, peer))) {
    // Gone idle, or the address now belongs to another peer: a new flow.
    flows_.erase(*flow);
    flow = nullptr;
  }
  if (flow == nullptr) {
    flow = &flows_.insert(key, hash);
    flow->origin_is_low = source_is_low;
    flow->origin = direction;
    flow->peer = peer;
    flow->first_seen = now;
    decide(*flow, direction, peer, facts->tuple);
  } else {
    flows_.touch(*flow);
    if (flow->verdict == Action::deny && direction != flow->origin) {
      // A denied flow has no replies: this packet starts one the other way, judged as new.
      flow->origin_is_low = source_is_low;
      flow->origin = direction;
      decide(*flow, direction, peer, facts->tuple);
    } else if (flow->generation != generation_) {
      decide(*flow, flow->origin, peer, flow->origin_tuple());
    }
  }
  const int way = static_cast<int>(direction);
  flow->packets[way] += packets;
  flow->bytes[way] += bytes;
  flow->last_seen = now;
  if (facts->tcp_closing) flow->closing = true;
  RuleCounters& counters = counters_of(flow->rule, flow->origin);
  counters.packets += packets;
  counters.bytes += bytes;
  return flow->verdict == Action::allow;
}

tunnel::Duration Policy::idle_timeout(const Flow& flow) const noexcept {
  switch (flow.key.protocol) {
    case kTcp:
      return flow.closing ? timeouts_.tcp_closing : timeouts_.tcp;
    case kUdp:
      return timeouts_.udp;
    case kIcmp:
    case kIcmpV6:
      return timeouts_.icmp;
    default:
      return timeouts_.other;
  }
}

std::size_t Policy::expire(tunnel::Instant now) {
  return flows_.erase_if([&](const Flow& flow) { return now - flow.last_seen > idle_timeout(flow); });
}

std::string Policy::rule_name(std::uint16_t rule, Direction direction) const {
  if (rule == kDefaultRule || rule >= settings_.rules.size()) return "default " + std::string(to_string(direction));
  const std::string& name = settings_.rules[rule].name;
  return name.empty() ? "rule " + std::to_string(rule + 1) : name;
}

const std::string& Policy::peer_name(const crypto::PublicKey& peer) const {
  static const std::string kNone;
  const auto it = identities_.find(peer);
  return it == identities_.end() ? kNone : it->second.name;
}

}  // namespace sluice::policy
