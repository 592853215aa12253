// A layer-3 TUN device (IFF_TUN | IFF_NO_PI): each read is one IP packet, each write one packet.
// With offloads, every read and write starts with a virtio-net header (IFF_VNET_HDR), and the
// kernel may hand over TCP/UDP super-packets and partial checksums (TUNSETOFFLOAD).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "platform/interface_name.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::daemon {

class TunDevice {
 public:
  // Creates (or attaches to) the device `name`; non-blocking. Throws std::system_error naming
  // the interface on failure (no /dev/net/tun, no CAP_NET_ADMIN, name too long, busy).
  // `offloads`: ask for IFF_VNET_HDR and TSO/USO; whether the kernel gave them is vnet_header()
  // and offloads(), and a log line names what is missing.
  explicit TunDevice(const std::string& name, bool offloads = false);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // One packet; returns its size, 0 if none is waiting, or -errno.
  [[nodiscard]] long read(std::span<std::uint8_t> buffer) noexcept;
  // Returns 0 or -errno. With a virtio-net header, `packet` must start with one.
  [[nodiscard]] int write(std::span<const std::uint8_t> packet) noexcept;

  // Reads and writes carry a virtio-net header.
  [[nodiscard]] bool vnet_header() const noexcept { return vnet_header_; }
  // The TUN_F_* offloads the kernel accepted (TUNSETOFFLOAD).
  [[nodiscard]] unsigned offloads() const noexcept { return offloads_; }

  // Whether the kernel still has this device: `ip link del` (how wg-quick stops a userspace
  // daemon) removes it; a new device that reused the name has another index.
  [[nodiscard]] bool exists() const noexcept;

  // The MTU the kernel has now (wg-quick sets it after the daemon starts); 0 if unknown.
  [[nodiscard]] unsigned mtu() const noexcept;

 private:
  platform::UniqueFd fd_;
  std::string name_;
  unsigned index_ = 0;
  bool vnet_header_ = false;
  unsigned offloads_ = 0;
};

// For TUN and TAP devices alike: whether /dev/net/tun (opened as `fd`, before TUNSETIFF) offers
// IFF_VNET_HDR; and, once the device has it, asks for TSO and checksum offloads (with USO when
// the kernel has that). Returns the TUN_F_* flags the kernel accepted, 0 for none.
[[nodiscard]] bool tun_offers_vnet_header(int fd) noexcept;
[[nodiscard]] unsigned request_tun_offloads(int fd) noexcept;
// Whether `offloads` (from request_tun_offloads) include UDP segmentation.
[[nodiscard]] bool has_udp_offloads(unsigned offloads) noexcept;

}  // namespace sluice::daemon
