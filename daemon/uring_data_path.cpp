#include "daemon/uring_data_path.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/log.hpp"
#include "platform/kernel_release.hpp"
#include "platform/os_error.hpp"

namespace sluice::daemon {
namespace {

// One TUN super-packet (64 KiB and its virtio-net header), or one GRO receive with the sender
// and control messages in front of it.
constexpr std::size_t kBufferSize = 65536 + 4096;
constexpr std::size_t kPoolBuffers = 256;
// A device is read by one multishot read (Linux 6.8), which takes its buffers from a ring of
// the device's own, kept filled with this many: several super-packets from the TUN device, more
// frames from a TAP, which hands over one frame per read. Before 6.8, one plain read and as many
// read(2) calls after it. Never by several reads at once: io_uring does not order them, and their
// completions came out of the order the device gave its packets.
constexpr unsigned kTunBuffers = 8;
constexpr unsigned kDeviceBuffers = 16;
constexpr unsigned kDeviceRingEntries = 16;
// The pool grows by twice as many buffers per further device, for the writes and the
// super-frames built for it.
constexpr std::size_t kPoolBuffersPerDevice = 2 * kDeviceBuffers;
// IORING_OP_READ_MULTISHOT, newer than Debian 12's liburing headers (2.3).
constexpr std::uint8_t kOpReadMultishot = 49;
// The receive buffer ring: its size (a power of two), and how many buffers it is kept filled with.
constexpr unsigned kReceiveRingEntries = 128;
constexpr unsigned kReceiveBuffers = 64;
// Buffer group 0 is the UDP receives'; device d reads from group 1 + d.
constexpr std::uint16_t kReceiveGroup = 0;
static_assert(kReceiveBuffers <= kReceiveRingEntries && kTunBuffers <= kDeviceRingEntries &&
              kDeviceBuffers <= kDeviceRingEntries);
constexpr unsigned kSubmissionEntries = 512;
// Multishot receives post many completions per submission.
constexpr unsigned kCompletionEntries = 4096;
// Completions handled per turn before queued sends are flushed and submitted.
constexpr unsigned kCompletionsPerTurn = 512;
// Device writes up to this size are copied and packed (hold_for_write): dearer than handing over
// the buffer they are in only for writes of several pages.
constexpr std::size_t kPackedWrite = 4096;

std::uint64_t tag(std::uint8_t op, std::uint32_t value, std::uint32_t device = 0) {
  return (std::uint64_t{op} << 56) | (std::uint64_t{device & 0xffff} << 32) | value;
}

std::string errno_text(int error) { return std::strerror(error < 0 ? -error : error); }

}  // namespace

std::unique_ptr<UringDataPath> UringDataPath::create(int tun_fd, UdpSockets& sockets, EventLoop& loop,
                                                     Handlers handlers, std::size_t devices, bool multishot_reads,
                                                     std::string& missing) {
  std::unique_ptr<UringDataPath> path(new UringDataPath(tun_fd, sockets, loop, std::move(handlers), devices));
  missing = path->start(multishot_reads);
  if (!missing.empty()) return nullptr;
  return path;
}

UringDataPath::UringDataPath(int tun_fd, UdpSockets& sockets, EventLoop& loop, Handlers handlers, std::size_t devices)
    : sockets_(&sockets),
      loop_(loop),
      handlers_(std::move(handlers)),
      pool_(kPoolBuffers + devices * kPoolBuffersPerDevice, kBufferSize),
      send_slots_(pool_.count()) {
  receive_layout_.msg_namelen = sizeof(sockaddr_storage);
  receive_layout_.msg_controllen = kUdpReceiveControlBytes;
  Device& device = devices_.emplace_back();
  device.fd = tun_fd;
  device.handlers.read = [this](std::span<std::uint8_t>, std::span<std::uint8_t> bytes) { handlers_.tun_read(bytes); };
  device.handlers.read_failed = [this](int error) { handlers_.tun_read_failed(error); };
  device.handlers.write_failed = [this] { handlers_.tun_write_failed(); };
}

std::string UringDataPath::start(bool multishot_reads) {
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  params.cq_entries = kCompletionEntries;
  int error = io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
  if (error == -EINVAL) {
    // Before Linux 6.1: completions are then run whenever the kernel likes, which only costs a little.
    params = {};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kCompletionEntries;
    error = io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
  }
  if (error != 0) return "no io_uring: " + errno_text(error);
  ring_ready_ = true;
  if ((params.features & IORING_FEAT_EXT_ARG) == 0) return "no io_uring wait with timeout (needs Linux 5.11)";

  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  if (probe == nullptr) return "no io_uring opcode probe (needs Linux 5.6)";
  // SEND_ZC came with Linux 6.0, as did multishot recvmsg, which has no opcode of its own to probe.
  const bool complete = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC) != 0 &&
                        io_uring_opcode_supported(probe, IORING_OP_RECVMSG) != 0 &&
                        io_uring_opcode_supported(probe, IORING_OP_SENDMSG) != 0 &&
                        io_uring_opcode_supported(probe, IORING_OP_READ) != 0 &&
                        io_uring_opcode_supported(probe, IORING_OP_WRITE) != 0 &&
                        io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) != 0 &&
                        io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL) != 0;
  // Linux 6.7 has the opcode, but a multishot read there could leave a queued packet unread until
  // the next one arrived (fixed in 6.8 by "io_uring/rw: ensure poll based multishot read retries
  // appropriately"); the probe cannot tell, the release can.
  if (!multishot_reads) {
    plain_reads_reason_ = "SLUICE_DISABLE";
  } else if (io_uring_opcode_supported(probe, kOpReadMultishot) == 0 || !platform::kernel_at_least(6, 8)) {
    plain_reads_reason_ = "no multishot read: needs Linux 6.8";
  }
  io_uring_free_probe(probe);
  if (!complete) return "no multishot recvmsg in io_uring (needs Linux 6.0)";

  if (auto failed = receive_buffers_.start(ring_, kReceiveGroup, kReceiveRingEntries, kReceiveBuffers, 0);
      !failed.empty()) {
    return failed;
  }
  if (const auto failed = provide_read_buffers(kTun, kTunBuffers); !failed.empty()) {
    // Plain reads for every device then, rather than no io_uring.
    Log::warning("devices are read by plain reads: {}", failed);
    plain_reads_reason_ = "the kernel refused a buffer ring";
  }

  top_up_buffer_rings();
  arm_missing_reads();
  arm_receives();
  arm_epoll_poll();
  return {};
}

