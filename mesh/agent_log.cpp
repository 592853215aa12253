#include "mesh/agent_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sluice::mesh {

void log_line(LogLevel level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  const char* name = level == LogLevel::info ? "info" : level == LogLevel::warning ? "warning" : "error";
  std::fprintf(stderr, "%s.%03lldZ %s: %.*s\n", stamp, static_cast<long long>(millis), name,
               static_cast<int>(message.size()), message.data());
}

void RepeatedFailure::failed(const std::string& message) {
  if (last_ == message) return;
  log_line(LogLevel::warning, what_ + ": " + message);
  last_ = message;
}

void RepeatedFailure::succeeded() {
  if (!last_) return;
  log_line(LogLevel::info, what_ + ": works again");
  last_.reset();
}

}  // namespace sluice::mesh
