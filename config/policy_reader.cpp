#include "config/policy_reader.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "crypto/key_encoding.hpp"

namespace sluice::config {
namespace {

using Reader = TomlReader<ConfigError>;

constexpr std::size_t kMaxNameLength = 64;
constexpr std::int64_t kMinFlows = 16;
constexpr std::int64_t kMaxFlows = 1 << 20;

std::string indexed(std::string_view name, std::size_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

// Names and groups appear in flows, metrics labels and the control protocol's lines: plain words.
const std::string& word(const Reader& reader, const toml::node& node, const std::string& key) {
  const std::string& text = reader.string(node, key);
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '@';
  });
  if (text.empty() || text.size() > kMaxNameLength || !plain) {
    reader.fail(node, key, "expected 1-64 letters, digits, '.', '_', '-' or '@'");
  }
  return text;
}

template <typename Each>
void for_each_entry(const Reader& reader, const toml::node& node, const std::string& key, Each each) {
  const toml::array& list = reader.array(node, key);
  for (std::size_t i = 0; i < list.size(); ++i) each(list[i], indexed(key, i));
}

policy::Action action(const Reader& reader, const toml::node& node, const std::string& key) {
  const std::string& text = reader.string(node, key);
  if (text == "allow") return policy::Action::allow;
  if (text == "deny") return policy::Action::deny;
  reader.fail(node, key, "expected \"allow\" or \"deny\"");
}

policy::Protocol protocol(const Reader& reader, const toml::node& node, const std::string& key) {
  const std::string& text = reader.string(node, key);
  for (const auto candidate :
       {policy::Protocol::any, policy::Protocol::tcp, policy::Protocol::udp, policy::Protocol::icmp}) {
    if (text == policy::to_string(candidate)) return candidate;
  }
  reader.fail(node, key, "expected \"tcp\", \"udp\", \"icmp\" or \"any\"");
}

std::uint16_t port_number(const Reader& reader, const toml::node& node, const std::string& key, std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 65535) {
    reader.fail(node, key, "expected a port (0-65535) or a range such as \"8000-8100\"");
  }
  return static_cast<std::uint16_t>(value);
}

// 22, or "22", or "8000-8100".
policy::PortRange port_range(const Reader& reader, const toml::node& node, const std::string& key) {
  if (node.is_integer()) {
    const auto port = static_cast<std::uint16_t>(reader.integer(node, key, 0, 65535));
    return {port, port};
  }
  const std::string& text = reader.string(node, key);
  const std::size_t dash = text.find('-');
  if (dash == std::string::npos) {
    const std::uint16_t port = port_number(reader, node, key, text);
    return {port, port};
  }
  const policy::PortRange range{port_number(reader, node, key, std::string_view(text).substr(0, dash)),
                                port_number(reader, node, key, std::string_view(text).substr(dash + 1))};
  if (range.first > range.last) reader.fail(node, key, "the range's first port is above its last");
  return range;
}

tunnel::IpPrefix prefix(const Reader& reader, const toml::node& node, const std::string& key) {
  try {
    return tunnel::IpPrefix::parse(reader.string(node, key)).masked();
  } catch (const std::invalid_argument& e) {
    reader.fail(node, key, e.what());
  }
}

// A peer by its name, else by its base64 key; either must be a [[peer]] of the file.
crypto::PublicKey peer_reference(const Reader& reader, const toml::node& node, const std::string& key,
                                 const std::vector<PeerSettings>& peers) {
  const std::string& text = reader.string(node, key);
  for (const PeerSettings& peer : peers) {
    if (!peer.name.empty() && peer.name == text) return peer.public_key;
  }
  crypto::PublicKey public_key;
  try {
    crypto::decode_base64_key(text, public_key.bytes);
  } catch (const crypto::KeyFormatError&) {
    reader.fail(node, key, "no [[peer]] has this name (and it is no public key)");
  }
  if (std::none_of(peers.begin(), peers.end(),
                   [&](const PeerSettings& peer) { return peer.public_key == public_key; })) {
    reader.fail(node, key, "is not the public key of any [[peer]]");
  }
  return public_key;
}

