#include "daemon/tap_device.hpp"

#include <fcntl.h>
#include <net/if.h>
// After <net/if.h>: it pulls <linux/if.h>, whose flag names clash with glibc's.
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/log.hpp"
#include "daemon/tun_device.hpp"
#include "daemon/tun_name_conflict.hpp"
#include "platform/os_error.hpp"

namespace sluice::daemon {

TapDevice::TapDevice(const std::string& name, bool offloads) : name_(name) {
  platform::validate_interface_name(name);
  fd_.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd_.valid()) platform::throw_os_error(name + ": cannot open /dev/net/tun");
  if (offloads && !tun_offers_vnet_header(fd_.get())) {
    Log::info("TAP device {} has no IFF_VNET_HDR: one frame per read and write", name);
    offloads = false;
  }
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  request.ifr_flags = static_cast<short>(IFF_TAP | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0));
  if (::ioctl(fd_.get(), TUNSETIFF, &request) != 0) throw_tunsetiff_error(name, TunKind::tap, errno);
  if (!offloads) return;
  vnet_header_ = true;
  offloads_ = request_tun_offloads(fd_.get());
  if (offloads_ == 0) {
    Log::info("TAP device {} refuses TSO and checksum offloads ({}): one frame per read", name, std::strerror(errno));
  }
}

unsigned link_mtu(const std::string& name) noexcept {
  const platform::UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  if (name.size() >= sizeof request.ifr_name) return 0;
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (!probe.valid() || ::ioctl(probe.get(), SIOCGIFMTU, &request) != 0) return 0;
  return static_cast<unsigned>(request.ifr_mtu);
}

}  // namespace sluice::daemon
