// A fixed set of equal, page-aligned packet buffers, allocated once at start: the io_uring data
// path takes one per packet (or batch) from the read to the write that ends its trip, so nothing
// is allocated per packet. Buffers are named by index (what the kernel's buffer ring and the
// completion tags carry) and counted by reference, for a buffer several writes still point into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sluice::daemon {

class BufferPool {
 public:
  // Throws std::system_error when the memory cannot be mapped.
  BufferPool(std::size_t count, std::size_t buffer_size);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A free buffer, now held once; nothing when all are in use.
  [[nodiscard]] std::optional<std::uint32_t> acquire() noexcept;
  // One more holder of a buffer already held.
  void retain(std::uint32_t index) noexcept;
  // Drops one hold; the last makes the buffer free again. Returns whether it did.
  bool release(std::uint32_t index) noexcept;

  [[nodiscard]] std::span<std::uint8_t> data(std::uint32_t index) const noexcept {
    return {base_ + static_cast<std::size_t>(index) * buffer_size_, buffer_size_};
  }
  // The buffer `address` lies in, if it is one of ours.
  [[nodiscard]] std::optional<std::uint32_t> index_of(const void* address) const noexcept;
  [[nodiscard]] std::size_t count() const noexcept { return holds_.size(); }
  [[nodiscard]] std::size_t buffer_size() const noexcept { return buffer_size_; }
  [[nodiscard]] std::size_t available() const noexcept { return free_.size(); }
  [[nodiscard]] unsigned holds(std::uint32_t index) const noexcept { return holds_[index]; }

 private:
  std::uint8_t* base_ = nullptr;
  std::size_t mapped_bytes_ = 0;
  std::size_t buffer_size_ = 0;
  std::vector<std::uint32_t> free_;  // a stack: the buffer used last is reused first, still in cache
  std::vector<std::uint16_t> holds_;
};

}  // namespace sluice::daemon
