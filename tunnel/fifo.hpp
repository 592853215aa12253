// A first-in first-out queue that costs nothing until used: a peer's staged packets and its jobs
// in flight are empty nearly always, and std::deque allocates about 600 bytes even when empty,
// which for 100,000 idle peers was more than half of their memory. Elements sit in one vector
// from `head_`; the consumed front is dropped when it is most of the vector, so each element is
// moved at most once on average.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace sluice::tunnel {

template <class T>
class Fifo {
 public:
  [[nodiscard]] bool empty() const noexcept { return head_ == items_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }

  [[nodiscard]] T& front() noexcept { return items_[head_]; }
  [[nodiscard]] const T& front() const noexcept { return items_[head_]; }
  [[nodiscard]] T& back() noexcept { return items_.back(); }

  void push_back(T item) { items_.push_back(std::move(item)); }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    return items_.emplace_back(std::forward<Args>(args)...);
  }

  void pop_front() {
    items_[head_] = T{};  // what it owns goes now, not at the next compaction
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= kCompactAfter && 2 * head_ >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  // Keeps the capacity: a peer that queued once is likely to again.
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

  [[nodiscard]] auto begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  [[nodiscard]] auto end() noexcept { return items_.end(); }

 private:
  static constexpr std::size_t kCompactAfter = 16;

  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace sluice::tunnel
