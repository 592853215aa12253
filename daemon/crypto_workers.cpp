#include "daemon/crypto_workers.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "daemon/log.hpp"
#include "platform/os_error.hpp"

namespace sluice::daemon {
namespace {

// Jobs a thread takes per lock.
constexpr std::size_t kChunk = 8;
constexpr unsigned kMaxWorkers = 64;

}  // namespace

CryptoWorkers::CryptoWorkers(unsigned threads) : finished_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!finished_.valid()) platform::throw_os_error("cannot create eventfd for the crypto workers");
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

CryptoWorkers::~CryptoWorkers() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void CryptoWorkers::submit(std::span<tunnel::TransportJob* const> jobs) {
  if (jobs.empty()) return;
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), jobs.begin(), jobs.end());
    wake = queue_.size() >= kBacklog;
  }
  if (wake) wake_.notify_all();
}

std::size_t CryptoWorkers::take(std::vector<tunnel::TransportJob*>& out, std::size_t max) {
  out.clear();
  while (!queue_.empty() && out.size() < max) {
    out.push_back(queue_.front());
    queue_.pop_front();
  }
  return out.size();
}

void CryptoWorkers::help(std::size_t backlog) {
  std::vector<tunnel::TransportJob*> chunk;
  chunk.reserve(kChunk);
  for (;;) {
    {
      const std::lock_guard lock(mutex_);
      if (queue_.size() <= backlog || take(chunk, kChunk) == 0) return;
    }
    for (auto* job : chunk) job->run();
  }
}

void CryptoWorkers::work() {
  std::vector<tunnel::TransportJob*> chunk;
  chunk.reserve(kChunk);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      take(chunk, kChunk);
    }
    for (auto* job : chunk) job->run();
    // One eventfd write per wake-up of the loop, not per job.
    if (!signalled_.exchange(true, std::memory_order_acq_rel)) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto written = ::write(finished_.get(), &one, sizeof one);
    }
  }
}

void CryptoWorkers::clear_finished() noexcept {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(finished_.get(), &count, sizeof count);
  signalled_.store(false, std::memory_order_release);
}

unsigned default_worker_count(long online_cpus) noexcept {
  if (online_cpus <= 2) return 1;
  return static_cast<unsigned>(std::min<long>(online_cpus - 1, kMaxWorkers));
}

unsigned worker_count(const char* setting) {
  const unsigned fallback = default_worker_count(::sysconf(_SC_NPROCESSORS_ONLN));
  if (setting == nullptr || *setting == '\0') return fallback;
  const std::string_view text(setting);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 1 || value > kMaxWorkers) {
    Log::warning("SLUICE_WORKERS={}: not a number from 1 to {}; using {} (the online CPUs but one)", text, kMaxWorkers,
                 fallback);
    return fallback;
  }
  return value;
}

}  // namespace sluice::daemon
