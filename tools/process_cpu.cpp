#include "tools/process_cpu.hpp"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sluice::tools {

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("no process " + std::to_string(pid));
  // The command name is in parentheses and may hold spaces; the fields after its closing one
  // start with the state (field 3), so utime and stime (fields 14 and 15) are the 12th and 13th.
  const auto close = line.rfind(')');
  if (close == std::string::npos) throw std::runtime_error("unexpected /proc/PID/stat format");
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) throw std::runtime_error("unexpected /proc/PID/stat format");
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() noexcept {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace sluice::tools
