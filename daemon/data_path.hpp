// The TUN and UDP I/O of one interface, one interface with two implementations: io_uring
// (UringDataPath) where the kernel has what it needs, else read, recvmsg, sendmsg and write on the
// epoll loop (EpollDataPath). The Interface picks one when it starts running and from then on
// neither knows nor asks which it has.
//
// Either one also runs the rest of the daemon's epoll handlers (control socket, timers, captures,
// metrics) in run_once(), so one wait covers everything. Further devices read and written like
// the TUN one (the TAPs of L2 segments) are added with add_device().
//
// Bytes only: what a TUN read means (virtio-net header, super-packets) is TunOffload's business,
// what a datagram means the core's. Single-threaded: every call comes from the loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "daemon/udp_sockets.hpp"
#include "tunnel/endpoint.hpp"

namespace sluice::daemon {

class DataPath {
 public:
  struct Handlers {
    // One read from the TUN device (virtio-net header first when the device has one); the
    // buffer may be changed, and is read into again after the call.
    std::function<void(std::span<std::uint8_t> read)> tun_read;
    std::function<void(int error)> tun_read_failed;
    // One receive: a datagram, or with `segment_size` several (UDP GRO). Writable in place.
    std::function<void(std::span<std::uint8_t> datagrams, const tunnel::Endpoint& from, std::uint16_t segment_size)>
        udp_received;
    // A send the kernel refused with `error` (an errno), for the caller to retry its own way; at
    // once or on a later turn, so it names the endpoint, not the peer (which may be gone by then).
    std::function<void(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams, std::uint16_t segment_size,
                       int error)>
        send_failed;
    std::function<void()> tun_write_failed;
  };

  // A further device of frames or packets, read and written as the TUN device is.
  struct DeviceHandlers {
    // One read: `bytes` lies `headroom` bytes into `area`, where the handler may write headers in
    // front of it. Both writable; read into again after the call.
    std::function<void(std::span<std::uint8_t> area, std::span<std::uint8_t> bytes)> read;
    // Reading failed with `error` (an errno): the device is read no more.
    std::function<void(int error)> read_failed;
    std::function<void()> write_failed;
  };
  using DeviceId = std::uint32_t;

  virtual ~DataPath() = default;
  DataPath(const DataPath&) = delete;
  DataPath& operator=(const DataPath&) = delete;

  // One loop turn: hands the kernel what was queued, waits up to `timeout_ms` for TUN reads,
  // receives or epoll events, and runs the handlers of those that came.
  virtual void run_once(int timeout_ms) = 0;

  // Sends (or queues) `datagrams` to `to`, as UdpSockets::send does; a failure goes to
  // Handlers::send_failed. Bytes in storage() are sent from where they are.
  virtual void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                    std::uint16_t segment_size) = 0;
  // Writes (or queues) one packet as the TUN device takes it; a failure goes to
  // Handlers::tun_write_failed.
  virtual void write_tun(std::span<const std::uint8_t> packet) = 0;
  // A buffer to build a batch or packet in, so that send() and write_tun() hand it to the kernel
  // without a copy; held until the next call, which gives back `previous` (a span this returned
  // earlier, or any other). Empty: build it in your own buffer.
  [[nodiscard]] virtual std::span<std::uint8_t> storage(std::span<const std::uint8_t> previous) = 0;
  // Hands what is queued to the kernel now, so that a send made directly on a socket does not
  // overtake it.
  virtual void submit() = 0;
  // Before the sockets are replaced (a new listen port): what is queued leaves through the old
  // ones, and receives move to `sockets`.
  virtual void use_sockets(UdpSockets& sockets) = 0;

  // Reads the non-blocking descriptor `fd` from now on, each read `headroom` bytes into its
  // buffer; `fd` must stay open as long as this data path.
  virtual DeviceId add_device(int fd, std::size_t headroom, DeviceHandlers handlers) = 0;
  // Writes (or queues) one frame or packet to the device, as write_tun() does, without a copy for
  // bytes in storage(); a failure goes to its DeviceHandlers::write_failed.
  virtual void write_device(DeviceId device, std::span<const std::uint8_t> bytes) = 0;

 protected:
  DataPath() = default;
};

}  // namespace sluice::daemon
