#include "cni/netns_guard.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cni/container_link.hpp"

namespace sluice::cni {
namespace {

[[noreturn]] void throw_os(const std::string& what, int error = errno) {
  throw LinkError(LinkError::Kind::os, what + ": " + std::strerror(error));
}

}  // namespace

std::optional<platform::UniqueFd> open_netns(const std::string& path) {
  if (path.empty()) return std::nullopt;
  platform::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw_os("cannot open network namespace " + path);
  }
  // A regular file answers ENOTTY; another kind of namespace answers its own type.
  if (::ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET) return std::nullopt;
  return fd;
}

NetnsGuard::NetnsGuard(int netns_fd, const std::string& name)
    : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  if (!original_.valid()) throw_os("cannot open the current network namespace");
  if (::setns(netns_fd, CLONE_NEWNET) != 0) throw_os("cannot enter network namespace " + name);
}

NetnsGuard::~NetnsGuard() {
  if (::setns(original_.get(), CLONE_NEWNET) == 0) return;
  // Going on in the wrong namespace could remove or report another node's interfaces: stop here.
  std::fprintf(stderr, "sluice: cannot return to the node's network namespace: %s\n", std::strerror(errno));
  std::abort();
}

}  // namespace sluice::cni
