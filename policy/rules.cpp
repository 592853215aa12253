#include "policy/rules.hpp"

namespace sluice::policy {

std::string_view to_string(Action action) noexcept { return action == Action::allow ? "allow" : "deny"; }

std::string_view to_string(Direction direction) noexcept {
  return direction == Direction::inbound ? "inbound" : "outbound";
}

std::string_view to_string(Protocol protocol) noexcept {
  switch (protocol) {
    case Protocol::icmp:
      return "icmp";
    case Protocol::tcp:
      return "tcp";
    case Protocol::udp:
      return "udp";
    case Protocol::any:
      break;
  }
  return "any";
}

}  // namespace sluice::policy
