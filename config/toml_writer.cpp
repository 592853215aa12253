#include "config/toml_writer.hpp"

#include <array>
#include <cstdio>

#include "crypto/memory.hpp"

namespace sluice::config {
namespace {

void wipe_string(std::optional<std::string>& text) {
  if (!text) return;
  text->resize(text->capacity());
  crypto::wipe(text->data(), text->size());
  text.reset();
}

void append_comments(std::string& out, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    out.append(line.empty() ? "#" : "# ").append(line).push_back('\n');
  }
}

void append_list(std::string& out, std::string_view key, const std::vector<std::string>& items) {
  out.append(key).append(" = [");
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(toml_string(items[i]));
  }
  out.append("]\n");
}

// The key is quoted by hand: base64 needs no escapes, and toml_string would make a copy of it.
void append_secret(std::string& out, std::string_view key, const std::optional<std::string>& value,
                   const std::optional<std::string>& note) {
  if (value) out.append(key).append(" = \"").append(*value).append("\"\n");
  if (note) out.append("# ").append(*note).push_back('\n');
}

}  // namespace

TomlInterface::~TomlInterface() {
  wipe_string(private_key);
  for (TomlPeer& peer : peers) wipe_string(peer.preshared_key);
}

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

crypto::SecretText write_toml(const TomlInterface& config) {
  // Sized for the whole file so the keys in it are never left behind by a reallocation.
  std::size_t size = 4096;
  for (const TomlPeer& peer : config.peers) size += 1024 + 64 * peer.allowed_ips.size();
  crypto::SecretText text(size);
  std::string& out = text.str();

  append_comments(out, config.header);
  if (!config.header.empty()) out.push_back('\n');
  out.append("[interface]\n");
  append_secret(out, "private_key", config.private_key, config.private_key_note);
  if (config.listen_port) out.append("listen_port = ").append(std::to_string(*config.listen_port)).push_back('\n');
  if (config.fwmark) {
    std::array<char, 16> mark{};
    std::snprintf(mark.data(), mark.size(), "0x%x", *config.fwmark);
    out.append("fwmark = ").append(mark.data()).push_back('\n');
  }
  if (!config.addresses.empty()) append_list(out, "address", config.addresses);
  if (config.mtu) out.append("mtu = ").append(std::to_string(*config.mtu)).push_back('\n');
  if (config.routes_note) out.append("# ").append(*config.routes_note).push_back('\n');
  if (config.routes) out.append("routes = ").append(*config.routes ? "true" : "false").push_back('\n');

  for (const TomlPeer& peer : config.peers) {
    out.push_back('\n');
    out.append("[[peer]]\n");
    out.append("public_key = ").append(toml_string(peer.public_key)).push_back('\n');
    append_secret(out, "preshared_key", peer.preshared_key, peer.preshared_key_note);
    if (peer.endpoint) out.append("endpoint = ").append(toml_string(*peer.endpoint)).push_back('\n');
    append_list(out, "allowed_ips", peer.allowed_ips);
    if (peer.persistent_keepalive != 0) {
      out.append("persistent_keepalive = ").append(std::to_string(peer.persistent_keepalive)).push_back('\n');
    }
  }
  for (const TomlSegment& segment : config.segments) {
    out.push_back('\n');
    out.append("[[segment]]\n");
    out.append("vni = ").append(std::to_string(segment.vni)).push_back('\n');
    out.append("tap = ").append(toml_string(segment.tap)).push_back('\n');
    if (segment.bridge) out.append("bridge = ").append(toml_string(*segment.bridge)).push_back('\n');
    if (segment.mtu) out.append("mtu = ").append(std::to_string(*segment.mtu)).push_back('\n');
    if (segment.local) out.append("local = ").append(toml_string(*segment.local)).push_back('\n');
    if (segment.aging) out.append("aging = ").append(std::to_string(*segment.aging)).push_back('\n');
    for (const auto& [mac, peer] : segment.fdb) {
      out.append("[[segment.fdb]]\nmac = ").append(toml_string(mac)).append("\npeer = ").append(toml_string(peer));
      out.push_back('\n');
    }
  }
  return text;
}

}  // namespace sluice::config
