#include "daemon/tun_device.hpp"

#include <fcntl.h>
#include <net/if.h>
// After <net/if.h>: it pulls <linux/if.h>, whose flag names clash with glibc's.
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "daemon/os_error.hpp"

namespace sluice::daemon {

void validate_interface_name(const std::string& name) {
  const bool bad_character = name.find_first_of("/ \t\n:") != std::string::npos;
  if (name.empty() || name.size() >= IFNAMSIZ || bad_character || name == "." || name == "..") {
    std::string message = "'";
    message.append(name).append("' is not a valid interface name (1 to ").append(std::to_string(IFNAMSIZ - 1));
    message.append(" characters, no '/', ':' or white space)");
    throw std::invalid_argument(message);
  }
}

TunDevice::TunDevice(const std::string& name) : name_(name) {
  validate_interface_name(name);
  fd_.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd_.valid()) throw_os_error(name + ": cannot open /dev/net/tun");
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd_.get(), TUNSETIFF, &request) != 0) throw_os_error(name + ": cannot create TUN device");
  index_ = ::if_nametoindex(name.c_str());
}

long TunDevice::read(std::span<std::uint8_t> buffer) noexcept {
  const ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
  if (n >= 0) return n;
  return errno == EAGAIN ? 0 : -errno;
}

int TunDevice::write(std::span<const std::uint8_t> packet) noexcept {
  const ssize_t n = ::write(fd_.get(), packet.data(), packet.size());
  return n >= 0 ? 0 : -errno;
}

bool TunDevice::exists() const noexcept { return ::if_nametoindex(name_.c_str()) == index_; }

unsigned TunDevice::mtu() const noexcept {
  const UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::memcpy(request.ifr_name, name_.data(), name_.size());
  if (!probe.valid() || ::ioctl(probe.get(), SIOCGIFMTU, &request) != 0) return 0;
  return static_cast<unsigned>(request.ifr_mtu);
}

}  // namespace sluice::daemon
