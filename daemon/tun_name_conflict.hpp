// Why TUNSETIFF refused a name, in words: the kernel says EINVAL when a device of another kind
// holds the name and EBUSY when another process has the TUN device open, neither of which
// "Invalid argument" or "Device or resource busy" tells a user.
#pragma once

#include <string>

namespace sluice::daemon {

enum class TunKind { tun, tap };

// Throws std::system_error for TUNSETIFF's `error` on `name`: what was asked, the conflict found
// (when there is one) and what to do.
[[noreturn]] void throw_tunsetiff_error(const std::string& name, TunKind wanted, int error);

}  // namespace sluice::daemon
