#include "daemon/buffer_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cassert>

#include "platform/os_error.hpp"

namespace sluice::daemon {

BufferPool::BufferPool(std::size_t count, std::size_t buffer_size) : holds_(count, 0) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  buffer_size_ = (buffer_size + page - 1) / page * page;
  mapped_bytes_ = buffer_size_ * count;
  // Mapped, not allocated: pages the kernel and the data path never touch cost no memory.
  void* memory = ::mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    platform::throw_os_error("cannot map " + std::to_string(mapped_bytes_) + " bytes of packet buffers");
  base_ = static_cast<std::uint8_t*>(memory);
  free_.reserve(count);
  for (std::size_t i = count; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

BufferPool::~BufferPool() { ::munmap(base_, mapped_bytes_); }

std::optional<std::uint32_t> BufferPool::acquire() noexcept {
  if (free_.empty()) return std::nullopt;
  const std::uint32_t index = free_.back();
  free_.pop_back();
  holds_[index] = 1;
  return index;
}

void BufferPool::retain(std::uint32_t index) noexcept {
  assert(holds_[index] > 0);
  ++holds_[index];
}

bool BufferPool::release(std::uint32_t index) noexcept {
  assert(holds_[index] > 0);
  if (--holds_[index] > 0) return false;
  free_.push_back(index);
  return true;
}

std::optional<std::uint32_t> BufferPool::index_of(const void* address) const noexcept {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  const auto base = reinterpret_cast<std::uintptr_t>(base_);
  if (at < base || at >= base + mapped_bytes_) return std::nullopt;
  return static_cast<std::uint32_t>((at - base) / buffer_size_);
}

}  // namespace sluice::daemon
