// Which process holds the daemon's end of a control connection, so `down` can signal it.
//
// SO_PEERCRED would be simpler but names the process that called listen(): sluiced creates its
// socket before it forks into the background, so that pid belongs to a parent that has exited
// (and may since have been reused by something else). Instead the kernel's socket diagnostics
// give the inode of the connection's other end, and /proc tells which process has it open. Both
// work across network namespaces, which share the socket's file system path.
#pragma once

#include <sys/types.h>

namespace sluice::ctl {

// `fd` is a connected control socket whose daemon has already answered a request (before that,
// the daemon has not accepted the connection and holds no descriptor for it). Throws uapi::ControlError.
[[nodiscard]] pid_t socket_peer_process(int fd);

}  // namespace sluice::ctl
