#include "daemon/udp_sockets.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/log.hpp"
#include "platform/os_error.hpp"
#include "platform/socket_address.hpp"

namespace sluice::daemon {
namespace {

// Bursts from a fast sender overflow the default ~200 KiB buffers while the loop is busy
// encrypting; dropped datagrams cost TCP inside the tunnel a retransmit each.
constexpr int kSocketBufferBytes = 4 << 20;

void enlarge_buffers(int fd) {
  for (const auto& [forced, plain] : {std::pair{SO_RCVBUFFORCE, SO_RCVBUF}, std::pair{SO_SNDBUFFORCE, SO_SNDBUF}}) {
    // The forced variant ignores net.core.*mem_max but needs CAP_NET_ADMIN; fall back quietly.
    if (::setsockopt(fd, SOL_SOCKET, forced, &kSocketBufferBytes, sizeof kSocketBufferBytes) != 0) {
      ::setsockopt(fd, SOL_SOCKET, plain, &kSocketBufferBytes, sizeof kSocketBufferBytes);
    }
  }
}

platform::UniqueFd open_socket(int family) {
  platform::UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd.valid()) return fd;
  const int on = 1;
  if (family == AF_INET6) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  } else {
    // Each datagram then says which local address it was sent to (see send()).
    ::setsockopt(fd.get(), IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  }
  enlarge_buffers(fd.get());
  return fd;
}

int bind_port(int fd, int family, std::uint16_t port) {
  const auto any = family == AF_INET ? tunnel::IpAddress::v4(std::array<std::uint8_t, 4>{})
                                     : tunnel::IpAddress::v6(std::array<std::uint8_t, 16>{});
  sockaddr_storage address;
  const socklen_t length = platform::to_sockaddr(any, port, address);
  return ::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0 ? 0 : errno;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  const auto endpoint = platform::from_sockaddr(reinterpret_cast<const sockaddr*>(&address), length);
  return endpoint ? endpoint->port : 0;
}

// Appends `info` as a control message to `message`, whose msg_control points at a zeroed buffer
// with room for it; msg_controllen is what is used so far.
template <class Info>
void attach_control(msghdr& message, int level, int type, const Info& info) {
  auto* cmsg = reinterpret_cast<cmsghdr*>(static_cast<std::uint8_t*>(message.msg_control) + message.msg_controllen);
  cmsg->cmsg_level = level;
  cmsg->cmsg_type = type;
  cmsg->cmsg_len = CMSG_LEN(sizeof info);
  std::memcpy(CMSG_DATA(cmsg), &info, sizeof info);
  message.msg_controllen += CMSG_SPACE(sizeof info);
}

int apply_mark(int fd, std::uint32_t mark) {
  if (fd < 0) return 0;
  return ::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0 ? 0 : -errno;
}

}  // namespace

UdpSockets::UdpSockets(const std::string& ifname, std::uint16_t port, std::uint32_t fwmark, bool gso, bool gro) {
  const std::string where = ifname + ": UDP port " + std::to_string(port);
  // With port 0 the IPv6 socket picks the port and IPv4 must get the same one; another program
  // may hold it for IPv4, so try a few times.
  const int attempts = port == 0 ? 10 : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    v6_ = open_socket(AF_INET6);
    std::uint16_t chosen = port;
    if (v6_.valid()) {
      if (const int err = bind_port(v6_.get(), AF_INET6, port); err != 0) {
        if (err != EADDRNOTAVAIL && err != EAFNOSUPPORT) {
          throw PortBindError(err, std::generic_category(), "cannot bind " + where + " (IPv6)");
        }
        v6_.reset();
      } else {
        chosen = bound_port(v6_.get());
      }
    }
    v4_ = open_socket(AF_INET);
    if (!v4_.valid()) platform::throw_os_error("cannot open IPv4 socket for " + where);
    const int err = bind_port(v4_.get(), AF_INET, chosen);
    if (err == 0) {
      port_ = bound_port(v4_.get());
      break;
    }
    if (err != EADDRINUSE || port != 0 || attempt + 1 == attempts) {
      throw PortBindError(err, std::generic_category(), "cannot bind " + where + " (IPv4)");
    }
  }
  if (fwmark != 0) {
    if (const int err = set_fwmark(fwmark); err != 0) platform::throw_os_error(ifname + ": cannot set fwmark", -err);
  }
  if (gso) {
    // Reading the option succeeds exactly on kernels that know it (Linux 4.18).
    int size = 0;
    socklen_t length = sizeof size;
    const bool known = ::getsockopt(v4_.get(), SOL_UDP, UDP_SEGMENT, &size, &length) == 0;
    gso_[0] = known;
    gso_[1] = known && v6_.valid();
    if (!known) Log::info("no UDP GSO ({}): one datagram per send", std::strerror(errno));
  }
  if (gro) {
    const int on = 1;
    gro_ = true;
    for (const int fd : {v4_.get(), v6_.get()}) {
      if (fd >= 0 && ::setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) != 0) {
        Log::info("no UDP GRO ({}): one datagram per receive", std::strerror(errno));
        gro_ = false;
        break;
      }
    }
    // A socket that said yes before the other refused is harmless: it only gets batches if asked.
  }
}

