#include "mesh/watch_feed.hpp"

#include <algorithm>

#include "etcd/error.hpp"

namespace sluice::mesh {

WatchFeed::WatchFeed(etcd::ClientOptions options, std::string prefix, std::int64_t start_revision)
    : watch_(std::move(options), std::move(prefix)), thread_([this, start_revision] { run(start_revision); }) {}

WatchFeed::~WatchFeed() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  watch_.stop();
  thread_.join();
}

void WatchFeed::push(WatchMessage message) {
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(message));
  }
  ready_.notify_all();
}

bool WatchFeed::pause(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  return !ready_.wait_for(lock, pause, [this] { return stopping_; });
}

std::optional<WatchMessage> WatchFeed::next(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait_until(lock, deadline, [this] { return !queue_.empty(); })) return std::nullopt;
  WatchMessage message = std::move(queue_.front());
  queue_.pop_front();
  return message;
}

void WatchFeed::run(std::int64_t start_revision) {
  std::int64_t next_revision = start_revision;
  std::chrono::milliseconds backoff{250};
  bool broken = false;
  while (true) {
    try {
      watch_.run(next_revision, [&](const etcd::WatchBatch& batch) {
        for (const etcd::WatchEvent& event : batch.events) {
          next_revision = std::max(next_revision, event.kv.mod_revision + 1);
        }
        if (broken) {
          push(WatchMessage{WatchMessage::Kind::resumed, {}, {}});
          broken = false;
          backoff = std::chrono::milliseconds{250};
        }
        push(WatchMessage{WatchMessage::Kind::batch, batch, {}});
      });
      return;  // stopped
    } catch (const etcd::Error& e) {
      using Kind = etcd::Error::Kind;
      if (e.kind() == Kind::compacted || e.kind() == Kind::refused) {
        push(WatchMessage{
            e.kind() == Kind::compacted ? WatchMessage::Kind::compacted : WatchMessage::Kind::refused, {}, e.what()});
        return;
      }
      push(WatchMessage{WatchMessage::Kind::broken, {}, e.what()});
      broken = true;
    }
    if (!pause(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds{8000});
  }
}

}  // namespace sluice::mesh
