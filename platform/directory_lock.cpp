#include "platform/directory_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <fmt/format.h>
#include <cerrno>
#include <thread>

#include "platform/os_error.hpp"

namespace sluice::platform {

namespace {

// Between tries: short against a writer's few milliseconds, long enough not to spin.
constexpr std::chrono::milliseconds kRetryEvery{5};

}  // namespace

DirectoryLock::DirectoryLock(const std::filesystem::path& dir, std::chrono::milliseconds wait)
    : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
  if (!fd_.valid()) throw_os_error(fmt::format("cannot open {} to lock it", dir.string()));
  // Not a blocking flock: it could wait forever on a writer that hangs.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw_os_error(fmt::format("cannot lock {}", dir.string()));
    if (std::chrono::steady_clock::now() >= deadline) {
      throw_os_error(fmt::format("another writer still holds the lock on {} after {:g} s (lslocks shows which)",
                                 dir.string(), std::chrono::duration<double>(wait).count()),
                     EWOULDBLOCK);
    }
    std::this_thread::sleep_for(kRetryEvery);
  }
}

}  // namespace sluice::platform
