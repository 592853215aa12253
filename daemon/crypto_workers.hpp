// Threads that run the core's transport jobs (encryption and decryption) beside the event loop's
// thread, which runs them too while it has nothing else to do. Jobs are taken in submission
// order; the core puts each peer's results back in that order (tunnel::Device::finish_jobs).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "platform/unique_fd.hpp"
#include "tunnel/transport_job.hpp"

namespace sluice::daemon {

class CryptoWorkers {
 public:
  // `threads` threads besides the loop's own; at least 1.
  explicit CryptoWorkers(unsigned threads);
  // Joins the threads; a job already started is finished first, queued ones are left alone.
  ~CryptoWorkers();
  CryptoWorkers(const CryptoWorkers&) = delete;
  CryptoWorkers& operator=(const CryptoWorkers&) = delete;

  // The jobs the loop's thread leaves queued for the threads while it goes on reading
  // (help(kBacklog)): enough to keep them busy, few enough to bound the memory jobs hold. It runs
  // the rest itself at the end of its turn (help()).
  static constexpr std::size_t kBacklog = 64;

  // Queues jobs. The threads are woken only once kBacklog jobs are queued, when the loop's thread
  // falls behind: less is done sooner by the loop's thread at the end of its turn than by a
  // thread woken for it, and each wake-up and sleep costs two context switches (on a 2-CPU
  // machine about a tenth of the sender's CPU time when woken for each TUN read of 45 jobs).
  // A lone ping's job is never handed to a thread.
  void submit(std::span<tunnel::TransportJob* const> jobs);
  // Runs queued jobs on the calling thread until no more than `backlog` are left.
  void help(std::size_t backlog = 0);

  // Readable when a thread finished jobs since the last clear_finished().
  [[nodiscard]] int finished_fd() const noexcept { return finished_.get(); }
  // Call before collecting finished jobs, so a job finishing meanwhile signals again.
  void clear_finished() noexcept;

 private:
  void work();
  // Up to `max` queued jobs, under the lock.
  std::size_t take(std::vector<tunnel::TransportJob*>& out, std::size_t max);

  platform::UniqueFd finished_;
  std::atomic<bool> signalled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<tunnel::TransportJob*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Threads that run transport jobs, the loop's included, when SLUICE_WORKERS does not say: one CPU
// is left to the kernel's half of every packet (TUN and socket copies, checksums, the applications
// or the forwarding that make the traffic), so 1 (everything inline, no job copies, no hand-offs)
// on 2 CPUs or fewer. Measured on 2 CPUs, a second thread cost a quarter more CPU per byte and
// carried less (docs/speed.md).
[[nodiscard]] unsigned default_worker_count(long online_cpus) noexcept;
// SLUICE_WORKERS if set (1 means no extra thread, everything inline), else the default for the
// online CPUs.
[[nodiscard]] unsigned worker_count(const char* setting);

}  // namespace sluice::daemon
