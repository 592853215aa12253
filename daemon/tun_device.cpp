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

#include "daemon/log.hpp"
#include "daemon/tun_name_conflict.hpp"
#include "platform/os_error.hpp"

// Debian 12's headers predate UDP segmentation offload for TUN (Linux 6.2).
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

namespace sluice::daemon {
namespace {

// Checksums and TCP segmentation; UDP segmentation when the kernel has it.
constexpr unsigned kTcpOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
constexpr unsigned kUdpOffloads = TUN_F_USO4 | TUN_F_USO6;

}  // namespace

TunDevice::TunDevice(const std::string& name, bool offloads) : name_(name) {
  platform::validate_interface_name(name);
  fd_.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd_.valid()) platform::throw_os_error(name + ": cannot open /dev/net/tun");
  if (offloads && !tun_offers_vnet_header(fd_.get())) {
    Log::info("TUN device has no IFF_VNET_HDR: no TUN offloads, one packet per read and write");
    offloads = false;
  }
  ifreq request{};
  std::memcpy(request.ifr_name, name.data(), name.size());
  request.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0));
  if (::ioctl(fd_.get(), TUNSETIFF, &request) != 0) throw_tunsetiff_error(name, TunKind::tun, errno);
  index_ = ::if_nametoindex(name.c_str());
  if (!offloads) return;
  vnet_header_ = true;
  offloads_ = request_tun_offloads(fd_.get());
  if (offloads_ == 0) {
    Log::info("TUN device refuses TSO and checksum offloads ({}): one packet per read", std::strerror(errno));
  } else if (!has_udp_offloads(offloads_)) {
    Log::info("TUN device has TSO but no UDP segmentation offload (USO needs Linux 6.2)");
  }
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

bool tun_offers_vnet_header(int fd) noexcept {
  unsigned features = 0;
  return ::ioctl(fd, TUNGETFEATURES, &features) == 0 && (features & IFF_VNET_HDR) != 0;
}

unsigned request_tun_offloads(int fd) noexcept {
  for (const unsigned wanted : {kTcpOffloads | kUdpOffloads, kTcpOffloads}) {
    if (::ioctl(fd, TUNSETOFFLOAD, wanted) == 0) return wanted;
  }
  return 0;
}

bool has_udp_offloads(unsigned offloads) noexcept { return (offloads & kUdpOffloads) != 0; }

bool TunDevice::exists() const noexcept { return ::if_nametoindex(name_.c_str()) == index_; }

unsigned TunDevice::mtu() const noexcept {
  const platform::UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::memcpy(request.ifr_name, name_.data(), name_.size());
  if (!probe.valid() || ::ioctl(probe.get(), SIOCGIFMTU, &request) != 0) return 0;
  return static_cast<unsigned>(request.ifr_mtu);
}

}  // namespace sluice::daemon
