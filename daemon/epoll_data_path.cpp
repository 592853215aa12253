#include "daemon/epoll_data_path.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/log.hpp"
#include "tunnel/device.hpp"

namespace sluice::daemon {
namespace {

// Reads or receives per wake-up before the other descriptors get a turn.
constexpr int kBatch = 256;
// The largest read from a device: a super-packet or super-frame of 64 KiB behind its headers.
constexpr std::size_t kDeviceReadSize = 65536 + 512;
// The TUN device is the first device: read and written as the TAPs are, but read on after a
// failure (the interface decides whether the device is gone).
constexpr DataPath::DeviceId kTun = 0;

}  // namespace

EpollDataPath::EpollDataPath(int tun_fd, UdpSockets& sockets, EventLoop& loop, Handlers handlers)
    : sockets_(&sockets), loop_(loop), handlers_(std::move(handlers)), buffer_(tunnel::Device::kMaxPacketSize + 64) {
  add_device(tun_fd, 0,
             {[this](std::span<std::uint8_t>, std::span<std::uint8_t> bytes) { handlers_.tun_read(bytes); },
              [this](int error) { handlers_.tun_read_failed(error); }, [this] { handlers_.tun_write_failed(); }});
  watch_sockets();
}

EpollDataPath::~EpollDataPath() {
  unwatch_sockets();
  for (const auto& device : devices_) loop_.remove(device->fd);
}

void EpollDataPath::watch_sockets() {
  for (const int fd : {sockets_->fd4(), sockets_->fd6()}) {
    if (fd >= 0) loop_.add(fd, EPOLLIN, [this, fd](std::uint32_t) { on_udp_readable(fd); });
  }
}

void EpollDataPath::unwatch_sockets() noexcept {
  for (const int fd : {sockets_->fd4(), sockets_->fd6()}) {
    if (fd >= 0) loop_.remove(fd);
  }
}

void EpollDataPath::use_sockets(UdpSockets& sockets) {
  unwatch_sockets();
  sockets_ = &sockets;
  watch_sockets();
}

void EpollDataPath::on_udp_readable(int fd) {
  for (int i = 0; i < kBatch; ++i) {
    tunnel::Endpoint from;
    std::uint16_t segment_size = 0;
    const long n = sockets_->receive(fd, buffer_, from, segment_size);
    if (n == 0) return;
    if (n < 0) {
      if (n != -EINTR) {
        Log::warning("receiving on UDP port {} failed: {}", sockets_->port(), std::strerror(-static_cast<int>(n)));
      }
      return;
    }
    handlers_.udp_received(std::span(buffer_).first(static_cast<std::size_t>(n)), from, segment_size);
  }
}

DataPath::DeviceId EpollDataPath::add_device(int fd, std::size_t headroom, DeviceHandlers handlers) {
  auto device = std::make_unique<Device>();
  device->fd = fd;
  device->handlers = std::move(handlers);
  device->area.resize(headroom + kDeviceReadSize);
  device->headroom = headroom;
  loop_.add(fd, EPOLLIN, [this, d = device.get()](std::uint32_t) { on_device_readable(*d); });
  devices_.push_back(std::move(device));
  return static_cast<DeviceId>(devices_.size() - 1);
}

void EpollDataPath::on_device_readable(Device& device) {
  const auto read_area = std::span(device.area).subspan(device.headroom);
  for (int i = 0; i < kBatch; ++i) {
    const ssize_t n = ::read(device.fd, read_area.data(), read_area.size());
    if (n == 0) return;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      const int error = errno;
      // A deleted (or broken) TAP: stop watching it rather than spin on the error.
      if (&device != devices_[kTun].get()) loop_.remove(device.fd);
      device.handlers.read_failed(error);
      return;
    }
    device.handlers.read(device.area, read_area.first(static_cast<std::size_t>(n)));
  }
}

void EpollDataPath::write_device(DeviceId device, std::span<const std::uint8_t> bytes) {
  const Device& target = *devices_[device];
  if (::write(target.fd, bytes.data(), bytes.size()) < 0) target.handlers.write_failed();
}

void EpollDataPath::send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                         std::uint16_t segment_size) {
  if (const int error = sockets_->send(to, datagrams, segment_size); error != 0) {
    handlers_.send_failed(to, datagrams, segment_size, -error);
  }
}

void EpollDataPath::write_tun(std::span<const std::uint8_t> packet) { write_device(kTun, packet); }

}  // namespace sluice::daemon