UringDataPath::~UringDataPath() {
  if (ring_ready_) {
    // Cancelled and waited for here, not in the ring's own (asynchronous) teardown: the reads in
    // flight hold the TUN device and the sockets open, and `ip link` or a restarted daemon
    // must find them gone once we have exited. Also, the kernel must be done with the buffers.
    io_uring_sync_cancel_reg cancel{};
    cancel.flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
    cancel.timeout.tv_sec = 1;
    io_uring_register_sync_cancel(&ring_, &cancel);
    // Their completions are work for this task: run it, which frees the requests and the file
    // references they hold.
    for (int round = 0; round < 8; ++round) {
      io_uring_get_events(&ring_);
      const unsigned ready = io_uring_cq_ready(&ring_);
      if (ready == 0) break;
      io_uring_cq_advance(&ring_, ready);
    }
    io_uring_queue_exit(&ring_);
  }
}

io_uring_sqe* UringDataPath::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe != nullptr) return sqe;
  // More than a submission queue's worth in one turn: send those on their way.
  io_uring_submit(&ring_);
  return io_uring_get_sqe(&ring_);
}

void UringDataPath::submit() { io_uring_submit(&ring_); }

void UringDataPath::arm_epoll_poll() {
  io_uring_sqe* sqe = next_sqe();
  if (sqe == nullptr) return;
  // One-shot, re-armed after the handlers ran: level-triggered, like epoll_wait itself.
  io_uring_prep_poll_add(sqe, loop_.fd(), POLLIN);
  io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::epoll_poll), 0));
  epoll_armed_ = true;
}

