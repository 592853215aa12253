#include "daemon/uapi_info.hpp"

#include <algorithm>

namespace sluice::daemon {

std::string serialize_interface_info(const std::filesystem::path& config_file, bool routes,
                                     std::uint32_t route_table, std::uint32_t own_fwmark) {
  std::string out;
  // A path with a newline would end the line early: such a file is reported as none.
  if (!config_file.empty() && config_file.string().find('\n') == std::string::npos) {
    out.append("config_file=").append(config_file.string()).push_back('\n');
  }
  out.append("routes=").append(routes ? "true" : "false").push_back('\n');
  if (route_table != 0) out.append("route_table=").append(std::to_string(route_table)).push_back('\n');
  if (own_fwmark != 0) out.append("own_fwmark=").append(std::to_string(own_fwmark)).push_back('\n');
  return out;
}

std::string serialize_route_changes(const RouteChanges& changes) {
  std::string out;
  for (const tunnel::IpPrefix& prefix : changes.added) {
    out.append("route_added=").append(prefix.to_string()).push_back('\n');
  }
  for (const tunnel::IpPrefix& prefix : changes.removed) {
    out.append("route_removed=").append(prefix.to_string()).push_back('\n');
  }
  for (std::string failure : changes.failures) {
    std::replace(failure.begin(), failure.end(), '\n', ' ');
    out.append("route_failed=").append(failure).push_back('\n');
  }
  return out;
}

}  // namespace sluice::daemon
