// Parsers that do not know they handle keys (toml++ growing a string while it reads an inline
// private_key) free blocks that still hold key bytes. While a WipeOnFree lives on a thread, every
// block that thread frees through operator delete is wiped first. The program's operator new and
// delete are replaced for this (wipe_on_free.cpp); outside such a scope they cost one
// thread-local read more than the library's.
#pragma once

namespace sluice::crypto {

class WipeOnFree {
 public:
  WipeOnFree() noexcept;
  ~WipeOnFree();
  WipeOnFree(const WipeOnFree&) = delete;
  WipeOnFree& operator=(const WipeOnFree&) = delete;
};

}  // namespace sluice::crypto
