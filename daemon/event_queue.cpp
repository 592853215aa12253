#include "daemon/event_queue.hpp"

namespace sluice::daemon {

void EventQueue::push(std::string line) {
  const std::size_t needed = lost_ > 0 ? 2 : 1;
  if (lines_.size() + needed > capacity_) {
    ++lost_;
    ++lost_total_;
    return;
  }
  report_loss();
  lines_.push_back(std::move(line));
}

std::string EventQueue::pop() {
  std::string line = std::move(lines_.front());
  lines_.pop_front();
  // A reader that catches up hears of its loss even if no further event comes.
  if (lines_.size() < capacity_) report_loss();
  return line;
}

void EventQueue::report_loss() {
  if (lost_ == 0) return;
  lines_.push_back(lost_line_(lost_));
  lost_ = 0;
}

}  // namespace sluice::daemon
