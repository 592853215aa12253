#include "uapi/policy_text.hpp"

#include <charconv>
#include <stdexcept>

#include "crypto/key_encoding.hpp"
#include "uapi/lines.hpp"

namespace sluice::uapi {
namespace {

policy::Action parse_action(std::string_view text) {
  if (text == "allow") return policy::Action::allow;
  if (text == "deny") return policy::Action::deny;
  throw std::invalid_argument("expected allow or deny");
}

std::uint64_t parse_number(std::string_view text, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max) {
    throw std::invalid_argument("expected a number up to " + std::to_string(max));
  }
  return value;
}

crypto::PublicKey parse_key(std::string_view text) {
  crypto::PublicKey key;
  crypto::decode_hex_key(text, key.bytes);
  return key;
}

policy::PortRange parse_ports(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) throw std::invalid_argument("expected FIRST-LAST");
  return {static_cast<std::uint16_t>(parse_number(text.substr(0, dash), 65535)),
          static_cast<std::uint16_t>(parse_number(text.substr(dash + 1), 65535))};
}

policy::Protocol parse_protocol(std::string_view text) {
  for (const auto protocol :
       {policy::Protocol::any, policy::Protocol::tcp, policy::Protocol::udp, policy::Protocol::icmp}) {
    if (text == policy::to_string(protocol)) return protocol;
  }
  throw std::invalid_argument("unknown protocol");
}

void apply(PolicyText& out, std::string_view key, std::string_view value) {
  policy::PolicySettings& settings = out.settings;
  if (key == "inbound") {
    settings.inbound_default = parse_action(value);
  } else if (key == "outbound") {
    settings.outbound_default = parse_action(value);
  } else if (key == "max_flows") {
    settings.max_flows = static_cast<std::size_t>(parse_number(value, std::uint64_t{1} << 24));
    if (settings.max_flows == 0) throw std::invalid_argument("max_flows must be at least 1");
  } else if (key == "identity") {
    out.identities.push_back({parse_key(value), {}, {}});
  } else if (key == "identity_name" || key == "identity_group") {
    if (out.identities.empty()) throw std::invalid_argument("before any identity=");
    auto& identity = out.identities.back();
    if (key == "identity_name") {
      identity.name = value;
    } else {
      identity.groups.emplace_back(value);
    }
  } else if (key == "rule") {
    settings.rules.emplace_back().name = value;
  } else {
    if (settings.rules.empty()) throw std::invalid_argument("unknown key, or a rule's field before any rule=");
    policy::Rule& rule = settings.rules.back();
    if (key == "direction") {
      if (value == "inbound") {
        rule.direction = policy::Direction::inbound;
      } else if (value == "outbound") {
        rule.direction = policy::Direction::outbound;
      } else {
        throw std::invalid_argument("expected inbound or outbound");
      }
    } else if (key == "peer") {
      rule.peers.push_back(parse_key(value));
    } else if (key == "group") {
      rule.groups.emplace_back(value);
    } else if (key == "from") {
      rule.from.push_back(tunnel::IpPrefix::parse(value).masked());
    } else if (key == "to") {
      rule.to.push_back(tunnel::IpPrefix::parse(value).masked());
    } else if (key == "protocol") {
      rule.protocol = parse_protocol(value);
    } else if (key == "port") {
      rule.ports.push_back(parse_ports(value));
    } else if (key == "action") {
      rule.action = parse_action(value);
    } else {
      throw std::invalid_argument("unknown key");
    }
  }
}

}  // namespace

void append_policy_lines(std::string& out, const policy::PolicySettings& settings,
                         const std::vector<policy::PeerIdentity>& identities) {
  append_line(out, "inbound", policy::to_string(settings.inbound_default));
  append_line(out, "outbound", policy::to_string(settings.outbound_default));
  append_line(out, "max_flows", settings.max_flows);
  for (const policy::PeerIdentity& identity : identities) {
    append_line(out, "identity", crypto::encode_hex_key(identity.key.span()));
    if (!identity.name.empty()) append_line(out, "identity_name", identity.name);
    for (const std::string& group : identity.groups) append_line(out, "identity_group", group);
  }
  for (const policy::Rule& rule : settings.rules) {
    append_line(out, "rule", rule.name);
    append_line(out, "direction", policy::to_string(rule.direction));
    for (const crypto::PublicKey& peer : rule.peers) append_line(out, "peer", crypto::encode_hex_key(peer.span()));
    for (const std::string& group : rule.groups) append_line(out, "group", group);
    for (const tunnel::IpPrefix& prefix : rule.from) append_line(out, "from", prefix.to_string());
    for (const tunnel::IpPrefix& prefix : rule.to) append_line(out, "to", prefix.to_string());
    append_line(out, "protocol", policy::to_string(rule.protocol));
    for (const policy::PortRange& range : rule.ports) {
      append_line(out, "port", std::to_string(range.first) + "-" + std::to_string(range.last));
    }
    append_line(out, "action", policy::to_string(rule.action));
  }
}

PolicyText parse_policy_lines(std::string_view text) {
  PolicyText out;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::string_view line = take_line(text);
    ++number;
    if (line.empty()) continue;
    const auto pair = split_key_value(line);
    try {
      if (!pair) throw std::invalid_argument("expected key=value");
      apply(out, pair->key, pair->value);
    } catch (const std::exception& e) {
      throw std::invalid_argument("policy line " + std::to_string(number) + " (" + std::string(pair ? pair->key : "?") +
                                  "): " + e.what());
    }
  }
  return out;
}

}  // namespace sluice::uapi
