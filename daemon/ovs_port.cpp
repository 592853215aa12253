#include "daemon/ovs_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include "daemon/log.hpp"
#include "platform/unique_fd.hpp"

extern char** environ;

namespace sluice::daemon {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxStderr = 4096;
// ovs-vsctl stops itself at kOvsTimeout; this only bounds a child that ignores its own alarm.
constexpr auto kHardLimit = kOvsTimeout + std::chrono::seconds(2);

struct Outcome {
  int status = 0;  // as from waitpid
  std::string stderr_text;
};

std::vector<std::string> common_arguments(const OvsPortSettings& settings) {
  std::vector<std::string> arguments{"--timeout=" + std::to_string(kOvsTimeout.count())};
  if (!settings.db.empty()) arguments.push_back("--db=" + settings.db);
  return arguments;
}

// Runs ovs-vsctl (found on PATH) with `arguments`: no shell, stdin /dev/null, stdout discarded,
// stderr kept for the error. posix_spawn rather than fork: the daemon has threads by now, and
// posix_spawn does the fork-and-exec without running anything unsafe in the child.
Outcome run_ovs_vsctl(const std::vector<std::string>& arguments) {
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot create a pipe for ovs-vsctl: ") + std::strerror(errno));
  }
  platform::UniqueFd read_end(pipe_fds[0]);
  platform::UniqueFd write_end(pipe_fds[1]);
  // Everything that may throw comes before the spawn attributes, which need destroying.
  std::vector<std::string> owned{"ovs-vsctl"};
  owned.insert(owned.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : owned) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
  // The daemon blocks SIGTERM, SIGINT and SIGHUP (for its signalfd) and ignores SIGPIPE; both
  // would be inherited: ovs-vsctl gets an empty mask and default handling, as from a shell.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t child = 0;
  const int spawned = ::posix_spawnp(&child, "ovs-vsctl", &actions, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error(std::string("cannot run ovs-vsctl (is Open vSwitch installed?): ") +
                             std::strerror(spawned));
  }
  write_end.reset();

  Outcome outcome;
  const Clock::time_point deadline = Clock::now() + kHardLimit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(child, SIGKILL);
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    std::array<char, 1024> chunk{};
    const ssize_t n = ::read(read_end.get(), chunk.data(), chunk.size());
    if (n > 0 && outcome.stderr_text.size() < kMaxStderr) {
      outcome.stderr_text.append(chunk.data(), static_cast<std::size_t>(n));
    }
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  while (::waitpid(child, &outcome.status, 0) < 0 && errno == EINTR) {}
  while (!outcome.stderr_text.empty() && (outcome.stderr_text.back() == '\n' || outcome.stderr_text.back() == '\r')) {
    outcome.stderr_text.pop_back();
  }
  for (char& c : outcome.stderr_text) {
    if (c == '\n') c = ' ';
  }
  return outcome;
}

bool succeeded(const Outcome& outcome) { return WIFEXITED(outcome.status) && WEXITSTATUS(outcome.status) == 0; }

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
  std::string detail = stderr_text;
  if (detail.empty() && WIFEXITED(exit_status)) {
    detail = "ovs-vsctl exited with status " + std::to_string(WEXITSTATUS(exit_status));
  } else if (detail.empty() && WIFSIGNALED(exit_status)) {
    detail = std::string("ovs-vsctl ended by signal ") + strsignal(WTERMSIG(exit_status));
  }
  std::string text = cause;
  text.append(text.empty() || detail.empty() ? "" : ": ").append(detail);
  return text;
}

OvsPort::OvsPort(OvsPortSettings settings) : settings_(std::move(settings)) {
  const Outcome outcome = run_ovs_vsctl(ovs_add_port_arguments(settings_));
  if (!succeeded(outcome)) {
    // When only ovs-vswitchd failed to confirm, the database has the port already: take it out
    // again, so a failed start leaves nothing behind. Its own failure adds nothing to say.
    run_ovs_vsctl(ovs_del_port_arguments(settings_));
    throw std::runtime_error("cannot add " + settings_.port + " to Open vSwitch bridge " + settings_.bridge + ": " +
                             ovs_failure_text(settings_, outcome.status, outcome.stderr_text));
  }
}

OvsPort::~OvsPort() {
  try {
    const Outcome outcome = run_ovs_vsctl(ovs_del_port_arguments(settings_));
    if (!succeeded(outcome)) {
      Log::warning("cannot remove {} from Open vSwitch bridge {}: {}", settings_.port, settings_.bridge,
                   ovs_failure_text(settings_, outcome.status, outcome.stderr_text));
    }
  } catch (const std::exception& e) {
    Log::warning("cannot remove {} from Open vSwitch bridge {}: {}", settings_.port, settings_.bridge, e.what());
  }
}

}  // namespace sluice::daemon
