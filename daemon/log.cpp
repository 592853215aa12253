#include "daemon/log.hpp"

#include <syslog.h>

#include <cstdio>

namespace sluice::daemon {
namespace {

struct LogState {
  std::string ifname;
  std::string ident;
  bool syslog = false;
  bool verbose = false;
};

LogState& state() {
  static LogState s;
  return s;
}

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return LOG_ERR;
    case LogLevel::warning:
      return LOG_WARNING;
    case LogLevel::info:
      return LOG_INFO;
    case LogLevel::debug:
      return LOG_DEBUG;
  }
  return LOG_INFO;
}

}  // namespace

void Log::set_interface(std::string ifname) { state().ifname = std::move(ifname); }

void Log::use_syslog() {
  LogState& s = state();
  s.ident = "sluiced[" + s.ifname + "]";
  ::openlog(s.ident.c_str(), LOG_PID, LOG_DAEMON);
  s.syslog = true;
}

void Log::set_verbose(bool verbose) { state().verbose = verbose; }

bool Log::verbose() { return state().verbose; }

void Log::write(LogLevel level, std::string_view message) {
  const LogState& s = state();
  if (s.syslog) {
    ::syslog(syslog_priority(level), "%.*s", static_cast<int>(message.size()), message.data());
    return;
  }
  const char* prefix = level == LogLevel::error ? "error: " : level == LogLevel::warning ? "warning: " : "";
  std::fprintf(stderr, "sluiced[%s]: %s%.*s\n", s.ifname.c_str(), prefix, static_cast<int>(message.size()),
               message.data());
}

}  // namespace sluice::daemon
