#include "ctl/daemon_info.hpp"

#include <charconv>

#include "crypto/key_encoding.hpp"
#include "uapi/error.hpp"
#include "uapi/lines.hpp"

namespace sluice::ctl {
namespace {

std::uint32_t parse_u32(std::string_view key, std::string_view value) {
  std::uint32_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc{} || end != value.data() + value.size()) {
    throw uapi::ControlError(
        std::string("unexpected answer from the daemon: ").append(key).append("= is not a number"));
  }
  return number;
}

}  // namespace

DaemonInfo parse_info_answer(std::string_view lines) {
  DaemonInfo info;
  while (!lines.empty()) {
    const auto pair = uapi::split_key_value(uapi::take_line(lines));
    if (!pair) continue;
    if (pair->key == "config_file") info.config_file = std::filesystem::path(pair->value);
    if (pair->key == "routes") info.routes = pair->value == "true";
    if (pair->key == "route_table") info.route_table = parse_u32(pair->key, pair->value);
    if (pair->key == "own_fwmark") info.own_fwmark = parse_u32(pair->key, pair->value);
    if (pair->key == "endpoint_peer") {
      FollowedEndpoints& followed = info.followed.emplace_back();
      try {
        crypto::decode_hex_key(pair->value, followed.peer.bytes);
      } catch (const crypto::KeyFormatError&) {
        throw uapi::ControlError("unexpected answer from the daemon: endpoint_peer= is not a key");
      }
    }
    if (info.followed.empty()) continue;
    if (pair->key == "endpoint_name") info.followed.back().names.emplace_back(pair->value);
    if (pair->key == "endpoint_in_use") info.followed.back().in_use = parse_u32(pair->key, pair->value);
  }
  return info;
}

void add_followed_endpoints(uapi::InterfaceState& state, const DaemonInfo& info) {
  for (const FollowedEndpoints& followed : info.followed) {
    for (uapi::PeerState& peer : state.peers) {
      if (peer.public_key != followed.peer) continue;
      peer.endpoint_names = followed.names;
      peer.endpoint_in_use = followed.in_use;
    }
  }
}

RouteSync parse_route_answer(std::string_view lines) {
  RouteSync sync;
  while (!lines.empty()) {
    const auto pair = uapi::split_key_value(uapi::take_line(lines));
    if (!pair) continue;
    if (pair->key == "route_added") sync.added.emplace_back(pair->value);
    if (pair->key == "route_removed") sync.removed.emplace_back(pair->value);
    if (pair->key == "route_failed") sync.failed.emplace_back(pair->value);
  }
  return sync;
}

}  // namespace sluice::ctl
