#include "daemon/interface_routes.hpp"

#include <algorithm>
#include <system_error>

#include "daemon/log.hpp"

namespace sluice::daemon {
namespace {

// Just before the main table's own rule (32766), where wg-quick's rules land on a fresh system;
// the suppressing rule must come first.
constexpr std::uint32_t kSuppressPriority = 32764;
constexpr std::uint32_t kTablePriority = 32765;

tunnel::IpPrefix everything(bool ipv6) { return tunnel::IpPrefix::parse(ipv6 ? "::/0" : "0.0.0.0/0"); }

bool contains(const std::vector<tunnel::IpPrefix>& prefixes, const tunnel::IpPrefix& prefix) {
  return std::find(prefixes.begin(), prefixes.end(), prefix) != prefixes.end();
}

}  // namespace

InterfaceRoutes::InterfaceRoutes(std::string ifname) : ifname_(ifname), link_(std::move(ifname)) {}

InterfaceRoutes::~InterfaceRoutes() {
  for (const bool ipv6 : {false, true}) {
    try {
      stop_full_tunnel(ipv6);
    } catch (const std::exception& e) {
      Log::warning("{}", e.what());
    }
  }
}

std::uint32_t InterfaceRoutes::full_tunnel_table() const {
  for (const auto& full : full_) {
    if (full) return full->table;
  }
  return 0;
}

RouteChanges InterfaceRoutes::sync(const std::vector<tunnel::IpPrefix>& prefixes, std::uint32_t fwmark) {
  RouteChanges changes;
  std::vector<tunnel::IpPrefix> wanted;
  for (const tunnel::IpPrefix& prefix : prefixes) wanted.push_back(prefix.masked());

  for (const bool ipv6 : {false, true}) {
    const tunnel::IpPrefix any = everything(ipv6);
    auto& full = full_[ipv6 ? 1 : 0];
    const bool had = full.has_value();
    try {
      // A new mark moves the full tunnel to the table of that number.
      if (full && (!contains(wanted, any) || full->table != fwmark)) stop_full_tunnel(ipv6);
      if (contains(wanted, any) && !full) {
        if (auto failure = start_full_tunnel(ipv6, fwmark)) changes.failures.push_back(std::move(*failure));
      }
    } catch (const std::system_error& e) {
      changes.failures.emplace_back(e.what());
    }
    if (!had && full) changes.added.push_back(any);
    if (had && !full) changes.removed.push_back(any);
  }

  for (const tunnel::IpPrefix& prefix : wanted) {
    if (prefix.cidr() == 0 || contains(added_, prefix)) continue;
    if (auto failure = add_main_route(prefix, changes)) changes.failures.push_back(std::move(*failure));
  }
  for (auto it = added_.begin(); it != added_.end();) {
    if (contains(wanted, *it)) {
      ++it;
      continue;
    }
    try {
      // Already gone (removed by hand) is as good as removed.
      link_.delete_route(*it);
      changes.removed.push_back(*it);
      it = added_.erase(it);
    } catch (const std::system_error& e) {
      changes.failures.emplace_back(e.what());
      ++it;
    }
  }
  return changes;
}

std::optional<std::string> InterfaceRoutes::add_main_route(const tunnel::IpPrefix& prefix, RouteChanges& changes) {
  try {
    if (link_.add_route(prefix)) {
      added_.push_back(prefix);
      changes.added.push_back(prefix);
      return std::nullopt;
    }
    // Routed already through this interface (the subnet of its own address, say): nothing to do.
    if (link_.routes_through(prefix.address())) return std::nullopt;
    return ifname_ + ": cannot add route " + prefix.to_string() + ": a route to " + prefix.to_string() +
           " through another device exists already (remove it, or take the prefix out of allowed_ips)";
  } catch (const std::system_error& e) {
    return e.what();
  }
}

std::optional<std::string> InterfaceRoutes::start_full_tunnel(bool ipv6, std::uint32_t table) {
  const tunnel::IpPrefix any = everything(ipv6);
  if (table == 0) return ifname_ + ": cannot route " + any.to_string() + ": the full tunnel needs a fwmark";
  FullTunnel full;
  full.table = table;
  try {
    if (!link_.add_route(any, table)) {
      return ifname_ + ": cannot route " + any.to_string() + ": routing table " + std::to_string(table) +
             " has a default route already (another full tunnel?); set fwmark to the number of a free table";
    }
    full.route_added = true;
    const platform::PolicyRule suppress{ipv6, kSuppressPriority, platform::kMainTable, std::nullopt, 0};
    const platform::PolicyRule rest{ipv6, kTablePriority, table, table, std::nullopt};
    for (const platform::PolicyRule& rule : {suppress, rest}) {
      // One there already (another tunnel's, or left by a killed daemon) does the same job.
      if (link_.add_rule(rule)) full.rules_added.push_back(rule);
    }
  } catch (const std::system_error& e) {
    full_[ipv6 ? 1 : 0] = std::move(full);
    try {
      stop_full_tunnel(ipv6);
    } catch (const std::system_error& undo) {
      Log::warning("{}", undo.what());
    }
    return e.what();
  }
  Log::info("full tunnel for {}: default route in table {}, rules {} and {}", any.to_string(), table, kSuppressPriority,
            kTablePriority);
  full_[ipv6 ? 1 : 0] = std::move(full);
  return std::nullopt;
}

void InterfaceRoutes::stop_full_tunnel(bool ipv6) {
  auto& full = full_[ipv6 ? 1 : 0];
  if (!full) return;
  // The catch-all rule first, so traffic never meets the table without the suppressing rule.
  while (!full->rules_added.empty()) {
    link_.delete_rule(full->rules_added.back());
    full->rules_added.pop_back();
  }
  // Gone with the device, when the daemon stops because the device was deleted.
  if (full->route_added) {
    try {
      link_.delete_route(everything(ipv6), full->table);
    } catch (const std::system_error& e) {
      if (e.code().value() != ENODEV) throw;
    }
  }
  full.reset();
}

}  // namespace sluice::daemon
