#include "ctl/container_flows.hpp"

#include <algorithm>
#include <ctime>

#include "crypto/key_encoding.hpp"

namespace sluice::ctl {
namespace {

std::string counter_text(const bpf::Counter& counter) {
  return std::to_string(counter.packets) + " packets, " + std::to_string(counter.bytes) + " bytes";
}

nlohmann::ordered_json counter_json(const bpf::Counter& counter) {
  return {{"packets", counter.packets}, {"bytes", counter.bytes}};
}

std::uint64_t clock_ns(clockid_t clock) {
  timespec now{};
  ::clock_gettime(clock, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(now.tv_nsec);
}

// "ID IFNAME", or what stands in for them.
std::string container_name(const ContainerFlows& container) {
  if (container.veth_gone) return "(veth gone)";
  if (!container.alias) return "(no sluice-cni alias)";
  return container.alias->container_id + " " + container.alias->ifname;
}

}  // namespace

std::optional<CniAlias> parse_cni_alias(std::string_view alias) {
  while (!alias.empty() && (alias.back() == '\n' || alias.back() == ' ')) alias.remove_suffix(1);
  std::vector<std::string> words;
  while (!alias.empty()) {
    const auto space = alias.find(' ');
    if (space != 0) words.emplace_back(alias.substr(0, space));
    if (space == std::string_view::npos) break;
    alias.remove_prefix(space + 1);
  }
  if (words.size() != 4 || words[0] != "sluice-cni") return std::nullopt;
  return CniAlias{words[1], words[2], words[3]};
}

const PeerRoutes* peer_for(std::span<const PeerRoutes> peers, const tunnel::IpAddress& address) {
  const PeerRoutes* best = nullptr;
  unsigned best_cidr = 0;
  for (const PeerRoutes& peer : peers) {
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) {
      if (prefix.contains(address) && (best == nullptr || prefix.cidr() > best_cidr)) {
        best = &peer;
        best_cidr = prefix.cidr();
      }
    }
  }
  return best;
}

std::string peer_short_label(const PeerRoutes& peer) {
  return peer.name.empty() ? crypto::encode_base64_key(peer.key.span()).substr(0, 8) : peer.name;
}

Clocks read_clocks() { return {clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_REALTIME) / 1'000'000U}; }

std::uint64_t monotonic_to_unix_ms(std::uint64_t monotonic_ns, Clocks now) {
  const std::uint64_t age_ms = monotonic_ns < now.monotonic_ns ? (now.monotonic_ns - monotonic_ns) / 1'000'000U : 0;
  return age_ms < now.unix_ms ? now.unix_ms - age_ms : 0;
}

ContainerFlows container_flows(std::string network, std::string veth, std::string pin_dir,
                               const std::optional<std::string>& alias, const std::vector<bpf::Flow>& flows,
                               bpf::Counters counters, std::span<const PeerRoutes> peers, Clocks now) {
  ContainerFlows out{std::move(network), std::move(veth), std::move(pin_dir), !alias.has_value(), std::nullopt, {},
                     std::move(counters)};
  if (alias) out.alias = parse_cni_alias(*alias);
  for (const bpf::Flow& flow : flows) {
    const auto to = static_cast<std::size_t>(bpf::Direction::to_container);
    const auto from = static_cast<std::size_t>(bpf::Direction::from_container);
    ContainerFlow entry;
    FlowRecord& record = entry.record;
    record.origin = bpf::direction_name(flow.direction);
    record.protocol = flow.protocol;
    record.source = flow.source.to_string();
    record.source_port = flow.source_port;
    record.destination = flow.destination.to_string();
    record.destination_port = flow.destination_port;
    record.verdict = bpf::action_name(flow.verdict);
    record.rule = bpf::decider_text(flow);
    record.packets_in = flow.by_direction[to].packets;
    record.bytes_in = flow.by_direction[to].bytes;
    record.packets_out = flow.by_direction[from].packets;
    record.bytes_out = flow.by_direction[from].bytes;
    record.first_seen = monotonic_to_unix_ms(flow.first_seen_ns, now);
    record.last_seen = monotonic_to_unix_ms(flow.last_seen_ns, now);
    // The remote end: the source of a flow to the container, the destination of one from it.
    const auto& remote = flow.direction == bpf::Direction::to_container ? flow.source : flow.destination;
    if (const PeerRoutes* peer = peer_for(peers, remote)) {
      entry.peer_known = true;
      record.peer = peer->key;
      record.peer_name = peer->name;
    }
    entry.rule = flow.rule;
    entry.default_kind = flow.default_kind;
    entry.last_seen_ns = flow.last_seen_ns;
    out.flows.push_back(std::move(entry));
  }
  std::stable_sort(out.flows.begin(), out.flows.end(), [](const ContainerFlow& a, const ContainerFlow& b) {
    return a.record.last_seen > b.record.last_seen;
  });
  return out;
}

