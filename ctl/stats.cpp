#include "ctl/stats.hpp"

#include <algorithm>

#include "crypto/key_encoding.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/error.hpp"
#include "uapi/lines.hpp"

namespace sluice::ctl {
namespace {

std::uint64_t parse_counter(std::string_view value, std::size_t line) {
  const auto number = tunnel::parse_unsigned<std::uint64_t>(value);
  if (!number) {
    throw uapi::ControlError(
        std::string("the daemon's stats answer has a bad number on line ").append(std::to_string(line)));
  }
  return *number;
}

void append_rows(std::string& out, const Counters& counters) {
  std::size_t width = 0;
  for (const auto& [name, value] : counters) width = std::max(width, name.size());
  for (const auto& [name, value] : counters) {
    out.append("  ").append(name).append(width - name.size() + 2, ' ').append(std::to_string(value)).push_back('\n');
  }
}

nlohmann::ordered_json counters_json(const Counters& counters) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [name, value] : counters) object[name] = value;
  return object;
}

}  // namespace

InterfaceStats parse_stats_answer(std::string_view lines) {
  InterfaceStats stats;
  PeerStats* peer = nullptr;
  for (std::size_t number = 1; !lines.empty(); ++number) {
    const auto line = uapi::split_key_value(uapi::take_line(lines));
    if (!line) {
      throw uapi::ControlError(
          std::string("the daemon's stats answer has no '=' on line ").append(std::to_string(number)));
    }
    const auto [key, value] = *line;
    if (key == "public_key") {
      peer = &stats.peers.emplace_back();
      try {
        crypto::decode_hex_key(value, peer->public_key.bytes);
      } catch (const crypto::KeyFormatError&) {
        throw uapi::ControlError(
            std::string("the daemon's stats answer has a bad key on line ").append(std::to_string(number)));
      }
    } else if (peer != nullptr && key == "last_handshake_time_sec") {
      const std::uint64_t seconds = parse_counter(value, number);
      if (seconds != 0) peer->latest_handshake = static_cast<std::int64_t>(seconds);
    } else {
      (peer != nullptr ? peer->counters : stats.counters).emplace_back(key, parse_counter(value, number));
    }
  }
  return stats;
}

std::string stats_text(std::string_view ifname, const InterfaceStats& stats, WallClock::time_point now) {
  std::string out("interface: ");
  out.append(ifname).push_back('\n');
  append_rows(out, stats.counters);
  for (const PeerStats& peer : stats.peers) {
    out.append("peer: ").append(crypto::encode_base64_key(peer.public_key.span())).push_back('\n');
    out.append("  latest handshake: ")
        .append(peer.latest_handshake ? handshake_ago(std::chrono::seconds(*peer.latest_handshake), now) : "none")
        .push_back('\n');
    append_rows(out, peer.counters);
  }
  return out;
}

nlohmann::ordered_json stats_json(std::string_view ifname, const InterfaceStats& stats) {
  nlohmann::ordered_json peers = nlohmann::ordered_json::array();
  for (const PeerStats& peer : stats.peers) {
    peers.push_back({
        {"public_key", crypto::encode_base64_key(peer.public_key.span())},
        {"latest_handshake",
         peer.latest_handshake ? nlohmann::ordered_json(*peer.latest_handshake) : nlohmann::ordered_json(nullptr)},
        {"counters", counters_json(peer.counters)},
    });
  }
  return {{"name", ifname}, {"counters", counters_json(stats.counters)}, {"peers", std::move(peers)}};
}

}  // namespace sluice::ctl
