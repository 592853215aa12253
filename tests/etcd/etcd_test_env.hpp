// What the net test script tells the etcd tests through the environment.
#pragma once

#include <ostream>
#include <string>

#include "etcd/client_options.hpp"
#include "etcd/error.hpp"

namespace sluice::etcd {
// For Boost.Test's messages (found by ADL).
std::ostream& operator<<(std::ostream& out, Error::Kind kind);
}  // namespace sluice::etcd

namespace sluice::etcd::test {

// The variable's value; fails the test when it is not set.
[[nodiscard]] std::string env(const char* name);
// Options for the plain endpoint SLUICE_ETCD_ENDPOINT, with short timeouts.
[[nodiscard]] ClientOptions plain_options();
// A key prefix no other test case uses ("/t/NAME/").
[[nodiscard]] std::string prefix_for(const std::string& name);

}  // namespace sluice::etcd::test
