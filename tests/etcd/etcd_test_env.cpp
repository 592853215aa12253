#define BOOST_TEST_MODULE sluice_etcd_tests
#include "etcd_test_env.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>

namespace sluice::etcd {

std::ostream& operator<<(std::ostream& out, Error::Kind kind) {
  static constexpr const char* names[] = {"unavailable", "refused", "compacted", "invalid"};
  return out << names[static_cast<int>(kind)];
}

}  // namespace sluice::etcd

namespace sluice::etcd::test {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  BOOST_TEST_REQUIRE(value != nullptr, name << " is not set (tests/net/etcd_client.sh sets it)");
  return value;
}

ClientOptions plain_options() {
  ClientOptions options;
  options.endpoints = {env("SLUICE_ETCD_ENDPOINT")};
  options.connect_timeout = std::chrono::milliseconds(500);
  options.request_timeout = std::chrono::milliseconds(2000);
  return options;
}

std::string prefix_for(const std::string& name) { return "/t/" + name + "/"; }

}  // namespace sluice::etcd::test
