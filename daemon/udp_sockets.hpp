// The interface's outer UDP sockets: one IPv4 and one IPv6 (v6-only) socket on the same port,
// so a peer may use either family. Converts between sockaddr and tunnel::Endpoint.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "daemon/unique_fd.hpp"
#include "tunnel/endpoint.hpp"

namespace sluice::daemon {

class UdpSockets {
 public:
  // Binds both families to `port` (0: a free port chosen by the kernel, the same for both).
  // IPv6 is optional: on a host without it only the IPv4 socket is opened. Non-blocking.
  // Throws std::system_error naming `ifname`, the port and errno.
  // `gso`/`gro`: use UDP_SEGMENT and UDP_GRO if the kernel has them (gso()/gro() say whether).
  UdpSockets(const std::string& ifname, std::uint16_t port, std::uint32_t fwmark, bool gso = false,
             bool gro = false);

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] int fd4() const noexcept { return v4_.get(); }
  [[nodiscard]] int fd6() const noexcept { return v6_.get(); }

  // Sends from `to.local` when it is set. Returns 0 or -errno (EAFNOSUPPORT when the endpoint's
  // family has no socket; EINVAL or EADDRNOTAVAIL when `to.local` is no longer ours).
  // With `segment_size` (only when gso()), `datagrams` holds several datagrams of that size, the
  // last one possibly shorter, that the kernel sends separately (UDP_SEGMENT).
  [[nodiscard]] int send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                         std::uint16_t segment_size = 0) noexcept;
  // One datagram from `fd` (fd4() or fd6()): its size, 0 if none is waiting, or -errno. `from.local`
  // is the address of ours it was sent to. With gro(), several datagrams from one sender may come
  // at once: `segment_size` is then the size of each (the last may be shorter), else 0.
  [[nodiscard]] long receive(int fd, std::span<std::uint8_t> buffer, tunnel::Endpoint& from,
                             std::uint16_t& segment_size) noexcept;

  [[nodiscard]] bool gso() const noexcept { return gso_; }
  [[nodiscard]] bool gro() const noexcept { return gro_; }

  // SO_MARK on both sockets (0 clears it). Returns 0 or -errno.
  [[nodiscard]] int set_fwmark(std::uint32_t mark) noexcept;

 private:
  UniqueFd v4_;
  UniqueFd v6_;
  std::uint16_t port_ = 0;
  bool gso_ = false;
  bool gro_ = false;
};

}  // namespace sluice::daemon
