#include "ctl/show.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "crypto/key_encoding.hpp"
#include "tunnel/constants.hpp"

namespace sluice::ctl {
namespace {

// The escape sequences `wg show` uses, so the two look alike on a terminal.
struct Palette {
  const char* bold = "";
  const char* green = "";
  const char* yellow = "";
  const char* reset = "";
};

Palette palette(bool color) {
  if (!color) return {};
  return {"\x1b[1m", "\x1b[32m", "\x1b[33m", "\x1b[0m"};
}

std::string base64(const crypto::PublicKey& key) { return crypto::encode_base64_key(key.span()); }

std::chrono::seconds age_at(std::chrono::seconds handshake, WallClock::time_point now) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  // A clock set back makes the handshake look future; it is shown as just now.
  return std::max(since_epoch - handshake, std::chrono::seconds{0});
}

std::optional<std::chrono::seconds> handshake_age(const uapi::PeerState& peer, WallClock::time_point now) {
  if (!peer.latest_handshake) return std::nullopt;
  return age_at(std::chrono::duration_cast<std::chrono::seconds>(*peer.latest_handshake), now);
}

// A session lives at most REJECT_AFTER_TIME after its handshake.
bool has_live_session(const uapi::PeerState& peer, WallClock::time_point now) {
  const auto age = handshake_age(peer, now);
  return age && *age < std::chrono::duration_cast<std::chrono::seconds>(tunnel::kRejectAfterTime);
}

std::string join_prefixes(const std::vector<tunnel::IpPrefix>& prefixes) {
  std::string text;
  for (const tunnel::IpPrefix& prefix : prefixes) {
    if (!text.empty()) text.append(", ");
    text.append(prefix.to_string());
  }
  return text;
}

// "site-b.example:51820 (in use), [2001:db8::2]:51820": what sluiced follows, as written.
std::string endpoint_names_text(const uapi::PeerState& peer) {
  std::string text;
  for (std::size_t i = 0; i < peer.endpoint_names.size(); ++i) {
    text.append(i == 0 ? "" : ", ").append(peer.endpoint_names[i]);
    if (i == peer.endpoint_in_use) text.append(" (in use)");
  }
  return text;
}

void append_field(std::string& out, const Palette& p, std::string_view label, std::string_view value) {
  out.append("  ").append(p.bold).append(label).append(p.reset).append(": ").append(value).push_back('\n');
}

}  // namespace

std::string format_duration(std::chrono::seconds duration) {
  struct Unit {
    const char* name;
    long long seconds;
  };
  static constexpr std::array<Unit, 5> kUnits{
      {{"year", 365LL * 24 * 3600}, {"day", 24 * 3600}, {"hour", 3600}, {"minute", 60}, {"second", 1}}};
  long long left = duration.count();
  std::string text;
  for (const Unit& unit : kUnits) {
    const long long count = left / unit.seconds;
    left %= unit.seconds;
    if (count == 0) continue;
    if (!text.empty()) text.append(", ");
    text.append(std::to_string(count)).append(" ").append(unit.name);
    if (count != 1) text.push_back('s');
  }
  return text.empty() ? "0 seconds" : text;
}