std::string UringDataPath::provide_read_buffers(DeviceId id, unsigned kept) {
  if (!multishot_reads()) return {};
  Device& device = devices_[id];
  device.buffers = std::make_unique<ProvidedBuffers>();
  auto failed =
      device.buffers->start(ring_, static_cast<std::uint16_t>(1 + id), kDeviceRingEntries, kept, device.headroom);
  if (!failed.empty()) device.buffers.reset();
  return failed;
}

void UringDataPath::arm_read(DeviceId id, bool poll_first) {
  Device& device = devices_[id];
  if (device.buffers) {
    // With no buffer (the pool is empty) it would end at once, and the loop would spin on that:
    // armed at the end of a turn that gave buffers back (arm_missing_reads), as after a full
    // submission queue.
    if (device.buffers->empty()) return;
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) return;
    io_uring_prep_rw(kOpReadMultishot, sqe, device.fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = device.buffers->group();
    io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::device_read), 0, id));
    device.reading = true;
    return;
  }
  // Without multishot reads: one plain read at a time, so that completions stay in the device's
  // order.
  const auto buffer = pool_.acquire();
  if (!buffer) return;
  io_uring_sqe* poll = nullptr;
  if (poll_first) {
    // The device said "try again" (its descriptor is non-blocking, for the epoll path): wait for
    // it to be readable first, in the same chain.
    poll = next_sqe();
    if (poll != nullptr) {
      io_uring_prep_poll_add(poll, device.fd, POLLIN);
      io_uring_sqe_set_data64(poll, tag(static_cast<std::uint8_t>(Op::device_poll), 0, id));
      poll->flags |= IOSQE_IO_LINK;
    }
  }
  io_uring_sqe* sqe = next_sqe();
  if (sqe == nullptr) {
    // A full submission queue: armed again at the end of the turn. A poll already queued must
    // not hold the next entry.
    if (poll != nullptr) poll->flags &= static_cast<std::uint8_t>(~IOSQE_IO_LINK);
    pool_.release(*buffer);
    return;
  }
  const auto read_area = pool_.data(*buffer).subspan(device.headroom);
  io_uring_prep_read(sqe, device.fd, read_area.data(), static_cast<unsigned>(read_area.size()), 0);
  io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::device_read), *buffer, id));
  device.reading = true;
}

void UringDataPath::arm_missing_reads() {
  for (DeviceId id = 0; id < devices_.size(); ++id) {
    if (!devices_[id].reading && !devices_[id].failed) arm_read(id, false);
  }
}

DataPath::DeviceId UringDataPath::add_device(int fd, std::size_t headroom, DeviceHandlers handlers) {
  const auto id = static_cast<DeviceId>(devices_.size());
  Device& device = devices_.emplace_back();
  device.fd = fd;
  device.headroom = headroom;
  device.handlers = std::move(handlers);
  if (const auto error = provide_read_buffers(id, kDeviceBuffers); !error.empty()) {
    // The kernel took the TUN device's buffer ring but not this one (memory): plain reads then.
    Log::warning("a TAP device is read by plain reads: {}", error);
  }
  top_up_buffer_rings();
  arm_read(id, false);
  return id;
}

void UringDataPath::arm_receives() {
  // As for device reads: none armed that would end at once for want of a buffer.
  if (receive_buffers_.empty()) return;
  const int fds[2] = {sockets_->fd4(), sockets_->fd6()};
  for (std::uint32_t family = 0; family < 2; ++family) {
    if (receive_armed_[family] || fds[family] < 0) continue;
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) return;
    io_uring_prep_recvmsg_multishot(sqe, fds[family], &receive_layout_, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kReceiveGroup;
    io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::udp_receive), (socket_generation_ << 1) | family));
    receive_armed_[family] = true;
  }
}

