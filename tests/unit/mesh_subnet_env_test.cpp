#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "mesh/atomic_file.hpp"
#include "mesh/network_config.hpp"
#include "mesh/subnet_env.hpp"
#include "mesh/subnet_memory.hpp"
#include "mesh_test_print.hpp"
#include "test_temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using sluice::mesh::parse_network_config;
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

BOOST_AUTO_TEST_SUITE_END()
