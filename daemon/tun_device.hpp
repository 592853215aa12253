// A layer-3 TUN device (IFF_TUN | IFF_NO_PI): each read is one IP packet, each write one packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "daemon/unique_fd.hpp"

namespace sluice::daemon {

class TunDevice {
 public:
  // Creates (or attaches to) the device `name`; non-blocking. Throws std::system_error naming
  // the interface on failure (no /dev/net/tun, no CAP_NET_ADMIN, name too long, busy).
  explicit TunDevice(const std::string& name);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // One packet; returns its size, 0 if none is waiting, or -errno.
  [[nodiscard]] long read(std::span<std::uint8_t> buffer) noexcept;
  // Returns 0 or -errno.
  [[nodiscard]] int write(std::span<const std::uint8_t> packet) noexcept;

  // Whether the kernel still has the device: `ip link del` (how wg-quick stops a userspace
  // daemon) makes reads fail with EBADFD / EINVAL or the index vanish.
  [[nodiscard]] bool exists() const noexcept;

 private:
  UniqueFd fd_;
  std::string name_;
};

}  // namespace sluice::daemon
