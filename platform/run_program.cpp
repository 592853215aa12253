#include "platform/run_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

#include "platform/unique_fd.hpp"

extern char** environ;

namespace sluice::platform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxStderr = 4096;

// Owns the posix_spawn attribute objects, which need destroying on every path.
class SpawnSetup {
 public:
  explicit SpawnSetup(int stderr_fd) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO);
    posix_spawnattr_init(&attributes_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes_, &none);
    posix_spawnattr_setsigdefault(&attributes_, &defaults);
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attributes_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  const posix_spawn_file_actions_t* actions() const noexcept { return &actions_; }
  const posix_spawnattr_t* attributes() const noexcept { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

void tidy(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
}

}  // namespace

bool ProgramOutcome::succeeded() const noexcept { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string ProgramOutcome::failure_text(const std::string& program) const {
  if (!stderr_text.empty()) return stderr_text;
  if (WIFSIGNALED(status)) return program + " ended by signal " + strsignal(WTERMSIG(status));
  return program + " exited with status " + std::to_string(WEXITSTATUS(status));
}

ProgramOutcome run_program(const std::string& program, const std::vector<std::string>& arguments,
                           std::chrono::milliseconds limit) {
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot create a pipe for " + program);
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  std::vector<std::string> owned{program};
  owned.insert(owned.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : owned) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  {
    const SpawnSetup setup(write_end.get());
    const int spawned =
        ::posix_spawnp(&child, program.c_str(), setup.actions(), setup.attributes(), argv.data(), environ);
    if (spawned != 0) throw std::system_error(spawned, std::generic_category(), "cannot run " + program);
  }
  write_end.reset();

  ProgramOutcome outcome;
  const Clock::time_point deadline = Clock::now() + limit;
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
    if (n > 0) {
      const std::size_t room = kMaxStderr - outcome.stderr_text.size();
      outcome.stderr_text.append(chunk.data(), std::min(room, static_cast<std::size_t>(n)));
    }
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  while (::waitpid(child, &outcome.status, 0) < 0 && errno == EINTR) {}
  tidy(outcome.stderr_text);
  return outcome;
}

}  // namespace sluice::platform
