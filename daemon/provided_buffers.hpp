// A kernel buffer ring (io_uring "provided buffers") kept filled from a BufferPool: a multishot
// request (recvmsg, read) takes the next buffer from it for each completion, so completions come in
// the order the data came, one request per socket or device.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/buffer_pool.hpp"

namespace sluice::daemon {

class ProvidedBuffers {
 public:
  ProvidedBuffers() = default;
  ~ProvidedBuffers();
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;

  // Maps a ring of `entries` (a power of two) and registers it with `ring` as buffer group
  // `group`; empty when it works, else what failed. Each buffer is handed to the kernel from
  // `offset` bytes in (room for headers in front of what is read), at most `kept` at a time.
  [[nodiscard]] std::string start(io_uring& ring, std::uint16_t group, unsigned entries, unsigned kept,
                                  std::size_t offset);
  // Hands pool buffers to the kernel until `kept` are there (or the pool is empty).
  void top_up(BufferPool& pool);
  // The buffer a completion took (IORING_CQE_F_BUFFER), the caller's now; none if it names none.
  std::optional<std::uint32_t> taken(const io_uring_cqe& cqe) noexcept {
    if ((cqe.flags & IORING_CQE_F_BUFFER) == 0) return std::nullopt;
    if (in_ring_ > 0) --in_ring_;
    return static_cast<std::uint32_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
  }
  // None left for the kernel: a multishot request armed now would end at once (ENOBUFS).
  [[nodiscard]] bool empty() const noexcept { return in_ring_ == 0; }
  // No request uses the group any more (its device is gone): unregisters it, and the buffers
  // still in it go back to `pool`.
  void retire(io_uring& ring, BufferPool& pool);

  [[nodiscard]] std::uint16_t group() const noexcept { return group_; }

 private:
  void* memory_ = nullptr;
  std::size_t bytes_ = 0;
  io_uring_buf_ring* ring_ = nullptr;
  unsigned entries_ = 0;
  unsigned kept_ = 0;
  unsigned in_ring_ = 0;  // buffers the kernel holds: the last ones added before the tail
  std::size_t offset_ = 0;
  std::uint16_t group_ = 0;
};

}  // namespace sluice::daemon
