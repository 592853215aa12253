#include "config/toml_writer.hpp"

#include <array>
#include <cstdio>

#include "crypto/key_encoding.hpp"
#include "tunnel/fdb.hpp"

namespace sluice::config {
namespace {

void append_comments(std::string& out, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    out.append(line.empty() ? "#" : "# ").append(line).push_back('\n');
  }
}

template <class Item>
void append_list(std::string& out, std::string_view key, const std::vector<Item>& items) {
  out.append(key).append(" = [");
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(toml_string(items[i].to_string()));
  }
  out.append("]\n");
}

// The key is quoted by hand: base64 needs no escapes, and toml_string would make a copy of it.
void append_secret(std::string& out, std::string_view key, std::span<const std::uint8_t, 32> value,
                   const std::optional<std::string>& note) {
  if (note) {
    out.append("# ").append(*note).push_back('\n');
    return;
  }
  out.append(key).append(" = \"");
  crypto::append_base64_key(out, value);
  out.append("\"\n");
}

void append_strings(std::string& out, std::string_view key, const std::vector<std::string>& items) {
  out.append(key).append(" = [");
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(toml_string(items[i]));
  }
  out.append("]\n");
}

void append_number(std::string& out, std::string_view key, std::uint64_t value) {
  out.append(key).append(" = ").append(std::to_string(value)).push_back('\n');
}

void append_text(std::string& out, std::string_view key, std::string_view value) {
  out.append(key).append(" = ").append(toml_string(value)).push_back('\n');
}

void append_peer(std::string& out, const PeerSettings& peer, const std::optional<std::string>& preshared_key_note) {
  out.append("\n[[peer]]\n");
  out.append("public_key = \"");
  crypto::append_base64_key(out, peer.public_key.span());
  out.append("\"\n");
  if (peer.preshared_key) append_secret(out, "preshared_key", peer.preshared_key->span(), preshared_key_note);
  if (!peer.endpoints_text.empty()) {
    out.append("endpoints = [");
    for (std::size_t i = 0; i < peer.endpoints_text.size(); ++i) {
      out.append(i == 0 ? "" : ", ").append(toml_string(peer.endpoints_text[i]));
    }
    out.append("]\n");
  } else if (peer.endpoint_text) {
    append_text(out, "endpoint", *peer.endpoint_text);
  } else if (peer.endpoint) {
    append_text(out, "endpoint", peer.endpoint->to_string());
  }
  append_list(out, "allowed_ips", peer.allowed_ips);
  if (peer.persistent_keepalive != 0) append_number(out, "persistent_keepalive", peer.persistent_keepalive);
  if (!peer.name.empty()) append_text(out, "name", peer.name);
  if (!peer.groups.empty()) append_strings(out, "groups", peer.groups);
}

// A rule names a peer as the file would: by its name if it has one.
std::string peer_reference(const crypto::PublicKey& key, const std::vector<PeerSettings>& peers) {
  for (const PeerSettings& peer : peers) {
    if (peer.public_key == key && !peer.name.empty()) return peer.name;
  }
  return crypto::encode_base64_key(key.span());
}

