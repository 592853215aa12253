// A watch on every key under a prefix: one streamed /v3/watch request, read through a curl multi
// handle so that stop() can wake it at once from another thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "etcd/client.hpp"
#include "etcd/client_options.hpp"
#include "etcd/curl_handle.hpp"
#include "etcd/error.hpp"
#include "etcd/session.hpp"

namespace sluice::etcd {

struct WatchEvent {
  bool deleted = false;  // a delete carries only the key and its mod_revision
  KeyValue kv;
};

struct WatchBatch {
  std::int64_t revision = 0;  // the store's revision when etcd sent the batch
  std::vector<WatchEvent> events;
};

// run() on one thread, stop() from any other.
class Watch {
 public:
  Watch(ClientOptions options, std::string prefix);
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch();

  // Streams every change under the prefix from `start_revision` (inclusive), calling `on_batch`
  // for each answer that holds events, in order. Returns only after stop() (at once if stop()
  // came first); throws Error(unavailable) when the stream cannot open or breaks (including a
  // silent peer, found by TCP keepalive in about 10 s), Error(compacted) when start_revision was
  // compacted, and whatever on_batch throws. The caller resumes from the last revision it saw + 1.
  void run(std::int64_t start_revision, const std::function<void(const WatchBatch&)>& on_batch);

  // Thread-safe; run() returns promptly (curl_multi_wakeup ends its wait). Final: a stopped Watch
  // stays stopped (a new one watches again).
  void stop();

 private:
  struct Stream;
  enum class Outcome { stopped, failed_to_open, renew_token };
  Outcome stream_once(const std::string& body, Stream& stream);

  Session session_;
  std::string prefix_;
  MultiHandle multi_;
  std::atomic<bool> stopped_{false};
};

}  // namespace sluice::etcd