void UringDataPath::top_up_buffer_rings() {
  receive_buffers_.top_up(pool_);
  for (Device& device : devices_) {
    if (device.buffers && !device.failed) device.buffers->top_up(pool_);
  }
}

void UringDataPath::use_sockets(UdpSockets& sockets) {
  // What is queued leaves through the sockets it was prepared for, before they close.
  submit();
  for (std::uint32_t family = 0; family < 2; ++family) {
    if (!receive_armed_[family]) continue;
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) continue;
    io_uring_prep_cancel64(sqe, tag(static_cast<std::uint8_t>(Op::udp_receive), (socket_generation_ << 1) | family), 0);
    io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::cancel), 0));
    receive_armed_[family] = false;
  }
  ++socket_generation_;
  sockets_ = &sockets;
  arm_receives();
}

void UringDataPath::run_once(int timeout_ms) {
  __kernel_timespec timeout{};
  timeout.tv_sec = timeout_ms / 1000;
  timeout.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1'000'000;
  io_uring_cqe* first = nullptr;
  const int error = io_uring_submit_and_wait_timeout(&ring_, &first, 1, &timeout, nullptr);
  // Busy or again: the completion queue is full; handling completions is the cure.
  if (error < 0 && error != -ETIME && error != -EINTR && error != -EBUSY && error != -EAGAIN) {
    platform::throw_os_error("io_uring_enter failed", -error);
  }
  bool epoll_ready = false;
  unsigned handled = 0;
  while (handled < kCompletionsPerTurn) {
    io_uring_cqe* cqes[64];
    const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, 64);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      if (static_cast<Op>(cqes[i]->user_data >> 56) == Op::epoll_poll) {
        epoll_armed_ = false;
        epoll_ready = true;
      } else {
        handle(*cqes[i]);
      }
    }
    io_uring_cq_advance(&ring_, n);
    handled += n;
  }
  top_up_buffer_rings();
  arm_missing_reads();
  arm_receives();
  // Without waiting: the poll said it has events.
  if (epoll_ready) loop_.run_once(0);
  if (!epoll_armed_) arm_epoll_poll();
}

void UringDataPath::handle(const io_uring_cqe& cqe) {
  const auto op = static_cast<Op>(cqe.user_data >> 56);
  const auto value = static_cast<std::uint32_t>(cqe.user_data);
  const auto device = static_cast<DeviceId>((cqe.user_data >> 32) & 0xffff);
  switch (op) {
    case Op::device_read:
      handle_read(cqe, device);
      return;
    case Op::udp_receive:
      handle_receive(cqe);
      return;
    case Op::udp_send:
      if (cqe.res < 0) {
        const SendSlot& slot = send_slots_[value];
        handlers_.send_failed(slot.to, pool_.data(value).subspan(slot.offset, slot.length), slot.segment_size,
                              -cqe.res);
      }
      pool_.release(value);
      return;
    case Op::device_write:
      if (cqe.res < 0) devices_[device].handlers.write_failed();
      pool_.release(value);
      return;
    case Op::epoll_poll:
    case Op::device_poll:
    case Op::cancel:
      return;
  }
}

