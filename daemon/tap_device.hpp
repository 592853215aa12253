// A layer-2 TAP device (IFF_TAP | IFF_NO_PI): each read is one Ethernet frame, each write one frame.
// The device exists as long as this object holds it (it is not made persistent).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "platform/unique_fd.hpp"

namespace sluice::daemon {

class TapDevice {
 public:
  // Creates the device `name`; non-blocking. Throws std::system_error naming the device on
  // failure (no /dev/net/tun, no CAP_NET_ADMIN, a non-TAP link of that name, busy).
  explicit TapDevice(const std::string& name);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // One frame; returns its size, 0 if none is waiting, or -errno.
  [[nodiscard]] long read(std::span<std::uint8_t> buffer) noexcept;
  // Returns 0 or -errno.
  [[nodiscard]] int write(std::span<const std::uint8_t> frame) noexcept;

 private:
  platform::UniqueFd fd_;
  std::string name_;
};

// The MTU the kernel has now for the link `name`; 0 if unknown (no such link).
[[nodiscard]] unsigned link_mtu(const std::string& name) noexcept;

}  // namespace sluice::daemon
