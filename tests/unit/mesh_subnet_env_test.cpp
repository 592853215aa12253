#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

#include "mesh/atomic_file.hpp"
#include "mesh/network_config.hpp"
#include "mesh/subnet_env.hpp"
#include "mesh/subnet_memory.hpp"
#include "mesh_test_print.hpp"
#include "test_temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using sluice::mesh::parse_network_config;
using sluice::mesh::parse_subnet_env;
using sluice::mesh::read_subnet_env;
using sluice::mesh::SubnetEnv;
using sluice::mesh::SubnetEnvError;
using sluice::mesh::SubnetKey;
using sluice::mesh::write_file_atomically;
using sluice::test::TempDir;
using sluice::tunnel::IpPrefix;

std::string contents(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t entries(const fs::path& folder) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_subnet_env)

BOOST_AUTO_TEST_CASE(text_as_flannel_writes_it) {
  const auto v4 = parse_network_config(R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard"}})");
  BOOST_TEST(sluice::mesh::subnet_env_text(v4, {IpPrefix::parse("10.244.3.0/24"), std::nullopt}, 1420, false) ==
             "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1420\nFLANNEL_IPMASQ=false\n");
  const auto dual = parse_network_config(
      R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00:244::/56",
          "Backend": {"Type": "wireguard"}})");
  const SubnetKey subnets{IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:244:0:3::/64")};
  BOOST_TEST(sluice::mesh::subnet_env_text(dual, subnets, 1380, true) ==
             "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\n"
             "FLANNEL_IPV6_NETWORK=fd00:244::/56\nFLANNEL_IPV6_SUBNET=fd00:244:0:3::1/64\n"
             "FLANNEL_MTU=1380\nFLANNEL_IPMASQ=true\n");
}

BOOST_AUTO_TEST_CASE(atomic_write_creates_replaces_and_cleans_up) {
  const TempDir dir;
  const fs::path file = dir.path() / "run" / "flannel" / "subnet.env";
  write_file_atomically(file, "first\n", 0644);
  BOOST_TEST(contents(file) == "first\n");
  write_file_atomically(file, "second\n", 0600);
  BOOST_TEST(contents(file) == "second\n");
  struct stat status {};
  BOOST_TEST_REQUIRE(::stat(file.c_str(), &status) == 0);
  BOOST_TEST((status.st_mode & 07777) == 0600u);
  BOOST_TEST(entries(file.parent_path()) == 1u);  // no temporary file left

  // A folder where the file should be: the rename fails, the message names the path and errno.
  const fs::path taken = dir.path() / "taken";
  fs::create_directories(taken / "inside");
  BOOST_CHECK_EXCEPTION(write_file_atomically(taken, "x", 0644), std::system_error, [&](const std::system_error& e) {
    return std::string(e.what()) == "cannot write " + taken.string() + ": Is a directory";
  });
  BOOST_TEST(entries(dir.path()) == 2u);  // run/ and taken/, no temporary file

  // A file where a folder should be.
  const fs::path blocked = dir.path() / "run" / "flannel" / "subnet.env" / "deeper";
  BOOST_CHECK_EXCEPTION(write_file_atomically(blocked, "x", 0644), std::system_error, [&](const std::system_error& e) {
    return std::string(e.what()).starts_with("cannot create the folder " + blocked.parent_path().string() + ": ");
  });
}

