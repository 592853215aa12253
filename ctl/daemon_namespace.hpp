// `export` reads the interface's addresses and MTU from the kernel, which shows them only in the
// daemon's network namespace. The control socket reaches the daemon from any namespace (its path
// is on the shared file system), and through it the daemon's process, as `down` finds it.
#pragma once

namespace sluice::ctl {

// Moves this process into the network namespace of the daemon at the other end of `fd` (a control
// connection whose daemon has answered a request), unless it is there already. Throws uapi::ControlError.
void enter_daemon_network_namespace(int fd);

}  // namespace sluice::ctl
