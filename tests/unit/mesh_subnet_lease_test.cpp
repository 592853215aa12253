#include <boost/test/unit_test.hpp>
#include <string>

#include "crypto/key_encoding.hpp"
#include "ctl_test_keys.hpp"
#include "mesh/subnet_key.hpp"
#include "mesh/subnet_lease.hpp"
#include "mesh_test_print.hpp"

namespace {

using sluice::mesh::LeaseError;
using sluice::mesh::parse_lease;
using sluice::mesh::parse_subnet_key_name;
using sluice::mesh::SubnetKey;
using sluice::mesh::SubnetLease;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpPrefix;

sluice::crypto::PublicKey public_key() {
  sluice::crypto::PublicKey key;
  sluice::crypto::decode_base64_key(sluice::test::kPeer1, key.bytes);
  return key;
}

std::string error_of(const std::string& name, const std::string& json) {
  try {
    (void)parse_lease(name, json);
  } catch (const LeaseError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_subnet_lease)

BOOST_AUTO_TEST_CASE(key_names) {
  const SubnetKey v4{IpPrefix::parse("10.244.3.0/24"), std::nullopt};
  BOOST_TEST(subnet_key_name(v4) == "10.244.3.0-24");
  const SubnetKey dual{IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:244:0:3::/64")};
  BOOST_TEST(subnet_key_name(dual) == "10.244.3.0-24&fd00:244:0:3::-64");
  BOOST_TEST((parse_subnet_key_name("10.244.3.0-24") == v4));
  BOOST_TEST((parse_subnet_key_name("10.244.3.0-24&fd00:244:0:3::-64") == dual));
  BOOST_TEST((parse_subnet_key_name("10.244.3.0-24&FD00:244:0:3:0:0:0:0-64") == dual));
  for (const char* bad :
       {"", "10.244.3.0", "10.244.3.0/24", "10.244.3.0-", "10.244.3.0-x", "10.244.3.0-33", "10.244.3.0-024x",
        "10.244.3.1-24", "fd00::-64", "10.244.3.0-24&", "10.244.3.0-24&fd00::", "10.244.3.0-24&10.0.0.0-8",
        "10.244.3.0-24&fd00::1-64", "10.244.3.0-24&fd00::-129", "10.244.3.0-24 ", "config"}) {
    BOOST_TEST_INFO(bad);
    BOOST_TEST(!parse_subnet_key_name(bad).has_value());
  }
}

BOOST_AUTO_TEST_CASE(round_trip) {
  SubnetLease lease{{IpPrefix::parse("10.244.3.0/24"), std::nullopt},
                    IpAddress::parse("10.200.0.3"),
                    std::nullopt,
                    public_key(),
                    51820};
  BOOST_TEST(lease_json(lease) == R"({"PublicIP":"10.200.0.3","BackendType":"wireguard","BackendData":{"PublicKey":")" +
                                      sluice::test::kPeer1 + R"(","ListenPort":51820}})");
  BOOST_TEST((parse_lease("10.244.3.0-24", lease_json(lease)) == lease));

  lease.subnets.subnet6 = IpPrefix::parse("fd00:244:0:3::/64");
  lease.public_ipv6 = IpAddress::parse("fd00:200::3");
  lease.listen_port.reset();
  BOOST_TEST(lease_json(lease) == R"({"PublicIP":"10.200.0.3","PublicIPv6":"fd00:200::3","BackendType":"wireguard",)"
                                  R"("BackendData":{"PublicKey":")" +
                                      sluice::test::kPeer1 + R"("},"BackendV6Data":{"PublicKey":")" +
                                      sluice::test::kPeer1 + R"("}})");
  BOOST_TEST((parse_lease(subnet_key_name(lease.subnets), lease_json(lease)) == lease));
}

