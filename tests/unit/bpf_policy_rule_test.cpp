#include <boost/test/unit_test.hpp>
#include <cstring>

#include "bpf/policy_rule.hpp"

using namespace sluice::bpf;
using sluice::tunnel::IpPrefix;

BOOST_AUTO_TEST_SUITE(bpf_policy_rule)

BOOST_AUTO_TEST_CASE(map_structs_keep_their_layout) {
  // The BPF program and the loader share these; padding is explicit, so sizes are fixed.
  BOOST_TEST(sizeof(sluice_policy_rule) == 28u);
  BOOST_TEST(sizeof(sluice_policy_config) == 16u);
  BOOST_TEST(sizeof(sluice_flow_key) == 40u);
  BOOST_TEST(sizeof(sluice_flow_value) == 56u);
}

BOOST_AUTO_TEST_CASE(encodes_an_ipv4_rule_masked_in_network_order) {
  const auto rule = encode_rule(Rule{.direction = Direction::to_container,
                                     .remote = IpPrefix::parse("10.200.62.77/24"),
                                     .protocol = 6,
                                     .port_min = 8000,
                                     .port_max = 8099,
                                     .action = Action::allow});
  BOOST_TEST(rule.direction == SLUICE_DIR_TO_CONTAINER);
  BOOST_TEST(rule.family == 4);
  BOOST_TEST(rule.prefix_len == 24);
  BOOST_TEST(rule.protocol == 6);
  BOOST_TEST(rule.port_min == 8000);
  BOOST_TEST(rule.port_max == 8099);
  BOOST_TEST(rule.action == SLUICE_ACTION_ALLOW);
  const unsigned char expected[16] = {10, 200, 62, 0};
  BOOST_TEST(std::memcmp(rule.addr, expected, 16) == 0);
}

BOOST_AUTO_TEST_CASE(encodes_an_ipv6_rule) {
  const auto rule = encode_rule(Rule{.direction = Direction::from_container,
                                     .remote = IpPrefix::parse("fd00:200:62::1/64"),
                                     .protocol = 0,
                                     .port_min = 0,
                                     .port_max = 65535,
                                     .action = Action::deny});
  BOOST_TEST(rule.direction == SLUICE_DIR_FROM_CONTAINER);
  BOOST_TEST(rule.family == 6);
  BOOST_TEST(rule.prefix_len == 64);
  BOOST_TEST(rule.action == SLUICE_ACTION_DENY);
  const unsigned char expected[16] = {0xfd, 0x00, 0x02, 0x00, 0x00, 0x62};
  BOOST_TEST(std::memcmp(rule.addr, expected, 16) == 0);
}

BOOST_AUTO_TEST_CASE(rejects_an_empty_port_range) {
  BOOST_CHECK_THROW(encode_rule(Rule{.direction = Direction::to_container,
                                     .remote = IpPrefix::parse("0.0.0.0/0"),
                                     .protocol = 17,
                                     .port_min = 90,
                                     .port_max = 80,
                                     .action = Action::allow}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(decodes_a_flow) {
  sluice_flow_key key{};
  const unsigned char src[4] = {10, 200, 62, 2}, dst[4] = {10, 200, 61, 2};
  std::memcpy(key.src, src, 4);
  std::memcpy(key.dst, dst, 4);
  key.sport = 40000;
  key.dport = 8080;
  key.family = 4;
  key.protocol = 6;
  sluice_flow_value value{};
  value.packets[SLUICE_DIR_TO_CONTAINER] = 5;
  value.bytes[SLUICE_DIR_TO_CONTAINER] = 400;
  value.packets[SLUICE_DIR_FROM_CONTAINER] = 4;
  value.bytes[SLUICE_DIR_FROM_CONTAINER] = 300;
  value.first_seen_ns = 10;
  value.last_seen_ns = 20;
  value.rule = 3;
  value.direction = SLUICE_DIR_TO_CONTAINER;
  value.verdict = SLUICE_ACTION_ALLOW;
  const auto flow = decode_flow(key, value);
  BOOST_TEST(flow.source.to_string() == "10.200.62.2");
  BOOST_TEST(flow.destination.to_string() == "10.200.61.2");
  BOOST_TEST(flow.source_port == 40000);
  BOOST_TEST(flow.destination_port == 8080);
  BOOST_TEST(flow.protocol == 6);
  BOOST_TEST((flow.direction == Direction::to_container));
  BOOST_TEST((flow.verdict == Action::allow));
  BOOST_TEST(flow.rule.value_or(0) == 3);
  BOOST_TEST(flow.by_direction[0].packets == 5u);
  BOOST_TEST(flow.by_direction[1].bytes == 300u);
  BOOST_TEST(flow.last_seen_ns == 20u);

  value.rule = SLUICE_POLICY_RULE_DEFAULT;
  BOOST_TEST(!decode_flow(key, value).rule.has_value());
}

BOOST_AUTO_TEST_CASE(parses_protocols) {
  BOOST_TEST(parse_protocol("tcp") == 6);
  BOOST_TEST(parse_protocol("udp") == 17);
  BOOST_TEST(parse_protocol("icmp") == 1);
  BOOST_TEST(parse_protocol("icmpv6") == 58);
  BOOST_TEST(parse_protocol("any") == 0);
  BOOST_TEST(parse_protocol("132") == 132);
  BOOST_CHECK_THROW(parse_protocol("256"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_protocol("sctp"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
