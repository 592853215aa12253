#include "daemon/tun_device.hpp"

#include <fcntl.h>
#include <net/if.h>
// After <net/if.h>: it pulls <linux/if.h>, whose flag names clash with glibc's.
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/os_error.hpp"

namespace sluice::daemon {

TunDevice::TunDevice(const std::string& name) : name_(name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw_os_error("'" + name + "': interface names are 1 to " + std::to_string(IFNAMSIZ - 1) + " characters",
                   EINVAL);
  }
  fd_.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd_.valid()) throw_os_error(name + ": cannot open /dev/net/tun");
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd_.get(), TUNSETIFF, &request) != 0) throw_os_error(name + ": cannot create TUN device");
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

bool TunDevice::exists() const noexcept { return ::if_nametoindex(name_.c_str()) != 0; }

}  // namespace sluice::daemon
