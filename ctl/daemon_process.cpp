#include "ctl/daemon_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "ctl/socket_owner.hpp"
#include "platform/unique_fd.hpp"
#include "platform/unix_socket.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"

extern char** environ;

namespace sluice::ctl {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollStep = std::chrono::milliseconds(50);
// The daemon's messages before it detaches are a few lines; more is not worth keeping.
constexpr std::size_t kMaxCaptured = 64 << 10;

bool is_executable(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

// The non-empty lines of what the daemon printed.
std::vector<std::string> lines_of(const std::string& captured) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < captured.size()) {
    const std::size_t end = std::min(captured.find('\n', start), captured.size());
    if (end > start) lines.push_back(captured.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Those of `lines` that carry the daemon's `level: ` (its log format: "sluiced[IF]: warning: ...").
std::vector<std::string> lines_at(const std::vector<std::string>& lines, std::string_view level) {
  std::vector<std::string> chosen;
  for (const std::string& line : lines) {
    if (line.find(level) != std::string::npos) chosen.push_back(line);
  }
  return chosen;
}

// The lines that say what went wrong: sluiced's "error:" lines, else everything it printed.
std::string daemon_error(const std::string& captured) {
  const std::vector<std::string> lines = lines_of(captured);
  const std::vector<std::string> errors = lines_at(lines, "error: ");
  const std::vector<std::string>& chosen = errors.empty() ? lines : errors;
  std::string text;
  for (const std::string& line : chosen) {
    // One line on stderr, whatever the daemon printed.
    if (!text.empty()) text.append("; ");
    text.append(line);
  }
  return text;
}

std::string exit_description(int status) {
  if (WIFEXITED(status)) return std::string("exited with status ").append(std::to_string(WEXITSTATUS(status)));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ").append(std::to_string(WTERMSIG(status)));
  return "stopped";
}

// A process that has exited but not been reaped by its parent (a zombie) still answers kill(0).
bool process_running(pid_t pid) {
  std::ifstream stat(std::string("/proc/").append(std::to_string(pid)).append("/stat"));
  std::string text;
  if (!std::getline(stat, text)) return false;
  const std::size_t name_end = text.rfind(')');
  return name_end != std::string::npos && name_end + 2 < text.size() && text[name_end + 2] != 'Z' &&
         text[name_end + 2] != 'X';
}

}  // namespace

std::filesystem::path find_sluiced() {
  if (const char* variable = std::getenv("SLUICED"); variable != nullptr && *variable != '\0') {
    if (!is_executable(variable)) {
      throw uapi::ControlError(std::string("SLUICED=").append(variable).append(": not an executable file"));
    }
    return variable;
  }
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error && is_executable(self.parent_path() / "sluiced")) return self.parent_path() / "sluiced";
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string_view dirs(path);
    while (!dirs.empty()) {
      const std::size_t colon = std::min(dirs.find(':'), dirs.size());
      const std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / "sluiced";
      if (colon != 0 && is_executable(candidate)) return candidate;
      dirs.remove_prefix(std::min(colon + 1, dirs.size()));
    }
  }
  throw uapi::ControlError("cannot find sluiced: not next to sluicectl nor on PATH (set SLUICED=/path/to/sluiced)");
}

