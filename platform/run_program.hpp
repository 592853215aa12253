// Runs a helper program the way an administrator would from a shell, for the few things sluice
// does through the tools of another project (ovs-vsctl for Open vSwitch ports, iptables for the
// mesh's masquerading): no shell, stdin /dev/null, stdout discarded, stderr kept for the error.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sluice::platform {

struct ProgramOutcome {
  int status = 0;           // as from waitpid
  std::string stderr_text;  // its first 4 KiB, on one line, without the final newline

  [[nodiscard]] bool succeeded() const noexcept;
  // stderr_text, or how the program ended when it said nothing: "PROGRAM exited with status 3".
  [[nodiscard]] std::string failure_text(const std::string& program) const;
};

// Runs `program` (found on PATH) with `arguments` (after the program's name) and waits for it; a
// program still running after `limit` is killed. posix_spawn rather than fork: callers have threads,
// and posix_spawn does the fork-and-exec without running anything unsafe in the child. The child
// gets an empty signal mask and default SIGPIPE handling, as from a shell, whatever the caller
// blocks or ignores. Throws std::system_error when the program cannot be started (not found).
ProgramOutcome run_program(const std::string& program, const std::vector<std::string>& arguments,
                           std::chrono::milliseconds limit);

}  // namespace sluice::platform
