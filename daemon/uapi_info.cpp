#include "daemon/uapi_info.hpp"

#include <algorithm>

#include "uapi/lines.hpp"

namespace sluice::daemon {

std::string serialize_interface_info(const std::filesystem::path& config_file, bool routes, std::uint32_t route_table,
                                     std::uint32_t own_fwmark) {
  std::string out;
  // A path with a newline would end the line early: such a file is reported as none.
  if (!config_file.empty() && config_file.string().find('\n') == std::string::npos) {
    uapi::append_line(out, "config_file", config_file.string());
  }
  uapi::append_line(out, "routes", routes ? "true" : "false");
  if (route_table != 0) uapi::append_line(out, "route_table", route_table);
  if (own_fwmark != 0) uapi::append_line(out, "own_fwmark", own_fwmark);
  return out;
}

std::string serialize_route_changes(const RouteChanges& changes) {
  std::string out;
  for (const tunnel::IpPrefix& prefix : changes.added) {
    uapi::append_line(out, "route_added", prefix.to_string());
  }
  for (const tunnel::IpPrefix& prefix : changes.removed) {
    uapi::append_line(out, "route_removed", prefix.to_string());
  }
  for (std::string failure : changes.failures) {
    std::replace(failure.begin(), failure.end(), '\n', ' ');
    uapi::append_line(out, "route_failed", failure);
  }
  return out;
}

}  // namespace sluice::daemon
