#include "platform/interface_name.hpp"

#include <net/if.h>

#include <stdexcept>

namespace sluice::platform {

void validate_interface_name(const std::string& name) {
  const bool bad_character = name.find_first_of("/ \t\n:") != std::string::npos;
  if (name.empty() || name.size() >= IFNAMSIZ || bad_character || name == "." || name == "..") {
    std::string message = "'";
    message.append(name).append("' is not a valid interface name (1 to ").append(std::to_string(IFNAMSIZ - 1));
    message.append(" characters, no '/', ':' or white space)");
    throw std::invalid_argument(message);
  }
}

}  // namespace sluice::platform
