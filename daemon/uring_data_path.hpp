// The TUN and UDP I/O of one interface through io_uring: TUN reads kept in flight, multishot
// recvmsg on the UDP sockets into a kernel buffer ring, and sendmsg (with UDP_SEGMENT for GSO
// batches) and TUN writes queued as SQEs; all SQEs of a loop turn go in one io_uring_enter, which
// also waits. Every buffer comes from one fixed BufferPool.
//
// The rest of the daemon (control socket, timers, captures, metrics, TAP devices) stays on the
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
#include "daemon/tun_device.hpp"
#include "daemon/udp_sockets.hpp"
#include "tunnel/endpoint.hpp"

namespace sluice::daemon {

class UringDataPath final : public DataPath {
 public:
  // The data path, or nullptr with `missing` naming what this kernel (or liburing) lacks. The
  // ring polls `loop`'s descriptor and runs its handlers when it has events.
  static std::unique_ptr<UringDataPath> create(TunDevice& tun, UdpSockets& sockets, EventLoop& loop, Handlers handlers,
                                               std::string& missing);
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

 private:
  // What a completion belongs to: the top byte of its user_data.
  enum class Op : std::uint8_t { epoll_poll = 1, tun_read, tun_poll, udp_receive, udp_send, tun_write, cancel };
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

  UringDataPath(TunDevice& tun, UdpSockets& sockets, EventLoop& loop, Handlers handlers);
  // Empty when it works, else what is missing.
  std::string start();

  io_uring_sqe* next_sqe();
  void arm_epoll_poll();
  // False when the submission queue had no room: the buffer went back to the pool.
  bool arm_tun_read(std::uint32_t buffer, bool poll_first);
  void arm_missing_tun_reads();
  void arm_receives();
  void top_up_buffer_ring();
  void handle(const io_uring_cqe& cqe);
  void handle_receive(const io_uring_cqe& cqe);
  void handle_tun_read(std::uint32_t buffer, int result);

  TunDevice& tun_;
  UdpSockets* sockets_;
  EventLoop& loop_;
  Handlers handlers_;
  BufferPool pool_;
  std::vector<SendSlot> send_slots_;
  // The kernel's buffer ring for receives (its own mapping, entries point into pool_).
  void* buffer_ring_memory_ = nullptr;
  std::size_t buffer_ring_bytes_ = 0;
  io_uring_buf_ring* buffer_ring_ = nullptr;
  unsigned buffers_in_ring_ = 0;
  // Layout of each receive buffer: header, sender, control messages, then the payload.
  msghdr receive_layout_{};
  // Bumped by use_sockets(), so completions of receives on replaced sockets are not re-armed.
  std::uint32_t socket_generation_ = 0;
  bool receive_armed_[2] = {false, false};  // IPv4, IPv6
  bool epoll_armed_ = false;
  // TUN reads that could not be armed (no buffer or no submission entry), armed at a turn's end.
  std::uint32_t tun_reads_missing_ = 0;
  bool ring_ready_ = false;
  io_uring ring_{};
};

}  // namespace sluice::daemon
