// Least privilege: once the TUN device, the sockets and the control socket exist, sluiced can go
// on as an unprivileged user with CAP_NET_ADMIN alone (for SO_MARK and rtnetlink changes), under
// no_new_privs, and not dumpable (no core file with keys in it, no ptrace by that user's other
// processes).
//
// What no longer works afterwards: binding a listen port below 1024 (`wg set listen-port 80`
// answers EACCES and the old port stays), and removing the control socket on exit (its directory
// belongs to root; `wg` removes a stale socket itself, and the next start replaces it).
#pragma once

#include "platform/user_account.hpp"

namespace sluice::daemon {

// No core file (it would hold keys) and no ptrace by processes of the same user, in every mode:
// called first thing, before any key is read.
void forbid_core_dumps();

// Becomes `user` (uid, primary gid, no supplementary groups) keeping only CAP_NET_ADMIN,
// effective and permitted, with an empty bounding set and no_new_privs. Call before any thread
// starts: capabilities are per thread. Throws std::runtime_error saying which step failed.
void drop_privileges(const platform::UserIdentity& user);

}  // namespace sluice::daemon
