#include "daemon/privileges.hpp"

#include <cap-ng.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "platform/os_error.hpp"

namespace sluice::daemon {

void forbid_core_dumps() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) platform::throw_os_error("cannot clear the dumpable flag");
}

void drop_privileges(const platform::UserIdentity& user) {
  const std::string what = "cannot run as user '" + user.name + "'";
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) platform::throw_os_error(what + ": no_new_privs");
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), CAP_NET_ADMIN) != 0) {
    throw std::runtime_error(what + ": cannot prepare the capability set");
  }
  // Keeps the capabilities across setuid, sets gid, drops supplementary groups, sets uid, applies
  // the set above and clears the bounding set.
  if (const int rc = capng_change_id(static_cast<int>(user.uid), static_cast<int>(user.gid),
                                     static_cast<capng_flags_t>(CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING));
      rc != 0) {
    throw std::runtime_error(what + ": changing identity failed at step " + std::to_string(-rc) +
                             " of capng_change_id (needs root and CAP_SETPCAP)");
  }
  if (::getuid() != user.uid || ::geteuid() != user.uid || ::getegid() != user.gid) {
    throw std::runtime_error(what + ": the identity did not change");
  }
  // A change of uid sets the flag to the fs.suid_dumpable sysctl, which may be 1 or 2.
  forbid_core_dumps();
}

}  // namespace sluice::daemon
