#include "crypto/wipe_on_free.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

#include "crypto/memory.hpp"

namespace sluice::crypto {
namespace {

thread_local unsigned wipe_scopes = 0;

void* allocate(std::size_t size) {
  for (;;) {
    if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void release(void* block) noexcept {
  if (block == nullptr) return;
  // The usable size covers the whole block, also what a string wrote past its size.
  if (wipe_scopes > 0) wipe(block, ::malloc_usable_size(block));
  std::free(block);
}

}  // namespace

WipeOnFree::WipeOnFree() noexcept { ++wipe_scopes; }
WipeOnFree::~WipeOnFree() { --wipe_scopes; }

}  // namespace sluice::crypto

// The replaceable allocation functions (without alignment): new and delete must agree, so both
// are malloc and free here. The aligned forms keep the library's own pair.
void* operator new(std::size_t size) { return sluice::crypto::allocate(size); }
void* operator new[](std::size_t size) { return sluice::crypto::allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return sluice::crypto::allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* block) noexcept { sluice::crypto::release(block); }
void operator delete[](void* block) noexcept { sluice::crypto::release(block); }
void operator delete(void* block, std::size_t) noexcept { sluice::crypto::release(block); }
void operator delete[](void* block, std::size_t) noexcept { sluice::crypto::release(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { sluice::crypto::release(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { sluice::crypto::release(block); }
