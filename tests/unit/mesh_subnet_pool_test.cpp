#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mesh/network_config.hpp"
#include "mesh/subnet_pool.hpp"
#include "mesh_test_print.hpp"

namespace {

using sluice::mesh::choose_subnets;
using sluice::mesh::fits_config;
using sluice::mesh::free_subnets;
using sluice::mesh::NetworkConfig;
using sluice::mesh::parse_network_config;
using sluice::mesh::SubnetKey;
using sluice::mesh::SubnetRange;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpPrefix;

NetworkConfig config_of(const std::string& fields) {
  return parse_network_config("{" + fields + R"(, "Backend": {"Type": "wireguard"}})");
}

std::vector<IpPrefix> prefixes(std::initializer_list<const char*> texts) {
  std::vector<IpPrefix> out;
  for (const char* text : texts) out.push_back(IpPrefix::parse(text));
  return out;
}

std::string joined(const std::vector<IpPrefix>& list) {
  std::string out;
  for (const auto& prefix : list) {
    if (!out.empty()) out += ' ';
    out += prefix.to_string();
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_subnet_pool)

BOOST_AUTO_TEST_CASE(skips_taken_subnets_in_order) {
  const NetworkConfig config = config_of(R"("Network": "10.244.0.0/16", "SubnetMax": "10.244.6.0")");
  BOOST_TEST(joined(free_subnets(config.ipv4, {}, 100)) ==
             "10.244.1.0/24 10.244.2.0/24 10.244.3.0/24 10.244.4.0/24 10.244.5.0/24 10.244.6.0/24");
  // A taken prefix larger or smaller than a subnet blocks every subnet it overlaps; IPv6 and
  // prefixes outside the range change nothing.
  const auto taken = prefixes({"10.244.2.0/24", "10.244.4.0/23", "10.244.6.128/25", "fd00::/8", "10.0.0.0/16"});
  BOOST_TEST(joined(free_subnets(config.ipv4, taken, 100)) == "10.244.1.0/24 10.244.3.0/24");
  BOOST_TEST(joined(free_subnets(config.ipv4, taken, 1)) == "10.244.1.0/24");
  BOOST_TEST(free_subnets(config.ipv4, taken, 0).empty());
  BOOST_TEST(free_subnets(config.ipv4, prefixes({"10.244.0.0/16"}), 100).empty());
  BOOST_TEST(free_subnets(config.ipv4, prefixes({"0.0.0.0/0"}), 100).empty());
}

BOOST_AUTO_TEST_CASE(huge_space_is_walked_lazily) {
  // 2^22 subnets of a /8: every other one of the first 40000 is taken, then most of the rest in
  // a few big blocks.
  const NetworkConfig config = config_of(R"("Network": "10.0.0.0/8", "SubnetLen": 30)");
  std::vector<IpPrefix> taken;
  for (std::uint32_t i = 1; i < 40000; i += 2) {
    const std::uint32_t address = (10u << 24) + 4 * i;
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
                                   static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
    taken.emplace_back(IpAddress::v4(bytes), 30);
  }
  for (const auto& block : prefixes({"10.2.128.0/17", "10.3.0.0/16", "10.4.0.0/14", "10.8.0.0/13", "10.16.0.0/12",
                                     "10.32.0.0/11", "10.64.0.0/10"})) {
    taken.push_back(block);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto found = free_subnets(config.ipv4, taken, 21000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST_REQUIRE(found.size() == 21000u);
  BOOST_TEST(found[0].to_string() == "10.0.0.8/30");  // 10.0.0.4/30 is SubnetMin and taken
  BOOST_TEST(found[19998].to_string() == "10.2.112.248/30");
  BOOST_TEST(found[19999].to_string() == "10.2.113.0/30");
  BOOST_TEST(found[19999 + 959].to_string() == "10.2.127.252/30");
  BOOST_TEST(found[19999 + 960].to_string() == "10.128.0.0/30");
  BOOST_TEST(found.back().to_string() == "10.128.0.160/30");
  BOOST_TEST(std::chrono::duration<double>(elapsed).count() < 1.0);

  // IPv6: 2^118 subnets, the first half of the last /16 free.
  const NetworkConfig six = config_of(R"("Network": "10.0.0.0/16", "EnableIPv6": true, "IPv6Network": "fd00::/8",
                                         "IPv6SubnetLen": 126)");
  const auto tail = free_subnets(*six.ipv6,
                                 prefixes({"fd00::/9", "fd80::/10", "fdc0::/11", "fde0::/12", "fdf0::/13", "fdf8::/14",
                                           "fdfc::/15", "fdfe::/16", "fdff::/17"}),
                                 100);
  BOOST_TEST_REQUIRE(tail.size() == 100u);
  BOOST_TEST(tail.front().to_string() == "fdff:8000::/126");
  BOOST_TEST(tail.back().to_string() == "fdff:8000::18c/126");
}

BOOST_AUTO_TEST_CASE(last_subnet_of_the_address_space) {
  // No overflow past ffff...: the range ends at the very last /126.
  const IpAddress last = IpAddress::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc");
  const SubnetRange range{IpPrefix::parse("ffff::/16"), 126,
                          IpAddress::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff8"), last};
  BOOST_TEST(joined(free_subnets(range, {}, 100)) ==
             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff8/126 ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/126");
  BOOST_TEST(joined(free_subnets(range, prefixes({"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff8/126"}), 100)) ==
             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/126");
  BOOST_TEST(free_subnets(range, prefixes({"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff8/125"}), 100).empty());
  BOOST_TEST(free_subnets(range, prefixes({"::/0"}), 100).empty());
}

BOOST_AUTO_TEST_CASE(choice_is_random_among_the_first_hundred) {
  const NetworkConfig config = config_of(R"("Network": "10.244.0.0/16")");
  std::vector<std::size_t> bounds;
  const auto last_one = [&bounds](std::size_t bound) {
    bounds.push_back(bound);
    return bound - 1;
  };
  const auto chosen = choose_subnets(config, prefixes({"10.244.1.0/24"}), last_one);
  BOOST_TEST_REQUIRE(chosen.has_value());
  BOOST_TEST(chosen->subnet.to_string() == "10.244.101.0/24");
  BOOST_TEST(!chosen->subnet6.has_value());
  BOOST_TEST(bounds == std::vector<std::size_t>{100});

  // Dual stack: each family is chosen on its own.
  const NetworkConfig dual = config_of(R"("Network": "10.244.0.0/22", "EnableIPv6": true,
                                          "IPv6Network": "fd00:244::/56")");
  bounds.clear();
  const auto both = choose_subnets(dual, prefixes({"10.244.1.0/24", "fd00:244:0:1::/64"}), last_one);
  BOOST_TEST_REQUIRE(both.has_value());
  BOOST_TEST(both->subnet.to_string() == "10.244.3.0/24");
  BOOST_TEST(both->subnet6->to_string() == "fd00:244:0:65::/64");
  BOOST_TEST(bounds == (std::vector<std::size_t>{2, 100}));
  BOOST_TEST(!choose_subnets(dual, prefixes({"10.244.0.0/22"}), last_one).has_value());
  BOOST_TEST(!choose_subnets(dual, prefixes({"fd00:244::/56"}), last_one).has_value());

  // The real source stays below its bound.
  for (int i = 0; i < 100; ++i) {
    const auto any = choose_subnets(config, {});
    BOOST_TEST_REQUIRE(any.has_value());
    BOOST_TEST(config.ipv4.network.contains(any->subnet.address()));
  }
}

BOOST_AUTO_TEST_CASE(fits_config_as_flannel) {
  const NetworkConfig config = config_of(R"("Network": "10.244.0.0/16", "SubnetMax": "10.244.200.0")");
  BOOST_TEST(fits_config(config, {IpPrefix::parse("10.244.3.0/24"), std::nullopt}));
  BOOST_TEST(fits_config(config, {IpPrefix::parse("10.244.200.0/24"), std::nullopt}));
  BOOST_TEST(!fits_config(config, {IpPrefix::parse("10.244.0.0/24"), std::nullopt}));    // below SubnetMin
  BOOST_TEST(!fits_config(config, {IpPrefix::parse("10.244.201.0/24"), std::nullopt}));  // above SubnetMax
  BOOST_TEST(!fits_config(config, {IpPrefix::parse("10.244.3.0/25"), std::nullopt}));    // another SubnetLen
  BOOST_TEST(!fits_config(config, {IpPrefix::parse("10.245.3.0/24"), std::nullopt}));
  BOOST_TEST(!fits_config(config, {IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00::/64")}));
  const NetworkConfig dual = config_of(R"("Network": "10.244.0.0/16", "EnableIPv6": true,
                                          "IPv6Network": "fd00:244::/56")");
  BOOST_TEST(fits_config(dual, {IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:244:0:3::/64")}));
  BOOST_TEST(!fits_config(dual, {IpPrefix::parse("10.244.3.0/24"), std::nullopt}));
  BOOST_TEST(!fits_config(dual, {IpPrefix::parse("10.244.3.0/24"), IpPrefix::parse("fd00:245::/64")}));
}

BOOST_AUTO_TEST_SUITE_END()
