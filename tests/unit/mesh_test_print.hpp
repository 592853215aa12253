// Lets Boost.Test print addresses and prefixes when a comparison of them fails.
#pragma once

#include <ostream>

#include "tunnel/ip_address.hpp"

namespace sluice::tunnel {

inline std::ostream& operator<<(std::ostream& out, const IpAddress& address) { return out << address.to_string(); }
inline std::ostream& operator<<(std::ostream& out, const IpPrefix& prefix) { return out << prefix.to_string(); }

}  // namespace sluice::tunnel
