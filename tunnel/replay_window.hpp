// Sliding-window replay protection for transport counters (RFC 6479 style: a ring of bit blocks,
// so advancing the window clears whole blocks instead of shifting bits).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::tunnel {

class ReplayWindow {
 public:
  static constexpr std::size_t kBlockBits = 64;
  static constexpr std::size_t kBlocks = 128;
  // One block is kept as slack so a new block can be cleared without losing the window.
  static constexpr std::uint64_t kWindowSize = (kBlocks - 1) * kBlockBits;

  // True if `counter` is new and inside the window; records it. Call only after the packet
  // authenticated, so forged counters cannot move the window.
  [[nodiscard]] bool accept(std::uint64_t counter) noexcept;

  // Whether `accept` could succeed, without recording anything (a cheap pre-check before decrypting).
  [[nodiscard]] bool might_accept(std::uint64_t counter) const noexcept;

  [[nodiscard]] std::uint64_t greatest() const noexcept { return greatest_; }

 private:
  std::array<std::uint64_t, kBlocks> blocks_{};
  std::uint64_t greatest_ = 0;
  bool any_ = false;
};

}  // namespace sluice::tunnel
