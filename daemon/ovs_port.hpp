// A segment's TAP as a port of an Open vSwitch bridge (ovs_bridge in [[segment]]): added when the
// segment starts, removed when it stops.
//
// Through ovs-vsctl rather than the OVSDB JSON-RPC protocol (RFC 7047): ovs-vsctl is installed with
// every ovs-vswitchd, knows the schema of the version that runs, waits until ovs-vswitchd has
// applied a change (so the port forwards when the segment starts) and is what administrators run
// themselves; speaking OVSDB would mean a transaction builder, a JSON-RPC client and the
// next_cfg/cur_cfg handshake here for two commands made once per segment start and stop.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::daemon {

// What an Open vSwitch port is made of; `db` is ovs-vsctl's --db (its own default when empty).
struct OvsPortSettings {
  std::string bridge;
  std::string port;
  std::optional<unsigned> vlan;  // an access port with this tag; none: a trunk of every VLAN
  std::string db;
};

// How long one ovs-vsctl may take (its --timeout): a hung OVSDB never hangs the daemon.
inline constexpr std::chrono::seconds kOvsTimeout{5};

// The ovs-vsctl arguments (after the program name) that add the port, and that remove it.
std::vector<std::string> ovs_add_port_arguments(const OvsPortSettings& settings);
std::vector<std::string> ovs_del_port_arguments(const OvsPortSettings& settings);

// Why ovs-vsctl failed, for people: its message, with the likely cause in front of it when it
// says that it could not reach the database or that ovs-vswitchd did not answer in time.
std::string ovs_failure_text(const OvsPortSettings& settings, int exit_status, const std::string& stderr_text);

// Adds the port (--may-exist: a port a killed daemon left behind is taken over) and removes it
// when destroyed (--if-exists; a failure then is only logged). The database socket must be open
// to the user the daemon runs as by then (the `user` key), or the port stays until the next start. Throws
// std::runtime_error "cannot add TAP to Open vSwitch bridge BR: ..." when ovs-vsctl fails.
class OvsPort {
 public:
  explicit OvsPort(OvsPortSettings settings);
  ~OvsPort();
  OvsPort(const OvsPort&) = delete;
  OvsPort& operator=(const OvsPort&) = delete;

 private:
  OvsPortSettings settings_;
};

}  // namespace sluice::daemon
