#include "platform/interface_name.hpp"

#include <net/if.h>

#include <stdexcept>
#include <string_view>

namespace sluice::platform {

static_assert(kMaxInterfaceName == IFNAMSIZ - 1);

void validate_interface_name(const std::string& name) {
  // What the kernel's dev_valid_name() refuses: '/', ':' and the characters isspace() accepts.
  const bool bad_character = name.find_first_of(std::string_view("/: \t\n\r\v\f\0", 9)) != std::string::npos;
  if (name.empty() || name.size() > kMaxInterfaceName || bad_character || name == "." || name == "..") {
    std::string message = "'";
    message.append(name).append("' is not a valid interface name (1 to ").append(std::to_string(kMaxInterfaceName));
    message.append(" characters, no '/', ':' or white space)");
    throw std::invalid_argument(message);
  }
}

}  // namespace sluice::platform
