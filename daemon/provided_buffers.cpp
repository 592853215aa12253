#include "daemon/provided_buffers.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace sluice::daemon {

ProvidedBuffers::~ProvidedBuffers() {
  // The kernel holds its own reference to the ring's pages while it is registered.
  if (memory_ != nullptr) ::munmap(memory_, bytes_);
}

std::string ProvidedBuffers::start(io_uring& ring, std::uint16_t group, unsigned entries, unsigned kept,
                                   std::size_t offset) {
  bytes_ = entries * sizeof(io_uring_buf);
  void* memory = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return std::string("no memory for a buffer ring: ") + std::strerror(errno);
  memory_ = memory;
  ring_ = static_cast<io_uring_buf_ring*>(memory_);
  io_uring_buf_ring_init(ring_);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(memory_);
  registration.ring_entries = entries;
  registration.bgid = group;
  if (const int error = io_uring_register_buf_ring(&ring, &registration, 0); error != 0) {
    return std::string("no io_uring buffer rings (needs Linux 5.19): ") + std::strerror(-error);
  }
  entries_ = entries;
  kept_ = kept;
  offset_ = offset;
  group_ = group;
  return {};
}

void ProvidedBuffers::top_up(BufferPool& pool) {
  if (ring_ == nullptr) return;
  const int mask = io_uring_buf_ring_mask(entries_);
  int added = 0;
  while (in_ring_ < kept_) {
    const auto buffer = pool.acquire();
    if (!buffer) break;
    const auto area = pool.data(*buffer).subspan(offset_);
    io_uring_buf_ring_add(ring_, area.data(), static_cast<unsigned>(area.size()), static_cast<unsigned short>(*buffer),
                          mask, added++);
    ++in_ring_;
  }
  if (added > 0) io_uring_buf_ring_advance(ring_, added);
}

void ProvidedBuffers::retire(io_uring& ring, BufferPool& pool) {
  if (ring_ == nullptr) return;
  io_uring_unregister_buf_ring(&ring, group_);
  // The kernel takes buffers from the head in the order they were added, so those it still held
  // are the last in_ring_ before the tail; the ring's memory is still ours to read.
  const unsigned mask = static_cast<unsigned>(io_uring_buf_ring_mask(entries_));
  const auto first = static_cast<std::uint16_t>(ring_->tail - in_ring_);
  for (unsigned i = 0; i < in_ring_; ++i) pool.release(ring_->bufs[(first + i) & mask].bid);
  in_ring_ = 0;
  ring_ = nullptr;
}

}  // namespace sluice::daemon
