#include "crypto/memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include <sodium.h>

namespace sluice::crypto {

void wipe(void* data, std::size_t size) noexcept { sodium_memzero(data, size); }

bool equal_ct(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  // Lengths are public; only the contents need constant-time comparison. Keys (32 bytes) and MACs
  // (16) take libsodium's fixed-size checks, a few vector instructions, where sodium_memcmp loads
  // one byte at a time: an L2 sender compares a public key per frame (4 % of its CPU with 64-byte
  // frames).
  if (a.size() != b.size()) return false;
  if (a.size() == crypto_verify_32_BYTES) return crypto_verify_32(a.data(), b.data()) == 0;
  if (a.size() == crypto_verify_16_BYTES) return crypto_verify_16(a.data(), b.data()) == 0;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_zero_ct(std::span<const std::uint8_t> bytes) noexcept {
  return sodium_is_zero(bytes.data(), bytes.size()) == 1;
}

namespace {

// Lock counts per page: mlock does not nest, so the first object on a page locks it and the last
// one to go unlocks it.
class PageLocks {
 public:
  bool lock(const void* pointer, std::size_t size) {
    const std::lock_guard guard(mutex_);
    const auto [first, last] = pages(pointer, size);
    for (std::uintptr_t page = first; page <= last; page += page_size_) {
      auto& count = counts_[page];
      if (count == 0 && ::mlock(reinterpret_cast<const void*>(page), page_size_) != 0) {
        counts_.erase(page);
        release(first, page);
        return false;
      }
      ++count;
    }
    return true;
  }

  void unlock(const void* pointer, std::size_t size) {
    const std::lock_guard guard(mutex_);
    const auto [first, last] = pages(pointer, size);
    release(first, last + page_size_);
  }

 private:
  [[nodiscard]] std::pair<std::uintptr_t, std::uintptr_t> pages(const void* pointer, std::size_t size) const {
    const auto start = reinterpret_cast<std::uintptr_t>(pointer);
    const std::uintptr_t mask = ~(std::uintptr_t{page_size_} - 1);
    return {start & mask, (start + (size == 0 ? 0 : size - 1)) & mask};
  }

  // Drops one lock from each page in [first, end).
  void release(std::uintptr_t first, std::uintptr_t end) {
    for (std::uintptr_t page = first; page < end; page += page_size_) {
      const auto it = counts_.find(page);
      if (it == counts_.end()) continue;
      if (--it->second == 0) {
        ::munlock(reinterpret_cast<const void*>(page), page_size_);
        counts_.erase(it);
      }
    }
  }

  std::mutex mutex_;
  std::size_t page_size_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::unordered_map<std::uintptr_t, unsigned> counts_;
};

PageLocks& page_locks() {
  static PageLocks locks;
  return locks;
}

std::atomic<std::size_t> failures{0};

}  // namespace

void* LockedAllocation::operator new(std::size_t size) {
  // One byte more than asked: whether this object got its lock sits behind it, so the delete of an
  // unlocked one does not drop locks that other objects on its pages hold.
  auto* block = static_cast<std::uint8_t*>(::operator new(size + 1));
  const bool locked = page_locks().lock(block, size);
  block[size] = locked ? 1 : 0;
  if (!locked) failures.fetch_add(1, std::memory_order_relaxed);
  return block;
}

void LockedAllocation::operator delete(void* pointer, std::size_t size) noexcept {
  auto* block = static_cast<std::uint8_t*>(pointer);
  if (block[size] == 1) page_locks().unlock(block, size);
  ::operator delete(pointer);
}

std::size_t locked_memory_failures() noexcept { return failures.load(std::memory_order_relaxed); }

std::size_t PublicKeyHash::operator()(const PublicKey& key) const noexcept {
  // Public keys are uniformly random, so any 8 bytes already make a good hash.
  std::uint64_t h = 0;
  std::memcpy(&h, key.bytes.data(), sizeof(h));
  return static_cast<std::size_t>(h);
}

}  // namespace sluice::crypto
