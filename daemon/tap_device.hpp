// A layer-2 TAP device (IFF_TAP | IFF_NO_PI): each read of fd() is one Ethernet frame, each write
// one frame (the data path does both). With offloads, every read and write starts with a
// virtio-net header (IFF_VNET_HDR), and the kernel may hand over TCP super-frames and partial
// checksums (TUNSETOFFLOAD), as for TunDevice.
// The device exists as long as this object holds it (it is not made persistent).
#pragma once

#include <cstdint>
#include <string>

#include "platform/unique_fd.hpp"

namespace sluice::daemon {

class TapDevice {
 public:
  // Creates the device `name`; non-blocking. Throws std::system_error naming the device on
  // failure (no /dev/net/tun, no CAP_NET_ADMIN, a non-TAP link of that name, busy).
  // `offloads`: ask for IFF_VNET_HDR and TSO/USO; what the kernel gave is vnet_header() and
  // offloads(), and a log line names what is missing.
  explicit TapDevice(const std::string& name, bool offloads = false);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // Reads and writes carry a virtio-net header.
  [[nodiscard]] bool vnet_header() const noexcept { return vnet_header_; }
  // The TUN_F_* offloads the kernel accepted (TUNSETOFFLOAD).
  [[nodiscard]] unsigned offloads() const noexcept { return offloads_; }

 private:
  platform::UniqueFd fd_;
  std::string name_;
  bool vnet_header_ = false;
  unsigned offloads_ = 0;
};

// The MTU the kernel has now for the link `name`; 0 if unknown (no such link).
[[nodiscard]] unsigned link_mtu(const std::string& name) noexcept;

}  // namespace sluice::daemon
