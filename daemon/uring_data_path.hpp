// The TUN, TAP and UDP I/O of one interface through io_uring: one multishot read on the TUN
// device and on each further device (the TAPs of L2 segments), each into a kernel buffer ring of
// its own (before Linux 6.8: one plain read, and read(2) for the rest of the turn's packets),
// multishot recvmsg on the UDP sockets into another, and sendmsg (with UDP_SEGMENT for GSO
// batches) and device writes queued as SQEs; all SQEs of a loop turn go in one io_uring_enter,
// which also waits. Every buffer comes from one fixed BufferPool.
//
// The rest of the daemon (control socket, timers, captures, metrics) stays on the
// EventLoop's epoll: the ring polls the epoll descriptor, so one wait (in the ring) covers both,
// and a completion of that poll runs the epoll handlers without blocking.
//
// One thread only: the ring is made with IORING_SETUP_SINGLE_ISSUER and DEFER_TASKRUN, so every
// call (send(), write_tun() included) must come from the thread that runs run_once().
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/buffer_pool.hpp"
#include "daemon/data_path.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/provided_buffers.hpp"
#include "daemon/udp_sockets.hpp"
#include "tunnel/endpoint.hpp"

namespace sluice::daemon {

class UringDataPath final : public DataPath {
 public:
  // The data path, or nullptr with `missing` naming what this kernel (or liburing) lacks. The
  // ring polls `loop`'s descriptor and runs its handlers when it has events. The pool has room
  // for the reads and writes of `devices` further devices (add_device). Without `multishot_reads`
  // (or before Linux 6.8) each device is read by one plain read at a time and read(2).
  static std::unique_ptr<UringDataPath> create(int tun_fd, UdpSockets& sockets, EventLoop& loop, Handlers handlers,
                                               std::size_t devices, bool multishot_reads, std::string& missing);
  // Whether devices are read by multishot reads; if not, why not.
  [[nodiscard]] bool multishot_reads() const noexcept { return plain_reads_reason_.empty(); }
  [[nodiscard]] const std::string& plain_reads_reason() const noexcept { return plain_reads_reason_; }
  ~UringDataPath() override;

  // One loop turn: submits what was queued, waits up to `timeout_ms` for a completion, and
  // handles those that came.
  void run_once(int timeout_ms) override;

  // Queues a sendmsg of `datagrams` to `to` (see UdpSockets::send). Bytes in a pool buffer
  // (storage(), a received datagram) are sent from where they are; others are copied into one.
  void send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams, std::uint16_t segment_size) override;
  // Queues a write of one packet to the TUN device, without a copy as for send().
  void write_tun(std::span<const std::uint8_t> packet) override;
  // A pool buffer; empty when the pool has none free.
  [[nodiscard]] std::span<std::uint8_t> storage(std::span<const std::uint8_t> previous) override;

  void submit() override;
  // Submits what was queued for the old sockets, then cancels their receives and arms these.
  void use_sockets(UdpSockets& sockets) override;
  DeviceId add_device(int fd, std::size_t headroom, DeviceHandlers handlers) override;
  void write_device(DeviceId device, std::span<const std::uint8_t> bytes) override;

 private:
  // What a completion belongs to: the top byte of its user_data; device operations name the
  // device in the next two.
  enum class Op : std::uint8_t {
    epoll_poll = 1,
    device_read,
    device_poll,  // before a plain read, once the device was empty
    udp_receive,
    udp_send,
    device_write,
    cancel
  };
  // The TUN device (kTun) or a further one.
  struct Device {
    int fd = -1;
    std::size_t headroom = 0;
    DeviceHandlers handlers;
    // Where a multishot read takes its buffers; none when the device is read by plain reads.
    std::unique_ptr<ProvidedBuffers> buffers;
    // A read is in flight; one that could not be armed (no buffer, no submission entry) is armed
    // at the end of the turn.
    bool reading = false;
    bool failed = false;           // reads end after the first failure (not for the TUN device)
    bool told_unbuffered = false;  // a read's data came without its buffer (a kernel bug)
  };
  static constexpr DeviceId kTun = 0;
  // Storage a queued sendmsg points into, one per pool buffer.
  struct SendSlot {
    UdpSendMessage message;
    tunnel::Endpoint to;
    std::uint16_t segment_size = 0;
    std::uint32_t offset = 0;  // of the datagrams in the buffer
    std::uint32_t length = 0;
  };
  // The pool buffer holding `bytes`, held once more; or a fresh one with a copy of them (and
  // `bytes` pointed at it). Nothing when the pool is empty.
  std::optional<std::uint32_t> hold(std::span<const std::uint8_t>& bytes);
  // For a device write: as hold(), but bytes up to kPackedWrite are copied into the buffer that
  // packs small writes one after another, so that a flood of small frames, each in a buffer of
  // its own (a received datagram, a coalescer slot), does not empty the pool.
  std::optional<std::uint32_t> hold_for_write(std::span<const std::uint8_t>& bytes);

  UringDataPath(int tun_fd, UdpSockets& sockets, EventLoop& loop, Handlers handlers, std::size_t devices);
  // Empty when it works, else what is missing.
  std::string start(bool multishot_reads);

  io_uring_sqe* next_sqe();
  void arm_epoll_poll();
  // The device's buffer ring, when its reads are multishot; empty when it works, else what failed
  // (and the device has none: plain reads).
  std::string provide_read_buffers(DeviceId device, unsigned kept);
  void arm_read(DeviceId device, bool poll_first);
  // Without multishot reads, after a plain read brought a packet: what else the device holds,
  // read by read(2) one at a time (so in its order), up to as many packets in all as a multishot
  // read takes per turn. True when it found the device empty (the next read then waits for it).
  bool read_rest(DeviceId device);
  void arm_missing_reads();
  void arm_receives();
  void top_up_buffer_rings();
  void handle(const io_uring_cqe& cqe);
  void handle_receive(const io_uring_cqe& cqe);
  void handle_read(const io_uring_cqe& cqe, DeviceId device);

  UdpSockets* sockets_;
  EventLoop& loop_;
  Handlers handlers_;
  BufferPool pool_;
  std::vector<SendSlot> send_slots_;
  std::vector<Device> devices_;
  // The buffer small writes are packed into (held once by this too), and how much of it is used.
  std::optional<std::uint32_t> packed_;
  std::size_t packed_used_ = 0;
  // The kernel's buffer ring for UDP receives.
  ProvidedBuffers receive_buffers_;
  // Layout of each receive buffer: header, sender, control messages, then the payload.
  msghdr receive_layout_{};
  // Bumped by use_sockets(), so completions of receives on replaced sockets are not re-armed.
  std::uint32_t socket_generation_ = 0;
  bool receive_armed_[2] = {false, false};  // IPv4, IPv6
  bool epoll_armed_ = false;
  bool ring_ready_ = false;
  std::string plain_reads_reason_;  // empty while devices are read by multishot reads
  io_uring ring_{};
};

}  // namespace sluice::daemon
