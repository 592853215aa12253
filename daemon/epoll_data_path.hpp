// The data path without io_uring (SLUICE_DISABLE=uring, or a kernel before 6.0): the TUN device,
// the other devices and the UDP sockets are watched by the EventLoop, read with read() and
// recvmsg() until empty, and every send and write is one syscall, made at once.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "daemon/data_path.hpp"
#include "daemon/event_loop.hpp"

namespace sluice::daemon {

class EpollDataPath final : public DataPath {
 public:
  // Watches the TUN device (`tun_fd`, non-blocking, open as long as this) and the sockets on
  // `loop` until destroyed.
  EpollDataPath(int tun_fd, UdpSockets& sockets, EventLoop& loop, Handlers handlers);
  ~EpollDataPath() override;

  void run_once(int timeout_ms) override { loop_.run_once(timeout_ms); }
  void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams, std::uint16_t segment_size) override;
  void write_tun(std::span<const std::uint8_t> packet) override;
  // Nothing is queued, so callers build in their own buffers.
  [[nodiscard]] std::span<std::uint8_t> storage(std::span<const std::uint8_t> /*previous*/) override { return {}; }
  void submit() override {}
  void use_sockets(UdpSockets& sockets) override;
  DeviceId add_device(int fd, std::size_t headroom, DeviceHandlers handlers) override;
  void write_device(DeviceId device, std::span<const std::uint8_t> bytes) override;

 private:
  struct Device {
    int fd = -1;
    DeviceHandlers handlers;
    std::vector<std::uint8_t> area;  // headroom, then the read
    std::size_t headroom = 0;
  };
  void watch_sockets();
  void unwatch_sockets() noexcept;
  void on_udp_readable(int fd);
  void on_device_readable(Device& device);

  UdpSockets* sockets_;
  EventLoop& loop_;
  Handlers handlers_;
  // Every receive lands here: one GRO receive.
  std::vector<std::uint8_t> buffer_;
  // The TUN device first. Not moved once added: the loop's handlers point at them.
  std::vector<std::unique_ptr<Device>> devices_;
};

}  // namespace sluice::daemon
