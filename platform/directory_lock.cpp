#include "platform/directory_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <cerrno>
#include <thread>

#include "platform/os_error.hpp"

namespace sluice::platform {

namespace {

// Between tries: short against a writer's few milliseconds, long enough not to spin.
constexpr std::chrono::milliseconds kRetryEvery{5};

}  // namespace

DirectoryLock::DirectoryLock(const std::filesystem::path& dir, std::chrono::milliseconds wait) {
  // Not a blocking flock: it could wait forever on a writer that hangs.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    fd_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_.valid()) throw_os_error(fmt::format("cannot open {} to lock it", dir.string()));
    while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) throw_os_error(fmt::format("cannot lock {}", dir.string()));
      if (std::chrono::steady_clock::now() >= deadline) {
        throw_os_error(fmt::format("another writer still holds the lock on {} after {:g} s (lslocks shows which)",
                                   dir.string(), std::chrono::duration<double>(wait).count()),
                       EWOULDBLOCK);
      }
      std::this_thread::sleep_for(kRetryEvery);
    }
    // The holder we waited for may have removed the directory, and another made it anew: a lock
    // on the old one binds nobody, so the one the path names now is locked instead.
    struct stat held {};
    struct stat named {};
    if (::fstat(fd_.get(), &held) != 0) throw_os_error(fmt::format("cannot inspect {}", dir.string()));
    if (::stat(dir.c_str(), &named) != 0) {
      throw_os_error(errno == ENOENT ? fmt::format("{} was removed while waiting for its lock", dir.string())
                                     : fmt::format("cannot inspect {}", dir.string()));
    }
    if (held.st_dev == named.st_dev && held.st_ino == named.st_ino) return;
  }
}

}  // namespace sluice::platform