void UringDataPath::handle_read(const io_uring_cqe& cqe, DeviceId id) {
  Device& device = devices_[id];
  const int result = cqe.res;
  // A multishot read names the buffer it took; a plain read's is in its tag.
  std::optional<std::uint32_t> buffer;
  if (device.buffers) {
    buffer = device.buffers->taken(cqe);
    if (!buffer && result > 0 && !device.told_unbuffered) {
      // Data without the buffer it went into: a kernel bug (6.8 to 6.11 had one for files that
      // cannot be read without blocking). The packet is lost, and so is the pool buffer the
      // kernel took for it unnamed (the ring's count then runs one high); said once.
      Log::warning(
          "a multishot read of {} completed without naming its buffer: packets are lost "
          "(a kernel bug; SLUICE_DISABLE=multishot-reads reads by plain reads)",
          id == kTun ? "the TUN device" : "a TAP device");
      device.told_unbuffered = true;
    }
    // It ended (no buffer left, an error): armed again at the end of the turn.
    if ((cqe.flags & IORING_CQE_F_MORE) == 0) device.reading = false;
  } else {
    buffer = static_cast<std::uint32_t>(cqe.user_data);
    device.reading = false;
  }
  if (result > 0 && buffer && !device.failed) {
    const auto area = pool_.data(*buffer);
    device.handlers.read(area, area.subspan(device.headroom, static_cast<std::size_t>(result)));
  } else if (result < 0 && result != -EAGAIN && result != -EINTR && result != -ECANCELED && result != -ENOBUFS) {
    // A further device is read no more (it was deleted); the TUN device is read on, and its
    // handler stops the daemon when it is gone.
    if (!device.failed) device.handlers.read_failed(-result);
    device.failed = id != kTun;
  }
  if (buffer) pool_.release(*buffer);
  // A TAP gone for good: the buffers its multishot read held go back to the pool.
  if (device.failed && !device.reading && device.buffers) device.buffers->retire(ring_, pool_);
  if (!device.reading && !device.failed && !device.buffers) {
    arm_read(id, result == -EAGAIN || (result > 0 && read_rest(id)));
  }
}

bool UringDataPath::read_rest(DeviceId id) {
  Device& device = devices_[id];
  const unsigned more = (id == kTun ? kTunBuffers : kDeviceBuffers) - 1;
  for (unsigned i = 0; i < more; ++i) {
    const auto buffer = pool_.acquire();
    if (!buffer) return false;
    const auto area = pool_.data(*buffer);
    const auto read_area = area.subspan(device.headroom);
    const ssize_t n = ::read(device.fd, read_area.data(), read_area.size());
    const bool empty = n < 0 && errno == EAGAIN;
    if (n > 0) device.handlers.read(area, read_area.first(static_cast<std::size_t>(n)));
    pool_.release(*buffer);
    // An error is left to the plain read armed next, which reports it as any read's.
    if (n <= 0) return empty;
  }
  return false;
}

void UringDataPath::handle_receive(const io_uring_cqe& cqe) {
  const auto value = static_cast<std::uint32_t>(cqe.user_data);
  const std::uint32_t family = value & 1;
  if ((cqe.flags & IORING_CQE_F_MORE) == 0 && (value >> 1) == socket_generation_) {
    // The multishot receive ended (no buffer left, an error): armed again at the end of the turn.
    receive_armed_[family] = false;
    if (cqe.res < 0 && cqe.res != -ENOBUFS && cqe.res != -ECANCELED) {
      Log::warning("receiving on UDP port {} failed: {}", sockets_->port(), errno_text(cqe.res));
    }
  }
  const auto taken = receive_buffers_.taken(cqe);
  if (!taken) return;
  const std::uint32_t buffer = *taken;
  const auto data = pool_.data(buffer);
  auto* out = io_uring_recvmsg_validate(data.data(), cqe.res, &receive_layout_);
  if (out != nullptr && (out->flags & MSG_TRUNC) == 0) {
    sockaddr_storage name{};
    std::memcpy(&name, io_uring_recvmsg_name(out), std::min<std::size_t>(out->namelen, sizeof name));
    msghdr control{};
    control.msg_control = static_cast<std::uint8_t*>(io_uring_recvmsg_name(out)) + receive_layout_.msg_namelen;
    control.msg_controllen = out->controllen;
    auto* payload = static_cast<std::uint8_t*>(io_uring_recvmsg_payload(out, &receive_layout_));
    const std::size_t length = io_uring_recvmsg_payload_length(out, cqe.res, &receive_layout_);
    tunnel::Endpoint from;
    std::uint16_t segment_size = 0;
    decode_received(name, control, length, from, segment_size);
    handlers_.udp_received(std::span(payload, length), from, segment_size);
  }
  pool_.release(buffer);
}

