#include "platform/kernel_release.hpp"

#include <sys/utsname.h>

#include <cstdio>

namespace sluice::platform {

bool kernel_at_least(int major, int minor) noexcept {
  utsname name{};
  if (::uname(&name) != 0) return false;
  int found_major = 0;
  int found_minor = 0;
  if (std::sscanf(name.release, "%d.%d", &found_major, &found_minor) != 2) return false;
  return found_major > major || (found_major == major && found_minor >= minor);
}

}  // namespace sluice::platform
