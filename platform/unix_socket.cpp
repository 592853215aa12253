#include "platform/unix_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "platform/os_error.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::platform {

sockaddr_un unix_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.size() >= sizeof addr.sun_path) throw_os_error(text + ": socket path too long", ENAMETOOLONG);
  std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
  return addr;
}

bool unix_socket_answers(const std::filesystem::path& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  const sockaddr_un addr = unix_address(path);
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace sluice::platform
