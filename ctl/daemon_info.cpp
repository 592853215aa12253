#include "ctl/daemon_info.hpp"

#include <charconv>

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
  }
  return info;
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
