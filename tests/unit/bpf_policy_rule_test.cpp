#include <boost/test/unit_test.hpp>
#include <cstddef>
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
  // The peer flag and the peer defaults live in what was padding.
  BOOST_TEST(offsetof(sluice_policy_rule, flags) == 9u);
  BOOST_TEST(offsetof(sluice_policy_config, peer_default_action) == 10u);
  BOOST_TEST(offsetof(sluice_policy_config, peer_default_set) == 12u);
  // So does the loader's mark (net.cni_bpf_policy sets byte 13 as a loader that died would leave it).
  BOOST_TEST(offsetof(sluice_policy_config, writing) == 13u);
  // The peers set's key: prefixlen, then the family word the trie matches first, then the address.
  BOOST_TEST(sizeof(sluice_peer_key) == 24u);
  BOOST_TEST(offsetof(sluice_peer_key, family) == 4u);
  BOOST_TEST(offsetof(sluice_peer_key, addr) == 8u);
}

BOOST_AUTO_TEST_CASE(encodes_an_ipv4_rule_masked_in_network_order) {
  const auto rule = encode_rule(Rule{.direction = Direction::to_container,
                                     .remote = IpPrefix::parse("10.200.62.77/24"),
                                     .protocol = 6,
                                     .port_min = 8000,
                                     .port_max = 8099,
                                     .action = Action::allow,
                                     .remote_peer = false});
  BOOST_TEST(rule.direction == SLUICE_DIR_TO_CONTAINER);
  BOOST_TEST(rule.family == 4);
  BOOST_TEST(rule.prefix_len == 24);
  BOOST_TEST(rule.protocol == 6);
  BOOST_TEST(rule.port_min == 8000);
  BOOST_TEST(rule.port_max == 8099);
  BOOST_TEST(rule.action == SLUICE_ACTION_ALLOW);
  BOOST_TEST(rule.flags == 0);
  const unsigned char expected[16] = {10, 200, 62, 0};
  BOOST_TEST(std::memcmp(rule.addr, expected, 16) == 0);
}

BOOST_AUTO_TEST_CASE(encodes_an_ipv6_rule) {
  const auto rule = encode_rule(Rule{.direction = Direction::from_container,
                                     .remote = IpPrefix::parse("fd00:200:62::1/64"),
                                     .protocol = 0,
                                     .port_min = 0,
                                     .port_max = 65535,
                                     .action = Action::deny,
                                     .remote_peer = true});
  BOOST_TEST(rule.direction == SLUICE_DIR_FROM_CONTAINER);
  BOOST_TEST(rule.family == 6);
  BOOST_TEST(rule.prefix_len == 64);
  BOOST_TEST(rule.action == SLUICE_ACTION_DENY);
  BOOST_TEST(rule.flags == SLUICE_RULE_REMOTE_PEER);
  const unsigned char expected[16] = {0xfd, 0x00, 0x02, 0x00, 0x00, 0x62};
  BOOST_TEST(std::memcmp(rule.addr, expected, 16) == 0);
}

BOOST_AUTO_TEST_CASE(rejects_an_empty_port_range) {
  BOOST_CHECK_THROW(encode_rule(Rule{.direction = Direction::to_container,
                                     .remote = IpPrefix::parse("0.0.0.0/0"),
                                     .protocol = 17,
                                     .port_min = 90,
                                     .port_max = 80,
                                     .action = Action::allow,
                                     .remote_peer = false}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(encodes_peer_prefixes_family_first) {
  const auto v4 = encode_peer(IpPrefix::parse("10.244.7.9/24"));
  BOOST_TEST(v4.prefixlen == 32u + 24u);
  BOOST_TEST(v4.family == 4);
  const unsigned char expected4[16] = {10, 244, 7, 0};
  BOOST_TEST(std::memcmp(v4.addr, expected4, 16) == 0);
  BOOST_TEST(decode_peer(v4).to_string() == "10.244.7.0/24");
  // ::/0 and 0.0.0.0/0 differ in the family word: neither holds the other's addresses.
  const auto all6 = encode_peer(IpPrefix::parse("::/0"));
  BOOST_TEST(all6.prefixlen == 32u);
  BOOST_TEST(all6.family == 6);
  BOOST_TEST(decode_peer(all6).to_string() == "::/0");
  BOOST_TEST(decode_peer(encode_peer(IpPrefix::parse("fd00:244:0:1::/66"))).to_string() == "fd00:244:0:1::/66");
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

  BOOST_TEST(decider_text(flow) == "rule 3");

  value.rule = SLUICE_POLICY_RULE_DEFAULT;
  const auto by_default = decode_flow(key, value);
  BOOST_TEST(!by_default.rule.has_value());
  BOOST_TEST((by_default.default_kind == DefaultKind::plain));
  BOOST_TEST(decider_text(by_default) == "default");
  value.rule = SLUICE_POLICY_RULE_PEER_DEFAULT;
  const auto by_peer_default = decode_flow(key, value);
  BOOST_TEST(!by_peer_default.rule.has_value());
  BOOST_TEST((by_peer_default.default_kind == DefaultKind::peer));
  BOOST_TEST(decider_text(by_peer_default) == "peer default");
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
