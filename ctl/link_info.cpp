#include "ctl/link_info.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>

#include "uapi/error.hpp"

namespace sluice::ctl {
namespace {

unsigned prefix_length(const sockaddr* netmask, std::size_t bytes) {
  const auto* mask =
      netmask->sa_family == AF_INET
          ? reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(netmask)->sin_addr)
          : reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(netmask)->sin6_addr);
  unsigned length = 0;
  for (std::size_t i = 0; i < bytes; ++i) length += static_cast<unsigned>(std::popcount(mask[i]));
  return length;
}

std::string failure(const std::string& ifname, const char* what) {
  return std::string(ifname).append(": ").append(what).append(": ").append(std::strerror(errno));
}

}  // namespace

LinkInfo read_link_info(const std::string& ifname) {
  if (::if_nametoindex(ifname.c_str()) == 0) {
    throw uapi::ControlError(std::string(ifname).append(": no such interface in this network namespace"));
  }
  LinkInfo info;

  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) throw uapi::ControlError(failure(ifname, "cannot list addresses"));
  const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, ::freeifaddrs);
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_netmask == nullptr || ifname != entry->ifa_name) continue;
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(&address->sin_addr), 4);
      info.addresses.emplace_back(tunnel::IpAddress::from_bytes(bytes), prefix_length(entry->ifa_netmask, 4));
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto* address = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      // The kernel makes fe80::/64 addresses itself; they are not part of a configuration.
      if (IN6_IS_ADDR_LINKLOCAL(&address->sin6_addr)) continue;
      const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(&address->sin6_addr), 16);
      info.addresses.emplace_back(tunnel::IpAddress::from_bytes(bytes), prefix_length(entry->ifa_netmask, 16));
    }
  }

  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw uapi::ControlError(failure(ifname, "cannot create a socket"));
  ifreq request{};
  std::strncpy(request.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  const bool got_mtu = ::ioctl(fd, SIOCGIFMTU, &request) == 0;
  const int error = errno;
  ::close(fd);
  errno = error;
  if (!got_mtu) throw uapi::ControlError(failure(ifname, "cannot read the interface's MTU"));
  info.mtu = static_cast<unsigned>(request.ifr_mtu);
  return info;
}

}  // namespace sluice::ctl
