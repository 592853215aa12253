// Readiness and shutdown notices for systemd (sluiced@.service is Type=notify). Outside systemd
// ($NOTIFY_SOCKET unset) they do nothing, so the daemon runs the same by hand.
#pragma once

namespace sluice::daemon {

// The interface exists and its control socket listens: `systemctl start` may return, and
// ExecReload or `wg` may talk to the socket.
void notify_ready();

// The daemon is shutting down; systemd then treats the exit as expected, not as a crash.
void notify_stopping();

}  // namespace sluice::daemon
