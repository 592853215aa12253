#include "daemon/ovs_port.hpp"

#include <sys/wait.h>

#include <csignal>
#include <stdexcept>
#include <system_error>

#include "daemon/log.hpp"
#include "platform/run_program.hpp"

namespace sluice::daemon {
namespace {

// ovs-vsctl stops itself at kOvsTimeout; this only bounds a child that ignores its own alarm.
constexpr auto kHardLimit = kOvsTimeout + std::chrono::seconds(2);

std::vector<std::string> common_arguments(const OvsPortSettings& settings) {
  std::vector<std::string> arguments{"--timeout=" + std::to_string(kOvsTimeout.count())};
  if (!settings.db.empty()) arguments.push_back("--db=" + settings.db);
  return arguments;
}

platform::ProgramOutcome run_ovs_vsctl(const std::vector<std::string>& arguments) {
  try {
    return platform::run_program("ovs-vsctl", arguments, kHardLimit);
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot run ovs-vsctl (is Open vSwitch installed?): " + e.code().message());
  }
}

// The socket ovs-vsctl names in "ovs-vsctl: unix:/x/db.sock: database connection failed (...)".
std::string socket_named(const OvsPortSettings& settings, const std::string& stderr_text) {
  constexpr std::string_view kProgram = "ovs-vsctl: ";
  const std::size_t start = stderr_text.find(kProgram);
  const std::size_t end = stderr_text.find(": database connection failed");
  if (start != std::string::npos && end != std::string::npos && end > start + kProgram.size()) {
    return stderr_text.substr(start + kProgram.size(), end - start - kProgram.size());
  }
  return settings.db.empty() ? std::string("ovs-vsctl's default socket") : settings.db;
}

}  // namespace

std::vector<std::string> ovs_add_port_arguments(const OvsPortSettings& settings) {
  std::vector<std::string> arguments = common_arguments(settings);
  arguments.insert(arguments.end(), {"--may-exist", "add-port", settings.bridge, settings.port});
  // Always set (an empty tag clears one a former start left): without a tag the port is a trunk.
  arguments.insert(arguments.end(), {"--", "set", "port", settings.port,
                                     settings.vlan ? "tag=" + std::to_string(*settings.vlan) : "tag=[]"});
  return arguments;
}

std::vector<std::string> ovs_del_port_arguments(const OvsPortSettings& settings) {
  std::vector<std::string> arguments = common_arguments(settings);
  // --no-wait: the port is gone from the database at once, and ovs-vswitchd follows; a daemon
  // that stops does not wait for it (it may be the one that is gone).
  arguments.insert(arguments.end(), {"--no-wait", "--if-exists", "del-port", settings.bridge, settings.port});
  return arguments;
}

std::string ovs_failure_text(const OvsPortSettings& settings, int exit_status, const std::string& stderr_text) {
  std::string cause;
  if (stderr_text.find("database connection failed") != std::string::npos) {
    const std::string socket = socket_named(settings, stderr_text);
    cause = stderr_text.find("Permission denied") != std::string::npos
                ? "the daemon's user may not use the ovsdb-server socket (" + socket + ")"
                : "ovsdb-server is not running (" + socket + ")";
  } else if ((WIFSIGNALED(exit_status) && WTERMSIG(exit_status) == SIGALRM) ||
             stderr_text.find("timeout") != std::string::npos) {
    cause = "ovs-vswitchd did not apply the change within " + std::to_string(kOvsTimeout.count()) +
            " s: is it running? (database " + socket_named(settings, stderr_text) + ")";
  } else if (stderr_text.find("no bridge named") != std::string::npos) {
    cause = "no such bridge (create it: ovs-vsctl add-br " + settings.bridge + ")";
  }
  // ovs-vsctl's own message says what went wrong; only when it said nothing, the exit status.
  const std::string detail = platform::ProgramOutcome{exit_status, stderr_text}.failure_text("ovs-vsctl");
  std::string text = cause;
  text.append(text.empty() || detail.empty() ? "" : ": ").append(detail);
  return text;
}

OvsPort::OvsPort(OvsPortSettings settings) : settings_(std::move(settings)) {
  const platform::ProgramOutcome outcome = run_ovs_vsctl(ovs_add_port_arguments(settings_));
  if (!outcome.succeeded()) {
    // When only ovs-vswitchd failed to confirm, the database has the port already: take it out
    // again, so a failed start leaves nothing behind. Its own failure adds nothing to say.
    run_ovs_vsctl(ovs_del_port_arguments(settings_));
    throw std::runtime_error("cannot add " + settings_.port + " to Open vSwitch bridge " + settings_.bridge + ": " +
                             ovs_failure_text(settings_, outcome.status, outcome.stderr_text));
  }
}

OvsPort::~OvsPort() {
  try {
    const platform::ProgramOutcome outcome = run_ovs_vsctl(ovs_del_port_arguments(settings_));
    if (!outcome.succeeded()) {
      Log::warning("cannot remove {} from Open vSwitch bridge {}: {}", settings_.port, settings_.bridge,
                   ovs_failure_text(settings_, outcome.status, outcome.stderr_text));
    }
  } catch (const std::exception& e) {
    Log::warning("cannot remove {} from Open vSwitch bridge {}: {}", settings_.port, settings_.bridge, e.what());
  }
}

}  // namespace sluice::daemon
