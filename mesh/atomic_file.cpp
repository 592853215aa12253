#include "mesh/atomic_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "platform/os_error.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::mesh {
namespace {

namespace fs = std::filesystem;

// Removes the temporary file unless it was renamed into place.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void keep() noexcept { path_.clear(); }

 private:
  std::string path_;
};

void write_all(int fd, std::string_view text, const std::string& what) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) platform::throw_os_error(what);
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view text, mode_t mode) {
  const std::string what = "cannot write " + path.string();
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw std::system_error(error, "cannot create the folder " + folder.string());

  // A hidden name beside the file, unique through mkostemp.
  std::string temporary = folder.string();
  temporary.append("/.").append(path.filename().string()).append(".XXXXXX");
  platform::UniqueFd file(::mkostemp(temporary.data(), O_CLOEXEC));
  if (!file.valid()) platform::throw_os_error(what);
  TemporaryFile cleanup(temporary);
  if (::fchmod(file.get(), mode) != 0) platform::throw_os_error(what);
  write_all(file.get(), text, what);
  // The data must be on disk before the name points at it, or a crash could leave an empty file.
  if (::fsync(file.get()) != 0) platform::throw_os_error(what);
  file.reset();  // fsync has reported any write error; close has none left to tell
  if (::rename(temporary.c_str(), path.c_str()) != 0) platform::throw_os_error(what);
  cleanup.keep();
  // And the rename itself must reach the disk.
  const platform::UniqueFd directory(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory.valid() || ::fsync(directory.get()) != 0) platform::throw_os_error(what);
}

}  // namespace sluice::mesh
