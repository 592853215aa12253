#include "ctl/daemon_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "ctl/socket_owner.hpp"
#include "platform/unique_fd.hpp"
#include "uapi/error.hpp"

namespace sluice::ctl {

void enter_daemon_network_namespace(int fd) {
  const pid_t pid = socket_peer_process(fd);
  const std::string path = std::string("/proc/").append(std::to_string(pid)).append("/ns/net");
  const platform::UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target.valid()) {
    throw uapi::ControlError(std::string("cannot open the daemon's network namespace ")
                                 .append(path)
                                 .append(": ")
                                 .append(std::strerror(errno)));
  }
  struct stat theirs {};
  struct stat ours {};
  if (::fstat(target.get(), &theirs) == 0 && ::stat("/proc/self/ns/net", &ours) == 0 && theirs.st_dev == ours.st_dev &&
      theirs.st_ino == ours.st_ino) {
    return;
  }
  if (::setns(target.get(), CLONE_NEWNET) != 0) {
    throw uapi::ControlError(std::string("cannot enter the daemon's network namespace (sluiced pid ")
                                 .append(std::to_string(pid))
                                 .append("): ")
                                 .append(std::strerror(errno)));
  }
}

}  // namespace sluice::ctl
