// One subscriber's bounded queue of event lines. When it is full a new line is dropped and
// counted; once there is room again, a line telling how many were lost goes in first, in order,
// so the reader learns exactly where the gap is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

namespace sluice::daemon {

class EventQueue {
 public:
  // The line that reports `count` lost events, in the subscriber's format.
  using LostLine = std::function<std::string(std::uint64_t count)>;

  EventQueue(std::size_t capacity, LostLine lost_line) : capacity_(capacity), lost_line_(std::move(lost_line)) {}

  // Queues `line`, after the report of earlier losses if there were any; when the two do not
  // both fit, `line` is lost too (a report always has room: the queue never holds more than
  // `capacity` lines).
  void push(std::string line);
  // The oldest line, taken out; the loss report follows as soon as there is room for it.
  [[nodiscard]] std::string pop();

  [[nodiscard]] bool empty() const noexcept { return lines_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return lines_.size(); }
  // Lost and not yet reported.
  [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
  // Lost since the queue was made, for the log.
  [[nodiscard]] std::uint64_t lost_total() const noexcept { return lost_total_; }

 private:
  void report_loss();

  std::size_t capacity_;
  LostLine lost_line_;
  std::deque<std::string> lines_;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_total_ = 0;
};

}  // namespace sluice::daemon
