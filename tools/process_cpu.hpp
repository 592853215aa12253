// CPU time of processes, for the load tool's report: the daemon's from /proc (all its threads,
// user and system), the tool's own from the kernel's process clock.
#pragma once

#include <sys/types.h>

namespace sluice::tools {

// Seconds of user plus system time process `pid` has used; throws when /proc has no such process.
[[nodiscard]] double process_cpu_seconds(pid_t pid);

// The same for the calling process.
[[nodiscard]] double own_cpu_seconds() noexcept;

}  // namespace sluice::tools