std::string handshake_ago(std::chrono::seconds handshake, WallClock::time_point now) {
  const std::chrono::seconds age = age_at(handshake, now);
  return age.count() == 0 ? "now" : format_duration(age).append(" ago");
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 4> kUnits{"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes).append(" B");
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.2f %s", value, kUnits[unit]);
  return text.data();
}

std::string show_text(std::string_view ifname, const uapi::InterfaceState& state, bool color,
                      WallClock::time_point now) {
  const Palette p = palette(color);
  std::string out;
  out.append(p.bold).append(p.green).append("interface").append(p.reset).append(": ").append(p.green);
  out.append(ifname).append(p.reset).push_back('\n');
  if (state.public_key) append_field(out, p, "public key", base64(*state.public_key));
  if (state.private_key) append_field(out, p, "private key", "(hidden)");
  if (state.listen_port != 0) append_field(out, p, "listening port", std::to_string(state.listen_port));
  if (state.fwmark != 0) {
    std::array<char, 16> mark{};
    std::snprintf(mark.data(), mark.size(), "0x%x", state.fwmark);
    append_field(out, p, "fwmark", mark.data());
  }

  std::vector<const uapi::PeerState*> peers;
  for (const uapi::PeerState& peer : state.peers) peers.push_back(&peer);
  std::stable_sort(peers.begin(), peers.end(), [](const uapi::PeerState* a, const uapi::PeerState* b) {
    return a->latest_handshake.value_or(std::chrono::nanoseconds{0}) >
           b->latest_handshake.value_or(std::chrono::nanoseconds{0});
  });
  for (const uapi::PeerState* peer : peers) {
    out.append("\n").append(p.bold).append(p.yellow).append("peer").append(p.reset).append(": ").append(p.yellow);
    out.append(base64(peer->public_key)).append(p.reset).push_back('\n');
    if (peer->preshared_key) append_field(out, p, "preshared key", "(hidden)");
    if (peer->endpoint) append_field(out, p, "endpoint", *peer->endpoint);
    if (!peer->endpoint_names.empty()) append_field(out, p, "endpoint names", endpoint_names_text(*peer));
    append_field(out, p, "allowed ips", peer->allowed_ips.empty() ? "(none)" : join_prefixes(peer->allowed_ips));
    if (peer->latest_handshake) {
      append_field(out, p, "latest handshake",
                   handshake_ago(std::chrono::duration_cast<std::chrono::seconds>(*peer->latest_handshake), now));
    }
    if (peer->rx_bytes != 0 || peer->tx_bytes != 0) {
      append_field(
          out, p, "transfer",
          format_bytes(peer->rx_bytes).append(" received, ").append(format_bytes(peer->tx_bytes)).append(" sent"));
    }
    if (peer->persistent_keepalive != 0) {
      append_field(out, p, "persistent keepalive",
                   format_duration(std::chrono::seconds(peer->persistent_keepalive)).insert(0, "every "));
    }
  }
  return out;
}

nlohmann::ordered_json interface_json(std::string_view ifname, const uapi::InterfaceState& state,
                                      WallClock::time_point now) {
  nlohmann::ordered_json peers = nlohmann::ordered_json::array();
  for (const uapi::PeerState& peer : state.peers) {
    nlohmann::ordered_json allowed = nlohmann::ordered_json::array();
    for (const tunnel::IpPrefix& prefix : peer.allowed_ips) allowed.push_back(prefix.to_string());
    const auto age = handshake_age(peer, now);
    peers.push_back({
        {"public_key", base64(peer.public_key)},
        {"preshared_key", peer.preshared_key.has_value()},
        {"endpoint", peer.endpoint ? nlohmann::ordered_json(*peer.endpoint) : nlohmann::ordered_json(nullptr)},
        {"endpoint_names", peer.endpoint_names},
        {"endpoint_in_use",
         peer.endpoint_names.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(peer.endpoint_in_use)},
        {"allowed_ips", std::move(allowed)},
        {"latest_handshake",
         peer.latest_handshake
             ? nlohmann::ordered_json(std::chrono::duration_cast<std::chrono::seconds>(*peer.latest_handshake).count())
             : nlohmann::ordered_json(nullptr)},
        {"latest_handshake_age", age ? nlohmann::ordered_json(age->count()) : nlohmann::ordered_json(nullptr)},
        {"rx_bytes", peer.rx_bytes},
        {"tx_bytes", peer.tx_bytes},
        {"persistent_keepalive", peer.persistent_keepalive},
    });
  }
  return {
      {"name", ifname},
      {"public_key",
       state.public_key ? nlohmann::ordered_json(base64(*state.public_key)) : nlohmann::ordered_json(nullptr)},
      {"listen_port", state.listen_port},
      {"fwmark", state.fwmark},
      {"peers", std::move(peers)},
  };
}

nlohmann::ordered_json show_document(nlohmann::ordered_json interfaces) {
  return {{"schema_version", kJsonSchemaVersion}, {"interfaces", std::move(interfaces)}};
}

std::string status_line(std::string_view ifname, const uapi::InterfaceState& state, WallClock::time_point now) {
  const auto live = std::count_if(state.peers.begin(), state.peers.end(),
                                  [&](const uapi::PeerState& peer) { return has_live_session(peer, now); });
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
  for (const uapi::PeerState& peer : state.peers) {
    rx += peer.rx_bytes;
    tx += peer.tx_bytes;
  }
  std::string line(ifname);
  line.append(": up, UDP port ").append(std::to_string(state.listen_port)).append(", ");
  line.append(std::to_string(state.peers.size())).append(state.peers.size() == 1 ? " peer" : " peers");
  line.append(" (").append(std::to_string(live)).append(" with a live session), ");
  line.append(format_bytes(rx)).append(" received, ").append(format_bytes(tx)).append(" sent");
  return line;
}

}  // namespace sluice::ctl