int UdpSockets::set_fwmark(std::uint32_t mark) noexcept {
  if (const int err = apply_mark(v4_.get(), mark); err != 0) return err;
  return apply_mark(v6_.get(), mark);
}

int UdpSockets::prepare_send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                             std::uint16_t segment_size, UdpSendMessage& out) const noexcept {
  const bool v4 = to.address.is_v4();
  const int fd = v4 ? v4_.get() : v6_.get();
  if (fd < 0) return -EAFNOSUPPORT;
  const socklen_t addr_len = platform::to_sockaddr(to.address, to.port, out.address);
  out.iov = {const_cast<std::uint8_t*>(datagrams.data()), datagrams.size()};
  out.message = {};
  out.message.msg_name = &out.address;
  out.message.msg_namelen = addr_len;
  out.message.msg_iov = &out.iov;
  out.message.msg_iovlen = 1;
  // Answer from the address the peer wrote to: on a host with several addresses the kernel's
  // own choice may differ, and the peer's NAT or firewall would drop the reply.
  out.control = {};
  out.message.msg_control = out.control.data();
  if (to.local && to.local->is_v4() == v4) {
    const auto local = to.local->bytes();
    if (v4) {
      in_pktinfo info{};
      std::memcpy(&info.ipi_spec_dst, local.data(), 4);
      attach_control(out.message, IPPROTO_IP, IP_PKTINFO, info);
    } else {
      in6_pktinfo info{};
      std::memcpy(&info.ipi6_addr, local.data(), 16);
      attach_control(out.message, IPPROTO_IPV6, IPV6_PKTINFO, info);
    }
  }
  if (segment_size != 0 && datagrams.size() > segment_size) {
    if (simulate_gso_eio_) return -EIO;
    attach_control(out.message, SOL_UDP, UDP_SEGMENT, segment_size);
  }
  if (out.message.msg_controllen == 0) out.message.msg_control = nullptr;
  return fd;
}

int UdpSockets::send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                     std::uint16_t segment_size) noexcept {
  UdpSendMessage out;
  const int fd = prepare_send(to, datagrams, segment_size, out);
  if (fd < 0) return fd;
  return ::sendmsg(fd, &out.message, 0) >= 0 ? 0 : -errno;
}

void decode_received(const sockaddr_storage& name, msghdr& message, std::size_t size, tunnel::Endpoint& from,
                     std::uint16_t& segment_size) noexcept {
  from.local.reset();
  segment_size = 0;
  if (const auto sender = platform::from_sockaddr(reinterpret_cast<const sockaddr*>(&name), sizeof name)) {
    from.address = sender->address;
    from.port = sender->port;
  }
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); cmsg != nullptr; cmsg = CMSG_NXTHDR(&message, cmsg)) {
    if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(cmsg), sizeof info);
      from.local = tunnel::IpAddress::v4(
          std::span<const std::uint8_t, 4>(reinterpret_cast<const std::uint8_t*>(&info.ipi_spec_dst), 4));
    } else if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(cmsg), sizeof info);
      from.local = tunnel::IpAddress::v6(
          std::span<const std::uint8_t, 16>(reinterpret_cast<const std::uint8_t*>(&info.ipi6_addr), 16));
    } else if (cmsg->cmsg_level == SOL_UDP && cmsg->cmsg_type == UDP_GRO) {
      int gro_size = 0;
      std::memcpy(&gro_size, CMSG_DATA(cmsg), sizeof gro_size);
      if (gro_size > 0 && static_cast<std::size_t>(gro_size) < size)
        segment_size = static_cast<std::uint16_t>(gro_size);
    }
  }
}

long UdpSockets::receive(int fd, std::span<std::uint8_t> buffer, tunnel::Endpoint& from,
                         std::uint16_t& segment_size) noexcept {
  sockaddr_storage addr{};
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) std::array<std::uint8_t, kUdpReceiveControlBytes> control{};
  msghdr message{};
  message.msg_name = &addr;
  message.msg_namelen = sizeof addr;
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  const ssize_t n = ::recvmsg(fd, &message, 0);
  if (n < 0) return errno == EAGAIN ? 0 : -errno;
  decode_received(addr, message, static_cast<std::size_t>(n), from, segment_size);
  return n;
}

}  // namespace sluice::daemon
