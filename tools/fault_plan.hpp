// What the fault relay does to each datagram: a pure, seeded decision, so a run can be repeated
// and the rates can be unit-tested without sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>

namespace sluice::tools {

struct FaultRates {
  double drop = 0;                                // probability a datagram is lost
  double duplicate = 0;                           // probability it is sent twice
  double reorder = 0;                             // probability it is held back so later ones overtake it
  double corrupt = 0;                             // probability one of its bytes is flipped
  std::chrono::microseconds delay{0};             // added to every datagram
  std::chrono::microseconds jitter{0};            // uniform extra delay in [0, jitter]
  std::chrono::microseconds reorder_hold{20000};  // how long a reordered datagram is held back
};

struct FaultDecision {
  bool drop = false;
  int copies = 1;
  // Byte to flip (XOR with corrupt_mask) in every copy, if any.
  std::optional<std::size_t> corrupt_offset;
  std::uint8_t corrupt_mask = 0;
  std::chrono::microseconds delay{0};
  bool reordered = false;
};

class FaultPlan {
 public:
  FaultPlan(const FaultRates& rates, std::uint64_t seed) : rates_(rates), random_(seed) {}

  // The fate of the next datagram of `size` bytes. When faults are off (see set_active) every
  // datagram passes unchanged and undelayed.
  [[nodiscard]] FaultDecision decide(std::size_t size);

  void set_active(bool active) noexcept { active_ = active; }
  [[nodiscard]] bool active() const noexcept { return active_; }

 private:
  bool chance(double probability);

  FaultRates rates_;
  std::mt19937_64 random_;
  bool active_ = true;
};

}  // namespace sluice::tools
