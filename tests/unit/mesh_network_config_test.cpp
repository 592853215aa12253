#include <boost/test/unit_test.hpp>
#include <string>

#include "crypto/key_encoding.hpp"
#include "ctl_test_keys.hpp"
#include "mesh/network_config.hpp"
#include "mesh_test_print.hpp"

namespace {

using sluice::mesh::NetworkConfig;
using sluice::mesh::NetworkConfigError;
using sluice::mesh::parse_network_config;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpPrefix;

std::string error_of(const std::string& json) {
  try {
    (void)parse_network_config(json);
  } catch (const NetworkConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

// A config with the given fields beside a wireguard backend.
std::string with_backend(const std::string& fields) {
  return "{" + fields + (fields.empty() ? "" : ", ") + R"("Backend": {"Type": "wireguard"}})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_network_config)

BOOST_AUTO_TEST_CASE(defaults_are_flannels) {
  const NetworkConfig config = parse_network_config(with_backend(R"("Network": "10.244.0.0/16")"));
  BOOST_TEST(config.ipv4.network == IpPrefix::parse("10.244.0.0/16"));
  BOOST_TEST(config.ipv4.subnet_len == 24u);
  // The first subnet is skipped: its .0 would be the network address.
  BOOST_TEST(config.ipv4.subnet_min == IpAddress::parse("10.244.1.0"));
  BOOST_TEST(config.ipv4.subnet_max == IpAddress::parse("10.244.255.0"));
  BOOST_TEST(!config.ipv6.has_value());
  BOOST_TEST(config.backend.listen_port == 51820);
  BOOST_TEST(config.backend.persistent_keepalive == 0);
  BOOST_TEST(!config.backend.preshared_key.has_value());
}

BOOST_AUTO_TEST_CASE(small_networks_get_four_subnets) {
  // Flannel: a /24 unless the network is smaller than a /22, then the network's length + 2.
  BOOST_TEST(parse_network_config(with_backend(R"("Network": "10.0.0.0/22")")).ipv4.subnet_len == 24u);
  const NetworkConfig small = parse_network_config(with_backend(R"("Network": "10.0.0.0/26")"));
  BOOST_TEST(small.ipv4.subnet_len == 28u);
  BOOST_TEST(small.ipv4.subnet_min == IpAddress::parse("10.0.0.16"));
  BOOST_TEST(small.ipv4.subnet_max == IpAddress::parse("10.0.0.48"));
  const NetworkConfig six =
      parse_network_config(with_backend(R"("Network": "10.0.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/64")"));
  BOOST_TEST(six.ipv6->subnet_len == 66u);
  BOOST_TEST(error_of(with_backend(R"("Network": "10.0.0.0/29")")) ==
             "Network: 10.0.0.0/29 is too small: it must hold four subnets of four addresses (a /28 or larger)");
}

BOOST_AUTO_TEST_CASE(full_config) {
  const NetworkConfig config = parse_network_config(R"({
    "Network": "10.244.0.0/16", "SubnetLen": 24, "SubnetMin": "10.244.1.0", "SubnetMax": "10.244.254.0",
    "EnableIPv4": true, "EnableIPv6": true, "IPv6Network": "fd00:244::/56", "IPv6SubnetLen": 64,
    "Backend": {"Type": "wireguard", "ListenPort": 51000, "PersistentKeepaliveInterval": 25,
                "PSK": ")" + sluice::test::kPreshared +
                                                    R"(", "Mode": "auto"},
    "SomethingElse": [1, 2, 3]})");
  BOOST_TEST(config.ipv4.subnet_max == IpAddress::parse("10.244.254.0"));
  BOOST_TEST_REQUIRE(config.ipv6.has_value());
  BOOST_TEST(config.ipv6->network == IpPrefix::parse("fd00:244::/56"));
  BOOST_TEST(config.ipv6->subnet_len == 64u);
  BOOST_TEST(config.ipv6->subnet_min == IpAddress::parse("fd00:244:0:1::"));
  BOOST_TEST(config.ipv6->subnet_max == IpAddress::parse("fd00:244:0:ff::"));
  BOOST_TEST(config.backend.listen_port == 51000);
  BOOST_TEST(config.backend.persistent_keepalive == 25);
  BOOST_TEST_REQUIRE(config.backend.preshared_key.has_value());
  BOOST_TEST(sluice::crypto::encode_base64_key(config.backend.preshared_key->span()) == sluice::test::kPreshared);
}

BOOST_AUTO_TEST_CASE(round_trip) {
  for (const std::string& json : {
           with_backend(R"("Network": "10.244.0.0/16")"),
           with_backend(R"("Network": "10.0.0.0/8", "SubnetLen": 30, "SubnetMin": "10.1.0.0")"),
           std::string(R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/8",
               "Backend": {"Type": "wireguard", "PersistentKeepaliveInterval": 5, "PSK": ")" +
                       sluice::test::kPreshared + R"("}})"),
       }) {
    const NetworkConfig config = parse_network_config(json);
    const std::string written = sluice::mesh::network_config_json(config);
    BOOST_TEST_INFO(written);
    BOOST_TEST((parse_network_config(written) == config));
  }
  BOOST_TEST(sluice::mesh::network_config_json(parse_network_config(with_backend(R"("Network": "10.244.0.0/16")"))) ==
             R"({"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":"10.244.1.0","SubnetMax":"10.244.255.0",)"
             R"("EnableIPv4":true,"EnableIPv6":false,)"
             R"("Backend":{"Type":"wireguard","ListenPort":51820,"PersistentKeepaliveInterval":0}})");
}

BOOST_AUTO_TEST_CASE(go_rules_for_field_names_and_null) {
  // encoding/json matches names case-insensitively and takes null as absent.
  const NetworkConfig config = parse_network_config(
      R"({"network": "10.244.0.0/16", "subnetlen": 26, "SubnetMin": null, "backend": {"type": "wireguard"}})");
  BOOST_TEST(config.ipv4.subnet_len == 26u);
  BOOST_TEST(config.ipv4.subnet_min == IpAddress::parse("10.244.0.64"));
  // Zero values are unset to Flannel too.
  const NetworkConfig zeros =
      parse_network_config(with_backend(R"("Network": "10.244.0.0/16", "SubnetLen": 0, "SubnetMin": "0.0.0.0")"));
  BOOST_TEST(zeros.ipv4.subnet_len == 24u);
  BOOST_TEST(zeros.ipv4.subnet_min == IpAddress::parse("10.244.1.0"));
}

struct BrokenCase {
  const char* json;
  const char* message;
};

BOOST_AUTO_TEST_CASE(broken_configs_name_the_field) {
  const BrokenCase cases[] = {
      {R"({"Network": )",
       "malformed JSON: parse error at line 1, column 13: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
      {R"(["10.244.0.0/16"])", "expected a JSON object, got an array"},
      {R"({"Backend": {"Type": "wireguard"}})",
       "Network: missing (the IPv4 network the nodes' subnets come from, such as \"10.244.0.0/16\")"},
      {R"({"Network": 10, "Backend": {"Type": "wireguard"}})", "Network: expected a string, got an integer"},
      {R"({"Network": "10.244.0.0", "Backend": {"Type": "wireguard"}})",
       "Network: '10.244.0.0' has no prefix length (such as \"10.244.0.0/16\")"},
      {R"({"Network": "10.244.0.0/33", "Backend": {"Type": "wireguard"}})",
       "Network: prefix length 33 is out of range for IPv4 (0-32) in '10.244.0.0/33'"},
      {R"({"Network": "10.244.0.x/16", "Backend": {"Type": "wireguard"}})",
       "Network: '10.244.0.x' is not an IPv4 or IPv6 address"},
      {R"({"Network": "fd00::/16", "Backend": {"Type": "wireguard"}})", "Network: fd00::/16 is not an IPv4 network"},
      {R"({"Network": "10.244.1.0/16", "Backend": {"Type": "wireguard"}})",
       "Network: 10.244.1.0/16 has host bits set (the network is 10.244.0.0/16)"},
      {R"({"Network": "10.244.0.0/24", "SubnetLen": 24, "Backend": {"Type": "wireguard"}})",
       "SubnetLen: Network 10.244.0.0/24 is too small for SubnetLen 24: it must hold four subnets at least "
       "(SubnetLen 26 or more)"},
      {R"({"Network": "10.244.0.0/16", "SubnetLen": 31, "Backend": {"Type": "wireguard"}})",
       "SubnetLen: 31 is too long: a subnet must hold four addresses at least (SubnetLen 30 or less)"},
      {R"({"Network": "10.244.0.0/16", "SubnetLen": 33, "Backend": {"Type": "wireguard"}})",
       "SubnetLen: 33 is out of range (0-32)"},
      {R"({"Network": "10.244.0.0/16", "SubnetLen": "24", "Backend": {"Type": "wireguard"}})",
       "SubnetLen: expected an integer, got a string"},
      {R"({"Network": "10.244.0.0/16", "SubnetLen": 24.5, "Backend": {"Type": "wireguard"}})",
       "SubnetLen: expected an integer, got a fractional number"},
      {R"({"Network": "10.244.0.0/16", "SubnetMin": "10.245.0.0", "Backend": {"Type": "wireguard"}})",
       "SubnetMin: 10.245.0.0 is outside Network 10.244.0.0/16"},
      {R"({"Network": "10.244.0.0/16", "SubnetMax": "10.244.3.7", "Backend": {"Type": "wireguard"}})",
       "SubnetMax: 10.244.3.7 is not the first address of a /24 subnet (10.244.3.0/24 is)"},
      {R"({"Network": "10.244.0.0/16", "SubnetMin": "fd00::", "Backend": {"Type": "wireguard"}})",
       "SubnetMin: fd00:: is not an IPv4 address"},
      {R"({"Network": "10.244.0.0/16", "SubnetMin": "10.244.9.0", "SubnetMax": "10.244.3.0",
           "Backend": {"Type": "wireguard"}})",
       "SubnetMin: 10.244.9.0 is above SubnetMax 10.244.3.0"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv4": false, "Backend": {"Type": "wireguard"}})",
       "EnableIPv4: false while EnableIPv6 is false too: no address family is left"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fd00::/56",
           "Backend": {"Type": "wireguard"}})",
       "EnableIPv4: false is not supported: every node leases an IPv4 subnet (as with Flannel's etcd subnet "
       "manager), IPv6 comes beside it"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv6": "yes", "Backend": {"Type": "wireguard"}})",
       "EnableIPv6: expected true or false, got a string"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "Backend": {"Type": "wireguard"}})",
       "IPv6Network: missing (EnableIPv6 is true, such as \"fd00:244::/56\")"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/125",
           "Backend": {"Type": "wireguard"}})",
       "IPv6Network: fd00::/125 is too small: it must hold four subnets of four addresses (a /124 or larger)"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/56", "IPv6SubnetLen": 127,
           "Backend": {"Type": "wireguard"}})",
       "IPv6SubnetLen: 127 is too long: a subnet must hold four addresses at least (IPv6SubnetLen 126 or less)"},
      {R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/56",
           "IPv6SubnetMin": "fd01::", "Backend": {"Type": "wireguard"}})",
       "IPv6SubnetMin: fd01:: is outside IPv6Network fd00::/56"},
      {R"({"Network": "10.244.0.0/16"})",
       "Backend: missing (sluice-mesh needs {\"Type\": \"wireguard\"}; without it Flannel uses udp)"},
      {R"({"Network": "10.244.0.0/16", "Backend": "wireguard"})", "Backend: expected an object, got a string"},
      {R"({"Network": "10.244.0.0/16", "Backend": {}})", "Backend.Type: missing (sluice-mesh needs \"wireguard\")"},
      {R"({"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}})",
       "Backend.Type: 'vxlan' is not supported (sluice-mesh speaks only \"wireguard\")"},
      {R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard", "ListenPort": 0}})",
       "Backend.ListenPort: 0 is out of range (1-65535)"},
      {R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard", "ListenPort": 18446744073709551615}})",
       "Backend.ListenPort: 18446744073709551615 is out of range (1-65535)"},
      {R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard", "PersistentKeepaliveInterval": -1}})",
       "Backend.PersistentKeepaliveInterval: -1 is out of range (0-65535)"},
      {R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard", "PSK": "c2hvcnQ="}})",
       "Backend.PSK: key must be 44 base64 characters, got 8"},
  };
  for (const auto& broken : cases) {
    BOOST_TEST_INFO(broken.json);
    BOOST_TEST(error_of(broken.json) == broken.message);
  }
}

BOOST_AUTO_TEST_CASE(messages_never_show_the_psk) {
  const std::string bad = sluice::test::kPreshared.substr(0, 43) + "!";
  const std::string message =
      error_of(R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard", "PSK": ")" + bad + R"("}})");
  BOOST_TEST(message.starts_with("Backend.PSK: "));
  BOOST_TEST(message.find(sluice::test::kPreshared.substr(0, 20)) == std::string::npos);
  // A parser error near the key does not quote what it last read.
  const std::string truncated =
      error_of(R"({"Network": "10.244.0.0/16", "Backend": {"PSK": ")" + sluice::test::kPreshared);
  BOOST_TEST(truncated.starts_with("malformed JSON: "));
  BOOST_TEST(truncated.find(sluice::test::kPreshared.substr(0, 20)) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
