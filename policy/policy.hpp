// Rules and flows of one interface, evaluated per packet: one flow lookup per packet (or per
// super-packet), the rules only for a packet that starts a flow (or when the rules changed since
// the flow's verdict). Stateful: a flow's replies pass when its first packet did, whatever the
// rules say of that direction. Pure: time comes in, nothing is allocated per packet, no locks;
// one thread at a time (the daemon's loop thread) calls it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/flow_table.hpp"
#include "policy/rules.hpp"

namespace sluice::policy {

struct RuleCounters {
  std::uint64_t flows = 0;  // flows the rule decided
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  bool operator==(const RuleCounters&) const = default;
};

// How long a flow lives without a packet, as conntrack does in spirit: TCP long, a TCP flow that
// saw FIN or RST, UDP and ICMP short.
struct IdleTimeouts {
  tunnel::Duration tcp = std::chrono::hours(1);
  tunnel::Duration tcp_closing = std::chrono::seconds(10);
  tunnel::Duration udp = std::chrono::seconds(60);
  tunnel::Duration icmp = std::chrono::seconds(30);
  tunnel::Duration other = std::chrono::seconds(60);
};

class Policy {
 public:
  explicit Policy(IdleTimeouts timeouts = {});

  // New rules, defaults and identities. Flows stay and are judged again by the new rules at their
  // next packet, so a tightened rule cuts what it now denies; rules equal to one before keep its
  // counters. A new max_flows starts an empty table.
  void configure(const PolicySettings& settings, std::span<const PeerIdentity> identities);

  // Whether a packet (or a super-packet of `packets` segments, `bytes` in all) may pass, `peer`
  // being the peer that sent it (inbound) or that it goes to (outbound). Counts it on its flow
  // and on the rule (or default) that decided.
  bool admit(Direction direction, const crypto::PublicKey& peer, std::span<const std::uint8_t> packet,
             std::uint32_t packets, std::size_t bytes, tunnel::Instant now);

  // Drops flows idle past their timeout. Once a second or so.
  std::size_t expire(tunnel::Instant now);

  [[nodiscard]] const PolicySettings& settings() const noexcept { return settings_; }
  [[nodiscard]] const std::vector<PeerIdentity>& identities() const noexcept { return identity_list_; }
  // One per rule, in order.
  [[nodiscard]] const std::vector<RuleCounters>& rule_counters() const noexcept { return rule_counters_; }
  [[nodiscard]] const RuleCounters& default_counters(Direction direction) const noexcept {
    return default_counters_[static_cast<int>(direction)];
  }
  // The rule's name, "rule N" if it has none, or "default inbound"/"default outbound".
  [[nodiscard]] std::string rule_name(std::uint16_t rule, Direction direction) const;
  // Whether the flow's verdict is by the rules in force (else by earlier ones: it is judged again at
  // its next packet).
  [[nodiscard]] bool current(const Flow& flow) const noexcept { return flow.generation == generation_; }
  // The peer's name from the config, or empty.
  [[nodiscard]] const std::string& peer_name(const crypto::PublicKey& peer) const;
  [[nodiscard]] const FlowTable& flows() const noexcept { return flows_; }
  // Packets that were no IP packet: judged by the direction's default, tracked nowhere.
  [[nodiscard]] std::uint64_t unparsed() const noexcept { return unparsed_; }

 private:
  struct Identity {
    std::string name;
    std::uint64_t groups = 0;  // a bit per group that rules name
  };
  struct CompiledRule {
    std::uint64_t groups = 0;
    bool any_peer = true;
  };

  // The rule index (or kDefaultRule) that decides a flow's first packet.
  [[nodiscard]] std::uint16_t evaluate(Direction direction, const crypto::PublicKey& peer,
                                       const FlowTuple& tuple) const;
  [[nodiscard]] bool matches(std::size_t index, Direction direction, const crypto::PublicKey& peer,
                             std::uint64_t peer_groups, const FlowTuple& tuple) const;
  void decide(Flow& flow, Direction direction, const crypto::PublicKey& peer, const FlowTuple& tuple);
  [[nodiscard]] RuleCounters& counters_of(std::uint16_t rule, Direction origin) noexcept;
  [[nodiscard]] tunnel::Duration idle_timeout(const Flow& flow) const noexcept;

  IdleTimeouts timeouts_;
  PolicySettings settings_;
  std::vector<CompiledRule> compiled_;
  std::unordered_map<crypto::PublicKey, Identity, crypto::PublicKeyHash> identities_;
  std::vector<PeerIdentity> identity_list_;  // as configured
  std::vector<RuleCounters> rule_counters_;
  RuleCounters default_counters_[2];
  std::uint32_t generation_ = 0;
  FlowTable flows_;
  // The last packet's key and its hash: a TCP stream brings dozens of packets of one flow in a
  // row, and the keyed hash (SipHash) of each was 1.6 % of a receiver's CPU.
  FlowKey last_key_;
  std::uint64_t last_hash_;
  std::uint64_t unparsed_ = 0;
};

}  // namespace sluice::policy