void keep_container_peer(std::vector<ContainerFlows>& containers, std::string_view peer) {
  for (ContainerFlows& container : containers) {
    std::erase_if(container.flows, [&](const ContainerFlow& flow) {
      return !flow.peer_known ||
             (flow.record.peer_name != peer && crypto::encode_base64_key(flow.record.peer.span()) != peer);
    });
  }
}

std::string container_flow_line(const ContainerFlow& flow) {
  FlowRecord shown = flow.record;
  if (!flow.peer_known) {
    shown.peer_name = "-";
  } else if (shown.peer_name.empty()) {
    shown.peer_name = peer_short_label({flow.record.peer, {}, {}});
  }
  return flow_line(shown);
}

std::string container_text(const ContainerFlows& container) {
  std::string out("container: ");
  out.append(container_name(container));
  out.append(" (network ").append(container.network).append(", veth ").append(container.veth).append(", ");
  out.append(std::to_string(container.flows.size())).append(" flows)\n");
  for (auto it = container.flows.rbegin(); it != container.flows.rend(); ++it) {
    out.append(container_flow_line(*it)).append("\n");
  }
  out.append("rules:\n");
  for (std::size_t i = 0; i < container.counters.rules.size(); ++i) {
    out.append("  rule ").append(std::to_string(i)).append(": ");
    out.append(counter_text(container.counters.rules[i])).append("\n");
  }
  out.append("  default to_container: ").append(counter_text(container.counters.default_to_container)).append("\n");
  out.append("  default from_container: ").append(counter_text(container.counters.default_from_container));
  out.append("\n  peer default to_container: ").append(counter_text(container.counters.peer_default_to_container));
  out.append("\n  peer default from_container: ").append(counter_text(container.counters.peer_default_from_container));
  return out.append("\n");
}

nlohmann::ordered_json container_flow_json(const ContainerFlow& flow) {
  const FlowRecord& record = flow.record;
  return {{"peer", flow.peer_known ? nlohmann::ordered_json(crypto::encode_base64_key(record.peer.span())) : nullptr},
          {"peer_name", record.peer_name},
          {"direction", record.origin},
          {"protocol", record.protocol},
          {"source", record.source},
          {"source_port", record.source_port},
          {"destination", record.destination},
          {"destination_port", record.destination_port},
          {"verdict", record.verdict},
          {"rule", flow.rule ? nlohmann::ordered_json(*flow.rule)
                             : nlohmann::ordered_json(flow.default_kind == bpf::DefaultKind::peer ? "peer default"
                                                                                                  : "default")},
          {"packets_to_container", record.packets_in},
          {"bytes_to_container", record.bytes_in},
          {"packets_from_container", record.packets_out},
          {"bytes_from_container", record.bytes_out},
          {"first_seen_ms", record.first_seen},
          {"last_seen_ms", record.last_seen}};
}

std::string container_follow_line(const ContainerFlows& container, const ContainerFlow& flow) {
  const std::string id = container.alias ? container.alias->container_id : container.veth;
  return "container " + id + ": " + container_flow_line(flow);
}

nlohmann::ordered_json container_follow_json(const ContainerFlows& container, const ContainerFlow& flow) {
  nlohmann::ordered_json line = {
      {"network", container.network},
      {"veth", container.veth},
      {"container_id", container.alias ? nlohmann::ordered_json(container.alias->container_id) : nullptr}};
  line.update(container_flow_json(flow));
  return line;
}

nlohmann::ordered_json container_json(const ContainerFlows& container) {
  nlohmann::ordered_json flows = nlohmann::ordered_json::array();
  for (const ContainerFlow& flow : container.flows) flows.push_back(container_flow_json(flow));
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < container.counters.rules.size(); ++i) {
    nlohmann::ordered_json rule = {{"rule", i}};
    rule.update(counter_json(container.counters.rules[i]));
    rules.push_back(std::move(rule));
  }
  const bool named = container.alias.has_value();
  return {{"network", container.network},
          {"veth", container.veth},
          {"veth_gone", container.veth_gone},
          {"container_id", named ? nlohmann::ordered_json(container.alias->container_id) : nullptr},
          {"ifname", named ? nlohmann::ordered_json(container.alias->ifname) : nullptr},
          {"pin", container.pin_dir},
          {"flows", flows},
          {"rules", rules},
          {"default",
           {{"to_container", counter_json(container.counters.default_to_container)},
            {"from_container", counter_json(container.counters.default_from_container)}}},
          {"peer_default",
           {{"to_container", counter_json(container.counters.peer_default_to_container)},
            {"from_container", counter_json(container.counters.peer_default_from_container)}}}};
}

}  // namespace sluice::ctl