BOOST_AUTO_TEST_CASE(subnet_memory) {
  const TempDir dir;
  const fs::path state = dir.path() / "state";
  BOOST_TEST(!sluice::mesh::recall_subnets(state).has_value());  // nothing yet, not even the folder
  const SubnetKey dual{IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:244:0:3::/64")};
  sluice::mesh::remember_subnets(state, dual);
  BOOST_TEST(contents(state / "subnet") == "10.244.3.0-24&fd00:244:0:3::-64\n");
  BOOST_TEST((sluice::mesh::recall_subnets(state) == dual));
  const SubnetKey v4{IpPrefix::parse("10.244.9.0/24"), std::nullopt};
  sluice::mesh::remember_subnets(state, v4);
  BOOST_TEST((sluice::mesh::recall_subnets(state) == v4));

  // Garbled or strange files mean no memory, never an error.
  const std::string garbled_texts[] = {"", "10.244.3.0/24\n", "garbage", std::string(1000, '1'), "10.244.3.1-24"};
  for (const std::string& garbled : garbled_texts) {
    dir.write("state/subnet", garbled);
    BOOST_TEST(!sluice::mesh::recall_subnets(state).has_value());
  }
  fs::remove(state / "subnet");
  fs::create_directory(state / "subnet");
  BOOST_TEST(!sluice::mesh::recall_subnets(state).has_value());
}

BOOST_AUTO_TEST_CASE(read_back_what_is_written) {
  const TempDir dir;
  const auto dual = parse_network_config(
      R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00:244::/56",
          "Backend": {"Type": "wireguard"}})");
  const SubnetKey subnets{IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:244:0:3::/64")};
  const fs::path file = dir.write("subnet.env", sluice::mesh::subnet_env_text(dual, subnets, 1380, true));
  const SubnetEnv env = read_subnet_env(file);
  BOOST_TEST(env.network == IpPrefix::parse("10.244.0.0/16"));
  BOOST_TEST(env.subnet == IpPrefix::parse("10.244.3.1/24"));  // host bits kept: the gateway
  BOOST_TEST((env.ipv6_network == IpPrefix::parse("fd00:244::/56")));
  BOOST_TEST((env.ipv6_subnet == IpPrefix::parse("fd00:244:0:3::1/64")));
  BOOST_TEST(env.mtu == 1380u);
  BOOST_TEST(env.ip_masq);

  const SubnetEnv v4 = parse_subnet_env(
      "# written by hand\r\n\nFLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_MTU=1420\n"
      "FLANNEL_OTHER=ignored\n",
      "v4.env");
  BOOST_TEST(v4.subnet == IpPrefix::parse("10.244.7.1/24"));
  BOOST_TEST(!v4.ipv6_subnet.has_value());
  BOOST_TEST(!v4.ip_masq);  // FLANNEL_IPMASQ absent
}

BOOST_AUTO_TEST_CASE(read_errors_name_file_line_and_key) {
  const std::string good_start = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\n";
  const std::pair<std::string, std::string> cases[] = {
      {"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1420\n", "f.env: FLANNEL_SUBNET is missing"},
      {good_start, "f.env: FLANNEL_MTU is missing"},
      {good_start + "FLANNEL_MTU=14x0\n", "f.env:3: FLANNEL_MTU: \"14x0\" is not an MTU from 576 to 65535"},
      {good_start + "FLANNEL_MTU=100\n", "f.env:3: FLANNEL_MTU: \"100\" is not an MTU from 576 to 65535"},
      {good_start + "FLANNEL_MTU=1420\nFLANNEL_MTU=1400\n", "f.env:4: FLANNEL_MTU: given twice (first on line 3)"},
      {good_start + "FLANNEL_MTU=1420\nFLANNEL_IPMASQ=yes\n",
       "f.env:4: FLANNEL_IPMASQ: \"yes\" is neither true nor false"},
      {good_start + "garbage\n", "f.env:3: expected KEY=VALUE, found \"garbage\""},
      {"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.9.3.1/24\nFLANNEL_MTU=1420\n",
       "f.env:2: FLANNEL_SUBNET: 10.9.3.1/24 is not inside the network 10.244.0.0/16"},
      {"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.0/24\nFLANNEL_MTU=1420\n",
       "f.env:2: FLANNEL_SUBNET: 10.244.3.0/24 names the subnet, not its gateway (expected its first host)"},
      {"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/31\nFLANNEL_MTU=1420\n",
       "f.env:2: FLANNEL_SUBNET: 10.244.3.1/31 has no room for containers"},
      {"FLANNEL_NETWORK=fd00::/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1420\n",
       "f.env:1: FLANNEL_NETWORK: fd00::/16 is not an IPv4 prefix"},
      {good_start + "FLANNEL_IPV6_NETWORK=fd00:244::/56\nFLANNEL_MTU=1420\n",
       "f.env: FLANNEL_IPV6_NETWORK and FLANNEL_IPV6_SUBNET come together, found only FLANNEL_IPV6_NETWORK"},
      {good_start + "FLANNEL_IPV6_NETWORK=fd00:244::/56\nFLANNEL_IPV6_SUBNET=fd00:244:0:3::1/64\nFLANNEL_MTU=1000\n",
       "f.env:5: FLANNEL_MTU: 1000 is below IPv6's minimum of 1280"},
  };
  for (const auto& [text, message] : cases) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_CHECK_EXCEPTION((void)parse_subnet_env(text, "f.env"), SubnetEnvError,
                            // Init-capture: clang 14 cannot capture structured bindings (C++20's P1091).
                            [&message = message](const SubnetEnvError& e) { return std::string(e.what()) == message; });
    }
  }
  const TempDir dir;
  BOOST_CHECK_EXCEPTION((void)read_subnet_env(dir.path() / "missing.env"), std::system_error,
                        [&](const std::system_error& e) {
                          return e.code() == std::errc::no_such_file_or_directory &&
                                 std::string(e.what()).starts_with((dir.path() / "missing.env").string());
                        });
}

BOOST_AUTO_TEST_SUITE_END()
