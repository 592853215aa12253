// The answers to two requests of our own on the control socket (the stock `wg` never sends them,
// and get=1 stays exactly what it expects), key=value lines like get:
//
// info=1   config_file=PATH       the file the daemon started from (absent: none)
//          routes=true|false      the config's `routes`
//          route_table=N          the full tunnel's routing table (absent: no full tunnel)
//          own_fwmark=N           the fwmark the daemon set for it, the config having none
//
// routes=1 (brings the routes to the peers' allowed IPs now; sluicectl reload sends it after set=1)
//          route_added=PREFIX     one line per change
//          route_removed=PREFIX
//          route_failed=MESSAGE   a route that could not be added or removed, and why
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "daemon/interface_routes.hpp"

namespace sluice::daemon {

// Without the final "errno=0" and empty line, as every answer here.
[[nodiscard]] std::string serialize_interface_info(const std::filesystem::path& config_file, bool routes,
                                                   std::uint32_t route_table, std::uint32_t own_fwmark);
[[nodiscard]] std::string serialize_route_changes(const RouteChanges& changes);

}  // namespace sluice::daemon
