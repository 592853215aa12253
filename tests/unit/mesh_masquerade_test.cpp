#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "mesh/masquerade_rules.hpp"
#include "mesh/network_config.hpp"
#include "mesh_test_print.hpp"

namespace {

using sluice::mesh::masquerade_rules;
using sluice::mesh::MasqueradeRules;
using sluice::mesh::parse_network_config;
using sluice::mesh::SubnetKey;
using sluice::tunnel::IpPrefix;

using Rule = std::vector<std::string>;

Rule with_comment(Rule match, const std::string& target) {
  match.insert(match.end(), {"-m", "comment", "--comment", "sluice-mesh masquerade", "-j", target});
  if (target == "MASQUERADE") match.push_back("--random-fully");
  return match;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_masquerade)

BOOST_AUTO_TEST_CASE(ipv4_rules_are_flannels_in_its_order) {
  const auto network = parse_network_config(R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard"}})");
  const auto families = masquerade_rules(network, SubnetKey{IpPrefix::parse("10.244.3.0/24"), std::nullopt});
  BOOST_TEST_REQUIRE(families.size() == 1U);
  BOOST_TEST(families[0].program == "iptables");
  const std::vector<Rule> expected{
      with_comment({"-s", "10.244.0.0/16", "-d", "10.244.0.0/16"}, "RETURN"),
      with_comment({"-s", "10.244.0.0/16", "!", "-d", "224.0.0.0/4"}, "MASQUERADE"),
      with_comment({"!", "-s", "10.244.0.0/16", "-d", "10.244.3.0/24"}, "RETURN"),
      with_comment({"!", "-s", "10.244.0.0/16", "-d", "10.244.0.0/16"}, "MASQUERADE"),
  };
  BOOST_TEST((families[0].rules == expected));
}

BOOST_AUTO_TEST_CASE(dual_stack_adds_ip6tables_rules) {
  const auto network = parse_network_config(
      R"({"Network": "10.244.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00:244::/56", "IPv6SubnetLen": 64,
          "Backend": {"Type": "wireguard"}})");
  const SubnetKey subnets{IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:244:0:3::/64")};
  const auto families = masquerade_rules(network, subnets);
  BOOST_TEST_REQUIRE(families.size() == 2U);
  BOOST_TEST(families[1].program == "ip6tables");
  BOOST_TEST((families[1].rules[1] == with_comment({"-s", "fd00:244::/56", "!", "-d", "ff00::/8"}, "MASQUERADE")));
  BOOST_TEST((families[1].rules[2] == with_comment({"!", "-s", "fd00:244::/56", "-d", "fd00:244:0:3::/64"}, "RETURN")));
}

BOOST_AUTO_TEST_CASE(other_subnets_give_other_rules) {
  const auto network = parse_network_config(R"({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard"}})");
  BOOST_TEST((masquerade_rules(network, SubnetKey{IpPrefix::parse("10.244.3.0/24"), std::nullopt}) !=
              masquerade_rules(network, SubnetKey{IpPrefix::parse("10.244.4.0/24"), std::nullopt})));
}

BOOST_AUTO_TEST_SUITE_END()
