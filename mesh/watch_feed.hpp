// The etcd watch on its own thread, handing what it sees to the agent's loop through a queue:
// event batches, and notes that the stream broke (it reconnects by itself, resuming after the
// last revision it delivered) or that it must be restarted from a full read (compacted).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "etcd/client_options.hpp"
#include "etcd/watch.hpp"

namespace sluice::mesh {

struct WatchMessage {
  enum class Kind { batch, broken, resumed, compacted, refused };
  Kind kind = Kind::batch;
  etcd::WatchBatch batch;  // kind batch
  std::string problem;     // kind broken, compacted, refused
};

class WatchFeed {
 public:
  // Starts watching `prefix` from `start_revision` (inclusive).
  WatchFeed(etcd::ClientOptions options, std::string prefix, std::int64_t start_revision);
  WatchFeed(const WatchFeed&) = delete;
  WatchFeed& operator=(const WatchFeed&) = delete;
  // Stops the stream and joins the thread.
  ~WatchFeed();

  // The next message, waiting until `deadline` at most.
  [[nodiscard]] std::optional<WatchMessage> next(std::chrono::steady_clock::time_point deadline);

 private:
  void run(std::int64_t start_revision);
  void push(WatchMessage message);
  // Sleeps up to `pause` unless the feed is being stopped; false when it is.
  bool pause(std::chrono::milliseconds pause);

  etcd::Watch watch_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<WatchMessage> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::mesh
