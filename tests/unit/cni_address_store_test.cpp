// The CNI plugin's own IPAM in a temporary data dir: exclusions, round-robin, reuse after release,
// exhaustion, release by attachment, and the lock that serialises plugin runs.
#include <fcntl.h>
#include <sys/file.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "cni/address_store.hpp"
#include "cni/cni_error.hpp"
#include "mesh_test_print.hpp"
#include "platform/unique_fd.hpp"
#include "test_temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using sluice::cni::AddressStore;
using sluice::cni::Attachment;
using sluice::cni::CniError;
using sluice::cni::ErrorCode;
using sluice::test::TempDir;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpFamily;
using sluice::tunnel::IpPrefix;

const IpPrefix kSubnet = IpPrefix::parse("10.244.3.0/29");  // hosts .1 - .6, .1 the gateway
const IpAddress kGateway = IpAddress::parse("10.244.3.1");

std::string contents(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cni_address_store)

BOOST_AUTO_TEST_CASE(reserves_round_robin_skipping_network_gateway_broadcast) {
  const TempDir dir;
  AddressStore store(dir.path(), "net1");
  BOOST_TEST(store.folder() == dir.path() / "net1");
  BOOST_TEST(fs::exists(dir.path() / "net1" / "lock"));
  std::vector<IpAddress> given;
  for (const char* id : {"c0", "c1", "c2", "c3", "c4"}) given.push_back(store.reserve({id, "eth0"}, kSubnet, kGateway));
  BOOST_TEST(given[0] == IpAddress::parse("10.244.3.2"));
  BOOST_TEST(given[4] == IpAddress::parse("10.244.3.6"));
  BOOST_TEST(contents(dir.path() / "net1" / "10.244.3.2") == "c0\neth0\n");
  BOOST_TEST(contents(dir.path() / "net1" / "last_reserved_ip.0") == "10.244.3.6");
  // Full: .0 (network), .1 (gateway), .7 (broadcast) are never handed out.
  BOOST_CHECK_EXCEPTION(store.reserve({"c9", "eth0"}, kSubnet, kGateway), CniError, [](const CniError& e) {
    return e.code() == ErrorCode::no_free_address &&
           std::string(e.what()).starts_with("no free address in 10.244.3.0/29");
  });
  // A released address comes back only after the others: round robin from the last one.
  BOOST_TEST(store.release({"c1", "eth0"}) == 1u);
  BOOST_TEST(store.release({"c1", "eth0"}) == 0u);
  BOOST_TEST(store.reserve({"c5", "eth0"}, kSubnet, kGateway) == IpAddress::parse("10.244.3.3"));
  BOOST_TEST(store.release(IpAddress::parse("10.244.3.4")));
  BOOST_TEST(store.release(IpAddress::parse("10.244.3.2")));
  BOOST_TEST(store.reserve({"c6", "eth0"}, kSubnet, kGateway) == IpAddress::parse("10.244.3.4"));
  BOOST_TEST(store.reserve({"c7", "eth0"}, kSubnet, kGateway) == IpAddress::parse("10.244.3.2"));
}

BOOST_AUTO_TEST_CASE(finds_lists_and_releases_by_attachment) {
  const TempDir dir;
  AddressStore store(dir.path(), "net1");
  const Attachment a{"c1", "eth0"}, b{"c1", "eth1"};
  const IpAddress a4 = store.reserve(a, kSubnet, kGateway);
  const IpAddress a6 = store.reserve(a, IpPrefix::parse("fd00:244:0:3::1/64"), IpAddress::parse("fd00:244:0:3::1"));
  BOOST_TEST(a6 == IpAddress::parse("fd00:244:0:3::2"));
  BOOST_TEST(contents(dir.path() / "net1" / "last_reserved_ip.1") == "fd00:244:0:3::2");
  const IpAddress b4 = store.reserve(b, kSubnet, kGateway);
  BOOST_TEST(a4 != b4);
  BOOST_TEST(*store.find(a, IpFamily::v4) == a4);
  BOOST_TEST(*store.find(a, IpFamily::v6) == a6);
  BOOST_TEST(!store.find(b, IpFamily::v6).has_value());
  BOOST_TEST(!store.find({"c2", "eth0"}, IpFamily::v4).has_value());
  dir.write("net1/not-an-address", "c3\neth0\n");  // strangers' files are not reservations
  dir.write("net1/10.244.3.9", "truncated");
  BOOST_TEST(store.list().size() == 3u);
  BOOST_TEST(store.release(a) == 2u);
  BOOST_TEST(store.list().size() == 1u);
  BOOST_TEST(store.list()[0].address == b4);
  BOOST_TEST((store.list()[0].attachment == b));
}

BOOST_AUTO_TEST_CASE(networks_are_apart_and_the_lock_is_exclusive) {
  const TempDir dir;
  {
    AddressStore one(dir.path(), "net1");
    AddressStore two(dir.path(), "net2");  // another network's lock: no wait
    BOOST_TEST(one.reserve({"c1", "eth0"}, kSubnet, kGateway) == two.reserve({"c1", "eth0"}, kSubnet, kGateway));
    const sluice::platform::UniqueFd other(::open((dir.path() / "net1" / "lock").c_str(), O_RDWR | O_CLOEXEC));
    BOOST_TEST(::flock(other.get(), LOCK_EX | LOCK_NB) == -1);  // held by `one`
  }
  const sluice::platform::UniqueFd after(::open((dir.path() / "net1" / "lock").c_str(), O_RDWR | O_CLOEXEC));
  BOOST_TEST(::flock(after.get(), LOCK_EX | LOCK_NB) == 0);  // released with the store
}

BOOST_AUTO_TEST_CASE(unusable_data_dir_is_code_5) {
  const TempDir dir;
  dir.write("file", "x");
  BOOST_CHECK_EXCEPTION(AddressStore(dir.path() / "file", "net1"), CniError, [&](const CniError& e) {
    return e.code() == ErrorCode::io_failure &&
           std::string(e.what()).starts_with("cannot create " + (dir.path() / "file" / "net1").string());
  });
}

BOOST_AUTO_TEST_SUITE_END()
