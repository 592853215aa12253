// Linux network interface names, checked before any path or device is made from one.
#pragma once

#include <cstddef>
#include <string>

namespace sluice::platform {

// IFNAMSIZ less its terminating zero.
inline constexpr std::size_t kMaxInterfaceName = 15;

// Throws std::invalid_argument unless `name` can be an interface name: 1 to 15 characters, no
// '/', ':' or white space, not "." or ".." (it also names the control socket file).
void validate_interface_name(const std::string& name);

}  // namespace sluice::platform
