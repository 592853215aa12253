#include "tunnel/replay_window.hpp"

#include "tunnel/constants.hpp"

namespace sluice::tunnel {

bool ReplayWindow::might_accept(std::uint64_t counter) const noexcept {
  if (counter >= kRejectAfterMessages) return false;
  if (!any_ || counter > greatest_) return true;
  if (greatest_ - counter >= kWindowSize) return false;
  const std::uint64_t block = (counter / kBlockBits) % kBlocks;
  return (blocks_[block] & (1ULL << (counter % kBlockBits))) == 0;
}

bool ReplayWindow::accept(std::uint64_t counter) noexcept {
  if (!might_accept(counter)) return false;
  const std::uint64_t new_block = counter / kBlockBits;
  if (!any_) {
    blocks_.fill(0);
    greatest_ = counter;
    any_ = true;
  } else if (counter > greatest_) {
    const std::uint64_t old_block = greatest_ / kBlockBits;
    const std::uint64_t advance = new_block - old_block;
    if (advance >= kBlocks) {
      blocks_.fill(0);
    } else {
      for (std::uint64_t i = 1; i <= advance; ++i) blocks_[(old_block + i) % kBlocks] = 0;
    }
    greatest_ = counter;
  }
  blocks_[new_block % kBlocks] |= 1ULL << (counter % kBlockBits);
  return true;
}

}  // namespace sluice::tunnel