std::optional<std::uint32_t> UringDataPath::hold(std::span<const std::uint8_t>& bytes) {
  if (const auto index = pool_.index_of(bytes.data())) {
    pool_.retain(*index);
    return index;
  }
  const auto index = pool_.acquire();
  if (!index) return std::nullopt;
  const auto data = pool_.data(*index);
  std::memcpy(data.data(), bytes.data(), bytes.size());
  bytes = data.first(bytes.size());
  return index;
}

std::optional<std::uint32_t> UringDataPath::hold_for_write(std::span<const std::uint8_t>& bytes) {
  if (bytes.size() > kPackedWrite) return hold(bytes);
  if (!packed_ || packed_used_ + bytes.size() > pool_.buffer_size()) {
    if (packed_) pool_.release(*packed_);
    packed_ = pool_.acquire();
    packed_used_ = 0;
    if (!packed_) return std::nullopt;
  }
  const auto copy = pool_.data(*packed_).subspan(packed_used_, bytes.size());
  std::memcpy(copy.data(), bytes.data(), bytes.size());
  bytes = copy;
  // Each write starts on a cache line of its own.
  packed_used_ += (bytes.size() + 63) & ~std::size_t{63};
  pool_.retain(*packed_);
  return packed_;
}

std::span<std::uint8_t> UringDataPath::storage(std::span<const std::uint8_t> previous) {
  if (const auto index = pool_.index_of(previous.data())) pool_.release(*index);
  const auto index = pool_.acquire();
  return index ? pool_.data(*index) : std::span<std::uint8_t>{};
}

void UringDataPath::send(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagrams,
                         std::uint16_t segment_size) {
  const auto buffer = hold(datagrams);
  if (!buffer) {
    // Every buffer is on its way: send what is queued first, so nothing overtakes it, then this
    // one directly.
    submit();
    if (const int error = sockets_->send(to, datagrams, segment_size); error != 0) {
      handlers_.send_failed(to, datagrams, segment_size, -error);
    }
    return;
  }
  SendSlot& slot = send_slots_[*buffer];
  slot.to = to;
  slot.segment_size = segment_size;
  slot.offset = static_cast<std::uint32_t>(datagrams.data() - pool_.data(*buffer).data());
  slot.length = static_cast<std::uint32_t>(datagrams.size());
  const int fd = sockets_->prepare_send(to, datagrams, segment_size, slot.message);
  io_uring_sqe* sqe = fd >= 0 ? next_sqe() : nullptr;
  if (sqe == nullptr) {
    handlers_.send_failed(to, datagrams, segment_size, fd < 0 ? -fd : EBUSY);
    pool_.release(*buffer);
    return;
  }
  io_uring_prep_sendmsg(sqe, fd, &slot.message.message, 0);
  io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::udp_send), *buffer));
}

void UringDataPath::write_tun(std::span<const std::uint8_t> packet) { write_device(kTun, packet); }

void UringDataPath::write_device(DeviceId id, std::span<const std::uint8_t> bytes) {
  const Device& device = devices_[id];
  const auto buffer = hold_for_write(bytes);
  io_uring_sqe* sqe = buffer ? next_sqe() : nullptr;
  if (sqe == nullptr) {
    // No buffer or no entry: what is queued goes first, so this one does not overtake it.
    if (buffer) pool_.release(*buffer);
    submit();
    if (::write(device.fd, bytes.data(), bytes.size()) < 0) device.handlers.write_failed();
    return;
  }
  io_uring_prep_write(sqe, device.fd, bytes.data(), static_cast<unsigned>(bytes.size()), 0);
  io_uring_sqe_set_data64(sqe, tag(static_cast<std::uint8_t>(Op::device_write), *buffer, id));
}

}  // namespace sluice::daemon
