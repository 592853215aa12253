// The interface's outer UDP sockets: one IPv4 and one IPv6 (v6-only) socket on the same port,
// so a peer may use either family. Converts between sockaddr and tunnel::Endpoint.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "platform/unique_fd.hpp"
#include "tunnel/endpoint.hpp"

namespace sluice::daemon {

// Storage for one outgoing sendmsg: destination, its one iovec, and the control messages (source
// address, UDP_SEGMENT).
struct UdpSendMessage {
  static constexpr std::size_t kControlBytes = CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(std::uint16_t));
  sockaddr_storage address{};
  iovec iov{};
  msghdr message{};
  alignas(cmsghdr) std::array<std::uint8_t, kControlBytes> control{};
};

// Room for the control messages the sockets ask for on receive: the local address (IP_PKTINFO
// or IPV6_PKTINFO) and the GRO segment size.
inline constexpr std::size_t kUdpReceiveControlBytes =
    CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(int));

// Reads the sender from `name` (`from` keeps its address for a family other than IPv4 and IPv6)
// and, from the control messages `message` names (msg_control and
// msg_controllen), our local address and the GRO segment size of a receive of `size` bytes.
void decode_received(const sockaddr_storage& name, msghdr& message, std::size_t size, tunnel::Endpoint& from,
                     std::uint16_t& segment_size) noexcept;

// The listen port could not be bound (in use, or below 1024 without the capability).
class PortBindError : public std::system_error {
 public:
  using std::system_error::system_error;
};

class UdpSockets {
 public:
  // Binds both families to `port` (0: a free port chosen by the kernel, the same for both).
  // IPv6 is optional: on a host without it only the IPv4 socket is opened. Non-blocking.
  // Throws std::system_error naming `ifname`, the port and errno.
  // `gso`/`gro`: use UDP_SEGMENT and UDP_GRO if the kernel has them (gso()/gro() say whether).
  UdpSockets(const std::string& ifname, std::uint16_t port, std::uint32_t fwmark, bool gso = false, bool gro = false);

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] int fd4() const noexcept { return v4_.get(); }
  [[nodiscard]] int fd6() const noexcept { return v6_.get(); }

  // Sends from `to.local` when it is set. Returns 0 or -errno (EAFNOSUPPORT when the endpoint's
  // family has no socket; EINVAL or EADDRNOTAVAIL when `to.local` is no longer ours).
  // With `segment_size` (only when gso(to)), `datagrams` holds several datagrams of that size, the
  // last one possibly shorter, that the kernel sends separately (UDP_SEGMENT).
  [[nodiscard]] int send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                         std::uint16_t segment_size = 0) noexcept;
  // The sendmsg that send() makes, laid out in `out` (which must stay put until it is sent), for
  // callers that submit it themselves (io_uring). Returns the socket to send it on, or -EAFNOSUPPORT
  // (or -EIO, see simulate_gso_eio()).
  [[nodiscard]] int prepare_send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                                 std::uint16_t segment_size, UdpSendMessage& out) const noexcept;
  // One datagram from `fd` (fd4() or fd6()): its size, 0 if none is waiting, or -errno. `from.local`
  // is the address of ours it was sent to. With gro(), several datagrams from one sender may come
  // at once: `segment_size` is then the size of each (the last may be shorter), else 0.
  [[nodiscard]] long receive(int fd, std::span<std::uint8_t> buffer, tunnel::Endpoint& from,
                             std::uint16_t& segment_size) noexcept;

  // Whether UDP_SEGMENT is in use on some socket (gso()), or on the one sending to `to`.
  [[nodiscard]] bool gso() const noexcept { return gso_[0] || gso_[1]; }
  [[nodiscard]] bool gso(const tunnel::Endpoint& to) const noexcept { return gso_[to.address.is_v4() ? 0 : 1]; }
  // No more UDP_SEGMENT on the socket sending to `to`; returns whether it was in use.
  bool disable_gso(const tunnel::Endpoint& to) noexcept {
    return std::exchange(gso_[to.address.is_v4() ? 0 : 1], false);
  }
  // Test switch: every segmented send fails with EIO before it reaches the kernel, as on a route
  // whose device has no checksum offload.
  void simulate_gso_eio() noexcept { simulate_gso_eio_ = true; }
  [[nodiscard]] bool gro() const noexcept { return gro_; }

  // SO_MARK on both sockets (0 clears it). Returns 0 or -errno.
  [[nodiscard]] int set_fwmark(std::uint32_t mark) noexcept;

 private:
  platform::UniqueFd v4_;
  platform::UniqueFd v6_;
  std::uint16_t port_ = 0;
  bool gso_[2] = {false, false};  // IPv4, IPv6
  bool gro_ = false;
  bool simulate_gso_eio_ = false;
};

}  // namespace sluice::daemon
