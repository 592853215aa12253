// Daemon logging: "sluiced[IFNAME]: message" on stderr in the foreground, syslog once detached.
// Never pass key material here.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace sluice::daemon {

enum class LogLevel { error, warning, info, debug };

class Log {
 public:
  static void set_interface(std::string ifname);
  static void use_syslog();
  static void set_verbose(bool verbose);
  // Whether debug lines are written (-v).
  static bool verbose();

  template <class... Args>
  static void error(fmt::format_string<Args...> format, Args&&... args) {
    write(LogLevel::error, fmt::format(format, std::forward<Args>(args)...));
  }
  template <class... Args>
  static void warning(fmt::format_string<Args...> format, Args&&... args) {
    write(LogLevel::warning, fmt::format(format, std::forward<Args>(args)...));
  }
  template <class... Args>
  static void info(fmt::format_string<Args...> format, Args&&... args) {
    write(LogLevel::info, fmt::format(format, std::forward<Args>(args)...));
  }
  template <class... Args>
  static void debug(fmt::format_string<Args...> format, Args&&... args) {
    if (verbose()) write(LogLevel::debug, fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  static void write(LogLevel level, std::string_view message);
};

}  // namespace sluice::daemon