BOOST_AUTO_TEST_CASE(reads_what_flannel_writes) {
  // Go's encoding/json for a node without IPv6, and one with IPv6 only in BackendV6Data.
  const SubnetLease v4 = parse_lease(
      "10.244.7.0-24",
      R"({"PublicIP":"10.200.0.7","PublicIPv6":null,"BackendType":"wireguard","BackendData":{"PublicKey":")" +
          sluice::test::kPeer1 + R"("}})");
  BOOST_TEST((v4.public_ip == IpAddress::parse("10.200.0.7")));
  BOOST_TEST(!v4.public_ipv6.has_value());
  BOOST_TEST((v4.public_key == public_key()));
  BOOST_TEST(!v4.listen_port.has_value());
  const SubnetLease v6 = parse_lease("10.244.7.0-24&fd00:244:0:7::-64",
                                     R"({"PublicIP":"0.0.0.0","PublicIPv6":"fd00:200::7","BackendType":"wireguard",)"
                                     R"("BackendV6Data":{"PublicKey":")" +
                                         sluice::test::kPeer1 + R"("},"SomethingNew":1})");
  BOOST_TEST(!v6.public_ip.has_value());
  BOOST_TEST((v6.public_ipv6 == IpAddress::parse("fd00:200::7")));
  BOOST_TEST((v6.subnets.subnet6 == IpPrefix::parse("fd00:244:0:7::/64")));
  BOOST_TEST((v6.public_key == public_key()));
}

struct BrokenCase {
  const char* name;
  std::string json;
  const char* message;
};

BOOST_AUTO_TEST_CASE(broken_leases_name_the_field) {
  const std::string data = R"("BackendData":{"PublicKey":")" + sluice::test::kPeer1 + R"("})";
  const BrokenCase cases[] = {
      {"10.244.3.0-25x", "{}",
       "'10.244.3.0-25x': not a subnet lease name such as 10.244.3.0-24 or 10.244.3.0-24&fd00:244::-64"},
      {"10.244.3.0-24", "{",
       "10.244.3.0-24: malformed JSON: parse error at line 1, column 2: syntax error while "
       "parsing object key - unexpected end of input; expected string literal"},
      {"10.244.3.0-24", "[]", "10.244.3.0-24: expected a JSON object, got an array"},
      {"10.244.3.0-24", "{" + data + "}", "10.244.3.0-24: BackendType: missing (expected \"wireguard\")"},
      {"10.244.3.0-24", R"({"BackendType":"vxlan",)" + data + "}",
       "10.244.3.0-24: BackendType: 'vxlan' is not \"wireguard\""},
      {"10.244.3.0-24", R"({"BackendType":"wireguard"})",
       "10.244.3.0-24: BackendData: missing (it holds the node's PublicKey)"},
      {"10.244.3.0-24", R"({"BackendType":"wireguard","BackendData":"x"})",
       "10.244.3.0-24: BackendData: expected an object, got a string"},
      {"10.244.3.0-24", R"({"BackendType":"wireguard","BackendData":{}})",
       "10.244.3.0-24: BackendData.PublicKey: missing"},
      {"10.244.3.0-24", R"({"BackendType":"wireguard","BackendData":{"PublicKey":"abc"}})",
       "10.244.3.0-24: BackendData.PublicKey: key must be 44 base64 characters, got 3"},
      {"10.244.3.0-24",
       R"({"BackendType":"wireguard","BackendData":{"PublicKey":")" + sluice::test::kPeer1 + R"(","ListenPort":0}})",
       "10.244.3.0-24: BackendData.ListenPort: 0 is out of range (1-65535)"},
      {"10.244.3.0-24", R"({"PublicIP":"fd00::1","BackendType":"wireguard",)" + data + "}",
       "10.244.3.0-24: PublicIP: fd00::1 is not an IPv4 address"},
      {"10.244.3.0-24", R"({"PublicIP":"host","BackendType":"wireguard",)" + data + "}",
       "10.244.3.0-24: PublicIP: 'host' is not an IPv4 or IPv6 address"},
      {"10.244.3.0-24", R"({"PublicIPv6":7,"BackendType":"wireguard",)" + data + "}",
       "10.244.3.0-24: PublicIPv6: expected a string, got an integer"},
  };
  for (const auto& broken : cases) {
    BOOST_TEST_INFO(broken.json);
    BOOST_TEST(error_of(broken.name, broken.json) == broken.message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
