// The peers the policy unit tests speak of: keys made of one repeated byte, and two named peers
// with groups.
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/memory.hpp"
#include "policy/rules.hpp"

namespace sluice::test {

inline crypto::PublicKey filled_key(std::uint8_t fill) {
  crypto::PublicKey out;
  out.bytes.fill(fill);
  return out;
}

inline const crypto::PublicKey kLaptop = filled_key(1);  // "laptop-17", group "laptops"
inline const crypto::PublicKey kServer = filled_key(2);  // "db-1", groups "servers" and "db"

inline std::vector<policy::PeerIdentity> policy_identities() {
  return {{kLaptop, "laptop-17", {"laptops"}}, {kServer, "db-1", {"servers", "db"}}};
}

}  // namespace sluice::test
