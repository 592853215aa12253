#include "platform/small_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "crypto/memory.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::platform {

std::string read_small_file(const std::filesystem::path& path, std::size_t limit) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw std::system_error(errno, std::generic_category());

  std::string buffer(limit + 1, '\0');
  std::size_t used = 0;
  // The one byte of room beyond `limit` tells "exactly at the limit" from "too large".
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data() + used, buffer.size() - used);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || used + static_cast<std::size_t>(n) > limit) {
      const int error = n < 0 ? errno : EFBIG;
      crypto::wipe(buffer.data(), buffer.size());
      throw std::system_error(error, std::generic_category());
    }
    used += static_cast<std::size_t>(n);
  }
  buffer.resize(used);  // shrinking keeps the same allocation
  return buffer;
}

}  // namespace sluice::platform
