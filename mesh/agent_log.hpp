// The agent's log: one line per event on standard error, with the time (systemd's journal keeps
// its own, but the tests and a terminal need it) and a level.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::mesh {

enum class LogLevel { info, warning, error };

void log_line(LogLevel level, std::string_view message);

// A failure that repeats every retry (etcd away, sluiced restarting) is logged when it starts and
// when its message changes, and its end once, instead of once per attempt.
class RepeatedFailure {
 public:
  explicit RepeatedFailure(std::string what) : what_(std::move(what)) {}

  void failed(const std::string& message);
  void succeeded();

 private:
  std::string what_;
  std::optional<std::string> last_;
};

}  // namespace sluice::mesh
