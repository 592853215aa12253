#include "daemon/epoll_data_path.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "daemon/log.hpp"
#include "tunnel/device.hpp"

namespace sluice::daemon {
namespace {

// Reads or receives per wake-up before the other descriptors get a turn.
constexpr int kBatch = 256;

}  // namespace

EpollDataPath::EpollDataPath(TunDevice& tun, UdpSockets& sockets, EventLoop& loop, Handlers handlers)
    : tun_(tun),
      sockets_(&sockets),
      loop_(loop),
      handlers_(std::move(handlers)),
      buffer_(tunnel::Device::kMaxPacketSize + 64) {
  loop_.add(tun_.fd(), EPOLLIN, [this](std::uint32_t) { on_tun_readable(); });
  watch_sockets();
}

EpollDataPath::~EpollDataPath() {
  loop_.remove(tun_.fd());
  unwatch_sockets();
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

void EpollDataPath::on_tun_readable() {
  for (int i = 0; i < kBatch; ++i) {
    const long n = tun_.read(buffer_);
    if (n == 0) return;
    if (n < 0) {
      if (n != -EINTR) handlers_.tun_read_failed(static_cast<int>(-n));
      return;
    }
    handlers_.tun_read(std::span(buffer_).first(static_cast<std::size_t>(n)));
  }
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

void EpollDataPath::send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                         std::uint16_t segment_size) {
  if (const int error = sockets_->send(to, datagrams, segment_size); error != 0) {
    handlers_.send_failed(to, datagrams, segment_size, -error);
  }
}

void EpollDataPath::write_tun(std::span<const std::uint8_t> packet) {
  if (tun_.write(packet) != 0) handlers_.tun_write_failed();
}

}  // namespace sluice::daemon
