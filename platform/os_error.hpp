// OS failures as exceptions whose message names what failed, on which interface, and errno.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace sluice::platform {

// "sl0: cannot set MTU 1420: Operation not permitted"
[[noreturn]] inline void throw_os_error(const std::string& what, int error = errno) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace sluice::platform