void append_policy(std::string& out, const InterfaceSettings& settings) {
  const policy::PolicySettings& policy = settings.policy;
  const policy::PolicySettings defaults;
  if (policy.inbound_default != defaults.inbound_default || policy.outbound_default != defaults.outbound_default ||
      policy.max_flows != defaults.max_flows) {
    out.append("\n[policy_defaults]\n");
    append_text(out, "inbound", policy::to_string(policy.inbound_default));
    append_text(out, "outbound", policy::to_string(policy.outbound_default));
    if (policy.max_flows != defaults.max_flows) append_number(out, "max_flows", policy.max_flows);
  }
  for (const policy::Rule& rule : policy.rules) {
    out.append("\n[[policy]]\n");
    if (!rule.name.empty()) append_text(out, "name", rule.name);
    append_text(out, "direction", policy::to_string(rule.direction));
    if (!rule.peers.empty()) {
      std::vector<std::string> names;
      for (const crypto::PublicKey& key : rule.peers) names.push_back(peer_reference(key, settings.peers));
      append_strings(out, "peers", names);
    }
    if (!rule.groups.empty()) append_strings(out, "groups", rule.groups);
    if (!rule.from.empty()) append_list(out, "from", rule.from);
    if (!rule.to.empty()) append_list(out, "to", rule.to);
    if (rule.protocol != policy::Protocol::any) append_text(out, "protocol", policy::to_string(rule.protocol));
    if (!rule.ports.empty()) {
      out.append("ports = [");
      for (std::size_t i = 0; i < rule.ports.size(); ++i) {
        const policy::PortRange& range = rule.ports[i];
        if (i != 0) out.append(", ");
        out.append(range.first == range.last
                       ? std::to_string(range.first)
                       : toml_string(std::to_string(range.first) + "-" + std::to_string(range.last)));
      }
      out.append("]\n");
    }
    append_text(out, "action", policy::to_string(rule.action));
  }
}

void append_segment(std::string& out, const SegmentSettings& segment) {
  out.append("\n[[segment]]\n");
  append_number(out, "vni", segment.vni);
  append_text(out, "tap", segment.tap);
  if (segment.bridge) append_text(out, "bridge", *segment.bridge);
  if (segment.ovs_bridge) append_text(out, "ovs_bridge", *segment.ovs_bridge);
  if (segment.ovs_vlan) append_number(out, "ovs_vlan", *segment.ovs_vlan);
  if (segment.ovs_db) append_text(out, "ovs_db", *segment.ovs_db);
  if (segment.mtu) append_number(out, "mtu", *segment.mtu);
  if (segment.local) append_text(out, "local", segment.local->to_string());
  if (segment.aging != tunnel::Fdb::kDefaultAging) {
    append_number(out, "aging", static_cast<std::uint64_t>(segment.aging.count()));
  }
  for (const StaticFdbEntry& entry : segment.fdb) {
    out.append("[[segment.fdb]]\n");
    append_text(out, "mac", entry.mac.to_string());
    append_text(out, "peer", crypto::encode_base64_key(entry.peer.span()));
  }
}

}  // namespace

std::string toml_string(std::string_view text) {
  std::string out("\"");
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      std::array<char, 8> escape{};
      std::snprintf(escape.data(), escape.size(), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out.append(escape.data());
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

crypto::SecretText write_toml(const TomlFile& file) {
  const InterfaceSettings& settings = file.settings;
  // Sized for the whole file so the keys in it are never left behind by a reallocation.
  std::size_t size = 4096;
  for (const PeerSettings& peer : settings.peers) size += 1024 + 64 * peer.allowed_ips.size();
  crypto::SecretText text(size);
  std::string& out = text.str();

  append_comments(out, file.header);
  if (!file.header.empty()) out.push_back('\n');
  out.append("[interface]\n");
  if (settings.private_key) append_secret(out, "private_key", settings.private_key->span(), file.private_key_note);
  if (settings.listen_port != 0) append_number(out, "listen_port", settings.listen_port);
  if (settings.fwmark != 0) {
    std::array<char, 16> mark{};
    std::snprintf(mark.data(), mark.size(), "0x%x", settings.fwmark);
    out.append("fwmark = ").append(mark.data()).push_back('\n');
  }
  if (!settings.addresses.empty()) append_list(out, "address", settings.addresses);
  if (settings.mtu) append_number(out, "mtu", *settings.mtu);
  if (file.routes_note) out.append("# ").append(*file.routes_note).push_back('\n');
  if (file.routes_known) out.append("routes = ").append(settings.routes ? "true" : "false").push_back('\n');

  for (const PeerSettings& peer : settings.peers) append_peer(out, peer, file.preshared_key_note);
  for (const SegmentSettings& segment : settings.segments) append_segment(out, segment);
  append_policy(out, settings);
  return text;
}

}  // namespace sluice::config
