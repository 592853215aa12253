#include "daemon/flows_answer.hpp"

#include <map>
#include <utility>

#include "crypto/key_encoding.hpp"
#include "uapi/lines.hpp"

namespace sluice::daemon {
namespace {

using policy::Direction;

// The answer is made whole on the loop's thread: a table of a million flows would hold it up (and
// take 300 MB); the most recent ones are what a reader wants.
constexpr std::size_t kMaxListedFlows = 10000;

std::uint64_t unix_ms(tunnel::Instant at, tunnel::Instant now, std::chrono::nanoseconds wall_now) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(wall_now - (now - at)).count());
}

void append_rule(std::string& out, const std::string& name, policy::Action action,
                 const policy::RuleCounters& counters) {
  uapi::append_line(out, "rule_counter", name);
  uapi::append_line(out, "rule_action", policy::to_string(action));
  uapi::append_line(out, "rule_flows", counters.flows);
  uapi::append_line(out, "rule_packets", counters.packets);
  uapi::append_line(out, "rule_bytes", counters.bytes);
}

// A Prometheus label value: backslash and double quote escaped (names hold no newline).
std::string label_value(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void append_sample(std::string& out, std::string_view metric, const std::string& labels, std::uint64_t value) {
  out.append(metric).append("{").append(labels).append("} ").append(std::to_string(value)).push_back('\n');
}

void append_family(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).push_back('\n');
}

}  // namespace

std::string serialize_flows(const policy::Policy& policy, tunnel::Instant now, std::chrono::nanoseconds wall_now) {
  std::string out;
  const policy::FlowTable& flows = policy.flows();
  uapi::append_line(out, "flows", flows.size());
  uapi::append_line(out, "max_flows", flows.capacity());
  uapi::append_line(out, "evictions", flows.evictions());
  std::size_t listed = 0;
  flows.for_each([&](const policy::Flow& flow) {
    if (listed++ >= kMaxListedFlows) return;
    const policy::FlowTuple tuple = flow.origin_tuple();
    uapi::append_line(out, "flow", policy::to_string(flow.origin));
    uapi::append_line(out, "public_key", crypto::encode_hex_key(flow.peer.span()));
    if (const std::string& name = policy.peer_name(flow.peer); !name.empty()) uapi::append_line(out, "peer_name", name);
    uapi::append_line(out, "protocol", tuple.protocol);
    uapi::append_line(out, "source", tuple.source_address().to_string());
    uapi::append_line(out, "source_port", tuple.source_port);
    uapi::append_line(out, "destination", tuple.destination_address().to_string());
    uapi::append_line(out, "destination_port", tuple.destination_port);
    uapi::append_line(out, "verdict", policy::to_string(flow.verdict));
    // A flow not seen since the rules changed keeps its old verdict until its next packet, and its
    // rule's place may now be another rule's.
    uapi::append_line(out, "rule",
                      policy.current(flow) ? policy.rule_name(flow.rule, flow.origin) : "(rules changed since)");
    const auto in = static_cast<int>(Direction::inbound);
    const auto outbound = static_cast<int>(Direction::outbound);
    uapi::append_line(out, "packets_in", flow.packets[in]);
    uapi::append_line(out, "bytes_in", flow.bytes[in]);
    uapi::append_line(out, "packets_out", flow.packets[outbound]);
    uapi::append_line(out, "bytes_out", flow.bytes[outbound]);
    uapi::append_line(out, "first_seen", unix_ms(flow.first_seen, now, wall_now));
    uapi::append_line(out, "last_seen", unix_ms(flow.last_seen, now, wall_now));
  });
  const policy::PolicySettings& settings = policy.settings();
  for (std::size_t i = 0; i < settings.rules.size(); ++i) {
    append_rule(out, policy.rule_name(static_cast<std::uint16_t>(i), settings.rules[i].direction),
                settings.rules[i].action, policy.rule_counters()[i]);
  }
  append_rule(out, policy.rule_name(policy::kDefaultRule, Direction::inbound), settings.inbound_default,
              policy.default_counters(Direction::inbound));
  append_rule(out, policy.rule_name(policy::kDefaultRule, Direction::outbound), settings.outbound_default,
              policy.default_counters(Direction::outbound));
  return out;
}

void append_policy_metrics(std::string& out, const std::string& labels, const policy::Policy& policy) {
  const policy::PolicySettings& settings = policy.settings();
  std::vector<std::pair<std::string, const policy::RuleCounters*>> rules;
  for (std::size_t i = 0; i < settings.rules.size(); ++i) {
    const std::string name = policy.rule_name(static_cast<std::uint16_t>(i), settings.rules[i].direction);
    rules.emplace_back(labels + ",rule=\"" + label_value(name) + "\",action=\"" +
                           std::string(policy::to_string(settings.rules[i].action)) + "\"",
                       &policy.rule_counters()[i]);
  }
  for (const Direction direction : {Direction::inbound, Direction::outbound}) {
    const policy::Action action =
        direction == Direction::inbound ? settings.inbound_default : settings.outbound_default;
    rules.emplace_back(labels + ",rule=\"" + policy.rule_name(policy::kDefaultRule, direction) + "\",action=\"" +
                           std::string(policy::to_string(action)) + "\"",
                       &policy.default_counters(direction));
  }
  constexpr std::pair<std::string_view, std::uint64_t policy::RuleCounters::*> kRuleFields[] = {
      {"flows", &policy::RuleCounters::flows},
      {"packets", &policy::RuleCounters::packets},
      {"bytes", &policy::RuleCounters::bytes}};
  for (const auto& [field, member] : kRuleFields) {
    const std::string metric = "sluice_policy_rule_" + std::string(field) + "_total";
    append_family(out, metric, "Per-rule count of " + std::string(field) + " the rule (or a default) decided.",
                  "counter");
    for (const auto& [rule_labels, counters] : rules) append_sample(out, metric, rule_labels, (*counters).*member);
  }
  // Flows by peer and verdict, counted at scrape time (a walk of the table, not of the data path).
  std::map<std::pair<std::string, std::string_view>, std::uint64_t> by_peer;
  policy.flows().for_each([&](const policy::Flow& flow) {
    ++by_peer[{crypto::encode_base64_key(flow.peer.span()).substr(0, 8), policy::to_string(flow.verdict)}];
  });
  append_family(out, "sluice_peer_flows", "Flows in the flow table, by peer and verdict.", "gauge");
  for (const auto& [key, count] : by_peer) {
    append_sample(out, "sluice_peer_flows",
                  labels + ",peer=\"" + key.first + "\",verdict=\"" + std::string(key.second) + "\"", count);
  }
  append_family(out, "sluice_policy_flows", "Flows in the flow table.", "gauge");
  append_sample(out, "sluice_policy_flows", labels, policy.flows().size());
}

}  // namespace sluice::daemon
