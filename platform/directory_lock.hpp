// An exclusive advisory lock (flock) on a directory, held while the object lives: how writers of
// what lies inside, in different processes, take turns. It binds only those that take it too.
#pragma once

#include <chrono>
#include <filesystem>

#include "platform/unique_fd.hpp"

namespace sluice::platform {

class DirectoryLock {
 public:
  // Long enough for another writer's few map updates; short enough that a writer that hangs (or
  // a lock held by hand) is reported rather than waited for.
  static constexpr std::chrono::milliseconds kDefaultWait{5000};

  // Opens `dir` and locks it, trying again every few milliseconds while another open file
  // description holds the lock, until `wait` has passed; locks the directory the path names once
  // it holds the lock (made anew meanwhile: that one). Throws std::system_error: EWOULDBLOCK
  // naming the directory when another writer still holds it then, ENOENT when there is none (or
  // it was removed meanwhile), else naming the directory with the errno of open() or flock().
  explicit DirectoryLock(const std::filesystem::path& dir, std::chrono::milliseconds wait = kDefaultWait);

 private:
  UniqueFd fd_;  // closing it releases the lock
};

}  // namespace sluice::platform
