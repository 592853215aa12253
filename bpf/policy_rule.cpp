#include "bpf/policy_rule.hpp"

#include <cstring>
#include <stdexcept>

#include "tunnel/parse_number.hpp"

namespace sluice::bpf {

namespace {

tunnel::IpAddress address_of(const __u32 (&words)[4], std::uint8_t family) {
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), words, bytes.size());
  return tunnel::IpAddress::from_bytes(std::span<const std::uint8_t>(bytes).first(family == 4 ? 4 : 16));
}

}  // namespace

sluice_policy_rule encode_rule(const Rule& rule) {
  if (rule.port_min > rule.port_max) {
    throw std::invalid_argument("port range " + std::to_string(rule.port_min) + "-" + std::to_string(rule.port_max) +
                                " is empty");
  }
  sluice_policy_rule out{};
  out.direction = static_cast<__u8>(rule.direction);
  const auto masked = rule.remote.masked();
  out.family = masked.address().is_v4() ? 4 : 6;
  out.prefix_len = static_cast<__u8>(masked.cidr());
  out.protocol = rule.protocol;
  out.port_min = rule.port_min;
  out.port_max = rule.port_max;
  out.action = static_cast<__u8>(rule.action);
  out.flags = rule.remote_peer ? SLUICE_RULE_REMOTE_PEER : 0;
  const auto bytes = masked.address().bytes();
  std::memcpy(out.addr, bytes.data(), bytes.size());
  return out;
}

Flow decode_flow(const sluice_flow_key& key, const sluice_flow_value& value) {
  Flow flow{
      .source = address_of(key.src, key.family),
      .destination = address_of(key.dst, key.family),
      .source_port = key.sport,
      .destination_port = key.dport,
      .protocol = key.protocol,
      .direction = value.direction == SLUICE_DIR_FROM_CONTAINER ? Direction::from_container : Direction::to_container,
      .verdict = value.verdict == SLUICE_ACTION_ALLOW ? Action::allow : Action::deny,
      .rule = std::nullopt,
      .default_kind = DefaultKind::plain,
      .by_direction = {},
      .first_seen_ns = value.first_seen_ns,
      .last_seen_ns = value.last_seen_ns};
  if (value.rule == SLUICE_POLICY_RULE_PEER_DEFAULT) {
    flow.default_kind = DefaultKind::peer;
  } else if (value.rule != SLUICE_POLICY_RULE_DEFAULT) {
    flow.rule = value.rule;
  }
  for (int d = 0; d < 2; ++d) flow.by_direction[d] = Counter{value.packets[d], value.bytes[d]};
  return flow;
}

sluice_peer_key encode_peer(const tunnel::IpPrefix& prefix) {
  const auto masked = prefix.masked();
  sluice_peer_key key{};
  key.family = masked.address().is_v4() ? 4 : 6;
  key.prefixlen = SLUICE_PEER_KEY_FAMILY_BITS + masked.cidr();
  const auto bytes = masked.address().bytes();
  std::memcpy(key.addr, bytes.data(), bytes.size());
  return key;
}

tunnel::IpPrefix decode_peer(const sluice_peer_key& key) {
  const std::uint8_t family = key.family == 4 ? 4 : 6;
  const unsigned bits = key.prefixlen > SLUICE_PEER_KEY_FAMILY_BITS ? key.prefixlen - SLUICE_PEER_KEY_FAMILY_BITS : 0;
  return tunnel::IpPrefix(address_of(key.addr, family), bits);
}

std::string decider_text(const Flow& flow) {
  if (flow.rule) return "rule " + std::to_string(*flow.rule);
  return flow.default_kind == DefaultKind::peer ? "peer default" : "default";
}

std::uint8_t parse_protocol(const std::string& text) {
  if (text == "any") return 0;
  if (text == "icmp") return 1;
  if (text == "tcp") return 6;
  if (text == "udp") return 17;
  if (text == "icmpv6") return 58;
  if (const auto number = tunnel::parse_unsigned<std::uint8_t>(text)) return *number;
  throw std::invalid_argument("unknown protocol \"" + text + "\" (tcp, udp, icmp, icmpv6, any or 0..255)");
}

const char* direction_name(Direction direction) {
  return direction == Direction::to_container ? "to_container" : "from_container";
}

const char* action_name(Action action) { return action == Action::allow ? "allow" : "deny"; }

}  // namespace sluice::bpf