StartedDaemon start_daemon(const std::filesystem::path& sluiced, const std::filesystem::path& config,
                           const std::string& ifname, const std::filesystem::path& control_dir, bool verbose) {
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    throw uapi::ControlError(std::string(ifname).append(": cannot create a pipe: ").append(std::strerror(errno)));
  }
  platform::UniqueFd read_end(pipe_fds[0]);
  platform::UniqueFd write_end(pipe_fds[1]);

  // The daemon's stdout and stderr go to the pipe, so its messages can be reported; it reopens
  // them on /dev/null when it detaches, which is how the pipe reaches end-of-file.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
  std::vector<std::string> arguments{sluiced.string(), "--config", config.string(), "--control-dir",
                                     control_dir.string()};
  if (verbose) arguments.emplace_back("-v");
  arguments.push_back(ifname);
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  const int spawned = ::posix_spawn(&child, sluiced.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw uapi::ControlError(std::string(ifname)
                                 .append(": cannot run ")
                                 .append(sluiced.string())
                                 .append(": ")
                                 .append(std::strerror(spawned)));
  }
  write_end.reset();

  const Clock::time_point deadline = Clock::now() + kStartTimeout;
  std::string captured;
  bool pipe_open = true;
  std::optional<int> status;
  while ((pipe_open || !status) && Clock::now() < deadline) {
    if (!status) {
      int raw = 0;
      if (::waitpid(child, &raw, WNOHANG) == child) status = raw;
    }
    if (!pipe_open) {
      std::this_thread::sleep_for(kPollStep);
      continue;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kPollStep.count())) <= 0) continue;
    std::array<char, 4096> chunk{};
    const ssize_t n = ::read(read_end.get(), chunk.data(), chunk.size());
    if (n > 0 && captured.size() < kMaxCaptured) captured.append(chunk.data(), static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) pipe_open = false;
  }
  if (!status) {
    // SIGKILL: before it detaches, sluiced keeps SIGTERM blocked for its event loop, which has not
    // started yet, so only SIGKILL ends it now. A TUN device dies with it; a socket file left
    // behind is stale and the next start replaces it.
    ::kill(child, SIGKILL);
    int raw = 0;
    ::waitpid(child, &raw, 0);
    std::string message(ifname);
    message.append(": sluiced did not finish starting within ").append(std::to_string(kStartTimeout.count()));
    message.append(" s");
    if (!captured.empty()) message.append(": ").append(daemon_error(captured));
    throw uapi::ControlError(message);
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    const std::string reported = daemon_error(captured);
    if (!reported.empty()) throw uapi::ControlError(reported);
    throw uapi::ControlError(std::string(ifname).append(": sluiced ").append(exit_description(*status)));
  }

  const std::vector<std::string> lines = lines_of(captured);
  std::vector<std::string> messages = verbose ? lines : lines_at(lines, "warning: ");
  // sluiced exits 0 only once its socket is listening; a brief retry covers a slow first accept.
  for (;;) {
    try {
      uapi::Client client(control_dir, ifname);
      return StartedDaemon{uapi::parse_get_answer(client.get().str()), std::move(messages)};
    } catch (const uapi::ControlError&) {
      if (Clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(kPollStep);
  }
}

pid_t stop_daemon(const std::string& ifname, const std::filesystem::path& control_dir) {
  pid_t pid = 0;
  {
    uapi::Client client(control_dir, ifname);
    (void)client.get();  // now the daemon has accepted the connection: its end has an owner
    pid = socket_peer_process(client.fd());
  }
  if (::kill(pid, SIGTERM) != 0) {
    throw uapi::ControlError(std::string(ifname)
                                 .append(": cannot signal sluiced (pid ")
                                 .append(std::to_string(pid))
                                 .append("): ")
                                 .append(std::strerror(errno)));
  }
  const std::filesystem::path socket = uapi::socket_path(control_dir, ifname);
  const Clock::time_point deadline = Clock::now() + kStopTimeout;
  for (;;) {
    std::error_code error;
    if (!process_running(pid)) {
      // A daemon running as an unprivileged user cannot remove its socket from root's directory;
      // remove it once nothing answers there (as wg does with a stale socket).
      if (std::filesystem::exists(socket, error) && !platform::unix_socket_answers(socket)) {
        std::filesystem::remove(socket, error);
      }
      return pid;
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollStep);
  }
  std::string message(ifname);
  message.append(": sluiced (pid ").append(std::to_string(pid)).append(") did not stop within ");
  message.append(std::to_string(kStopTimeout.count())).append(" s");
  throw uapi::ControlError(message);
}

}  // namespace sluice::ctl