policy::Rule read_rule(const Reader& reader, const toml::table& table, const std::string& name,
                       const std::vector<PeerSettings>& peers) {
  const std::string prefix_text = name + ".";
  reader.reject_unknown_keys(table, prefix_text, kPolicyKeys);
  policy::Rule rule;
  const auto key = [&](std::string_view field) { return prefix_text + std::string(field); };
  if (const auto* node = table.get("name")) {
    rule.name = reader.string(*node, key("name"));
    if (rule.name.empty() || rule.name.size() > kMaxNameLength ||
        std::any_of(rule.name.begin(), rule.name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      reader.fail(*node, key("name"), "expected 1-64 characters on one line");
    }
  }
  if (const auto* node = table.get("direction")) {
    const std::string& text = reader.string(*node, key("direction"));
    if (text == "inbound") {
      rule.direction = policy::Direction::inbound;
    } else if (text == "outbound") {
      rule.direction = policy::Direction::outbound;
    } else {
      reader.fail(*node, key("direction"), "expected \"inbound\" or \"outbound\"");
    }
  }
  if (const auto* node = table.get("peers")) {
    for_each_entry(reader, *node, key("peers"), [&](const toml::node& entry, const std::string& at) {
      rule.peers.push_back(peer_reference(reader, entry, at, peers));
    });
  }
  if (const auto* node = table.get("groups")) {
    for_each_entry(reader, *node, key("groups"), [&](const toml::node& entry, const std::string& at) {
      const std::string& group = word(reader, entry, at);
      const bool known = std::any_of(peers.begin(), peers.end(), [&](const PeerSettings& peer) {
        return std::find(peer.groups.begin(), peer.groups.end(), group) != peer.groups.end();
      });
      if (!known) reader.fail(entry, at, "no [[peer]] is in group \"" + group + "\"");
      rule.groups.push_back(group);
    });
  }
  if (const auto* node = table.get("from")) {
    for_each_entry(reader, *node, key("from"), [&](const toml::node& entry, const std::string& at) {
      rule.from.push_back(prefix(reader, entry, at));
    });
  }
  if (const auto* node = table.get("to")) {
    for_each_entry(reader, *node, key("to"), [&](const toml::node& entry, const std::string& at) {
      rule.to.push_back(prefix(reader, entry, at));
    });
  }
  if (const auto* node = table.get("protocol")) rule.protocol = protocol(reader, *node, key("protocol"));
  if (const auto* node = table.get("ports")) {
    if (rule.protocol != policy::Protocol::tcp && rule.protocol != policy::Protocol::udp) {
      reader.fail(*node, key("ports"), "ports need protocol = \"tcp\" or \"udp\"");
    }
    for_each_entry(reader, *node, key("ports"), [&](const toml::node& entry, const std::string& at) {
      rule.ports.push_back(port_range(reader, entry, at));
    });
  }
  const auto* action_node = table.get("action");
  if (action_node == nullptr) reader.fail(table.source(), name, "missing action (\"allow\" or \"deny\")");
  rule.action = action(reader, *action_node, key("action"));
  return rule;
}

}  // namespace

void read_peer_identity(const Reader& reader, const toml::table& table, std::string_view prefix, PeerSettings& peer) {
  const std::string at(prefix);
  if (const auto* node = table.get("name")) peer.name = word(reader, *node, at + "name");
  if (const auto* node = table.get("groups")) {
    for_each_entry(reader, *node, at + "groups", [&](const toml::node& entry, const std::string& key) {
      const std::string& group = word(reader, entry, key);
      if (std::find(peer.groups.begin(), peer.groups.end(), group) != peer.groups.end()) {
        reader.fail(entry, key, "\"" + group + "\" is listed twice");
      }
      peer.groups.push_back(group);
    });
  }
}

policy::PolicySettings read_policy(const Reader& reader, const toml::table& root,
                                   const std::vector<PeerSettings>& peers) {
  policy::PolicySettings settings;
  if (const auto* node = root.get("policy_defaults")) {
    const toml::table& table = reader.table(*node, "policy_defaults");
    reader.reject_unknown_keys(table, "policy_defaults.", kPolicyDefaultsKeys);
    if (const auto* value = table.get("inbound")) {
      settings.inbound_default = action(reader, *value, "policy_defaults.inbound");
    }
    if (const auto* value = table.get("outbound")) {
      settings.outbound_default = action(reader, *value, "policy_defaults.outbound");
    }
    if (const auto* value = table.get("max_flows")) {
      settings.max_flows =
          static_cast<std::size_t>(reader.integer(*value, "policy_defaults.max_flows", kMinFlows, kMaxFlows));
    }
  }
  if (const auto* node = root.get("policy")) {
    if (node->is_table()) reader.fail(*node, "policy", "write [[policy]] (double brackets), one table per rule");
    const toml::array& list = reader.array(*node, "policy");
    std::vector<std::string> groups;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string name = indexed("policy", i);
      const toml::table& table = reader.table(list[i], name);
      settings.rules.push_back(read_rule(reader, table, name, peers));
      for (const std::string& group : settings.rules.back().groups) {
        if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
      }
      // Groups are a bit each in the engine (and would be in an eBPF map's value).
      if (groups.size() > 64) reader.fail(table.source(), name, "rules may name at most 64 groups in all");
    }
  }
  return settings;
}

std::vector<policy::PeerIdentity> peer_identities(const std::vector<PeerSettings>& peers) {
  std::vector<policy::PeerIdentity> out;
  for (const PeerSettings& peer : peers) {
    if (!peer.name.empty() || !peer.groups.empty()) out.push_back({peer.public_key, peer.name, peer.groups});
  }
  return out;
}

}  // namespace sluice::config
