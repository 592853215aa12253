// The pure half of `sluicectl flows` for containers (ctl/container_flows.hpp): the CNI alias, the
// peer of a remote address by longest prefix, monotonic to wall time, lines, JSON and --peer.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "ctl/container_flows.hpp"
#include "ctl_test_keys.hpp"

using namespace sluice;
using test::kPeer1;
using test::kPeer2;

namespace {

crypto::PublicKey key_of(const std::string& base64) {
  crypto::PublicKey key;
  crypto::decode_base64_key(base64, key.bytes);
  return key;
}

std::vector<ctl::PeerRoutes> peers() {
  return {{key_of(kPeer1), "laptop-b", {tunnel::IpPrefix::parse("10.98.0.0/24")}},
          {key_of(kPeer2), "", {tunnel::IpPrefix::parse("10.98.0.7/32"), tunnel::IpPrefix::parse("fd00:98::/64")}}};
}

// 2023-11-14T22:13:20.000Z is Unix ms 1700000000000; the monotonic clock then read 500 s.
constexpr ctl::Clocks kNow{500'000'000'000U, 1'700'000'000'000U};

bpf::Flow flow(const char* source, const char* destination, bpf::Direction direction, bpf::Action verdict,
               std::optional<std::uint16_t> rule, std::uint64_t last_seen_ns,
               bpf::DefaultKind default_kind = bpf::DefaultKind::plain) {
  bpf::Flow out{.source = tunnel::IpAddress::parse(source),
                .destination = tunnel::IpAddress::parse(destination),
                .source_port = 40000,
                .destination_port = 8080,
                .protocol = 6,
                .direction = direction,
                .verdict = verdict,
                .rule = rule,
                .default_kind = default_kind,
                .by_direction = {bpf::Counter{3, 180}, bpf::Counter{2, 120}},
                .first_seen_ns = last_seen_ns - 1'000'000'000U,
                .last_seen_ns = last_seen_ns};
  return out;
}

ctl::ContainerFlows section() {
  bpf::Counters counters;
  counters.rules = {{5, 300}, {1, 60}};
  counters.default_to_container = {2, 120};
  counters.peer_default_to_container = {4, 240};
  return ctl::container_flows(
      "testnet", "sl1234c", "/b/sluice/cni/testnet/sl1234c", std::string("sluice-cni testnet 0123abcd eth0\n"),
      {flow("10.98.0.2", "10.200.61.2", bpf::Direction::to_container, bpf::Action::allow, 0, 499'000'000'000U),
       flow("10.98.0.7", "10.200.61.2", bpf::Direction::to_container, bpf::Action::deny, std::nullopt, 498'000'000'000U,
            bpf::DefaultKind::peer),
       flow("10.200.61.2", "192.0.2.1", bpf::Direction::from_container, bpf::Action::deny, 1, 499'500'000'000U)},
      counters, peers(), kNow);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_container_flows)

BOOST_AUTO_TEST_CASE(parses_the_cni_alias) {
  const auto alias = ctl::parse_cni_alias("sluice-cni testnet 0123abcd eth0\n");
  BOOST_TEST_REQUIRE(alias.has_value());
  BOOST_TEST(alias->network == "testnet");
  BOOST_TEST(alias->container_id == "0123abcd");
  BOOST_TEST(alias->ifname == "eth0");
  BOOST_TEST(!ctl::parse_cni_alias("").has_value());
  BOOST_TEST(!ctl::parse_cni_alias("uplink to the rack").has_value());
  BOOST_TEST(!ctl::parse_cni_alias("sluice-cni testnet 0123abcd").has_value());
}

BOOST_AUTO_TEST_CASE(finds_the_peer_by_longest_prefix) {
  const auto list = peers();
  const auto* b = ctl::peer_for(list, tunnel::IpAddress::parse("10.98.0.2"));
  BOOST_TEST_REQUIRE(b != nullptr);
  BOOST_TEST(b->name == "laptop-b");
  // 10.98.0.7 lies in both; the /32 wins over the /24.
  const auto* seven = ctl::peer_for(list, tunnel::IpAddress::parse("10.98.0.7"));
  BOOST_TEST_REQUIRE(seven != nullptr);
  BOOST_TEST(ctl::peer_short_label(*seven) == kPeer2.substr(0, 8));
  BOOST_TEST(ctl::peer_for(list, tunnel::IpAddress::parse("fd00:98::9")) == seven);
  BOOST_TEST(ctl::peer_for(list, tunnel::IpAddress::parse("10.99.0.1")) == nullptr);
  BOOST_TEST(ctl::peer_for(list, tunnel::IpAddress::parse("fd00:99::1")) == nullptr);
}

BOOST_AUTO_TEST_CASE(converts_monotonic_to_wall_time) {
  BOOST_TEST(ctl::monotonic_to_unix_ms(499'000'000'000U, kNow) == 1'699'999'999'000U);
  BOOST_TEST(ctl::monotonic_to_unix_ms(500'000'000'000U, kNow) == 1'700'000'000'000U);
  // A time read after the clocks (the kernel moved on meanwhile) is now, never the future.
  BOOST_TEST(ctl::monotonic_to_unix_ms(501'000'000'000U, kNow) == 1'700'000'000'000U);
  BOOST_TEST(ctl::monotonic_to_unix_ms(0, ctl::Clocks{5'000'000'000U, 1'000U}) == 0U);
}

BOOST_AUTO_TEST_CASE(prints_lines_and_counters) {
  const auto container = section();
  BOOST_TEST_REQUIRE(container.flows.size() == 3U);
  // Most recently seen first; the text prints oldest first.
  BOOST_TEST(container.flows[0].record.origin == "from_container");
  const std::string text = ctl::container_text(container);
  BOOST_TEST(text ==
             "container: 0123abcd eth0 (network testnet, veth sl1234c, 3 flows)\n"
             "2023-11-14T22:13:18.000Z " +
                 kPeer2.substr(0, 8) +
                 " 10.98.0.7:40000 -> 10.200.61.2:8080 tcp to_container DROPPED (peer default) in 3/180 out 2/120 "
                 "packets/bytes\n"
                 "2023-11-14T22:13:19.000Z laptop-b 10.98.0.2:40000 -> 10.200.61.2:8080 tcp to_container FORWARDED "
                 "(rule 0) in 3/180 out 2/120 packets/bytes\n"
                 "2023-11-14T22:13:19.500Z - 10.200.61.2:40000 -> 192.0.2.1:8080 tcp from_container DROPPED (rule 1) "
                 "in 3/180 out 2/120 packets/bytes\n"
                 "rules:\n"
                 "  rule 0: 5 packets, 300 bytes\n"
                 "  rule 1: 1 packets, 60 bytes\n"
                 "  default to_container: 2 packets, 120 bytes\n"
                 "  default from_container: 0 packets, 0 bytes\n"
                 "  peer default to_container: 4 packets, 240 bytes\n"
                 "  peer default from_container: 0 packets, 0 bytes\n");
  BOOST_TEST(ctl::container_follow_line(container, container.flows[1]).starts_with("container 0123abcd: 2023-"));
}

BOOST_AUTO_TEST_CASE(a_gone_veth_says_so) {
  const auto gone =
      ctl::container_flows("testnet", "sl1234c", "/b/sluice/cni/testnet/sl1234c", std::nullopt, {}, {}, peers(), kNow);
  BOOST_TEST(ctl::container_text(gone).starts_with("container: (veth gone) (network testnet, veth sl1234c, 0 flows)"));
  const auto json = ctl::container_json(gone);
  BOOST_TEST(json["veth_gone"].get<bool>());
  BOOST_TEST(json["container_id"].is_null());
}

BOOST_AUTO_TEST_CASE(json_has_every_field_and_the_man_page_documents_it) {
  const auto json = ctl::container_json(section());
  BOOST_TEST(json["container_id"] == "0123abcd");
  BOOST_TEST(json["ifname"] == "eth0");
  BOOST_TEST_REQUIRE(json["flows"].size() == 3U);
  const auto& allowed = json["flows"][1];
  BOOST_TEST(allowed["peer"] == kPeer1);
  BOOST_TEST(allowed["peer_name"] == "laptop-b");
  BOOST_TEST(allowed["rule"] == 0);
  BOOST_TEST(allowed["verdict"] == "allow");
  BOOST_TEST(allowed["packets_to_container"] == 3);
  BOOST_TEST(allowed["bytes_from_container"] == 120);
  BOOST_TEST(allowed["last_seen_ms"] == 1'699'999'999'000U);
  BOOST_TEST(json["flows"][0]["peer"].is_null());
  BOOST_TEST(json["flows"][0]["rule"] == 1);
  BOOST_TEST(json["rules"][1]["packets"] == 1);
  BOOST_TEST(json["default"]["to_container"]["bytes"] == 120);
  BOOST_TEST(json["flows"][2]["rule"] == "peer default");
  BOOST_TEST(json["peer_default"]["to_container"]["packets"] == 4);

  std::ifstream in(SLUICE_MAN_DIR "/sluicectl.8");
  BOOST_TEST_REQUIRE(in.good());
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [key, value] : json.items()) BOOST_TEST(page.find('"' + key + '"') != std::string::npos, key);
  for (const auto& [key, value] : json["flows"][0].items()) {
    BOOST_TEST(page.find('"' + key + '"') != std::string::npos, key);
  }
  BOOST_TEST(page.find("\"containers\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(keeps_one_peers_flows) {
  std::vector<ctl::ContainerFlows> containers{section(), section()};
  ctl::keep_container_peer(containers, "laptop-b");
  BOOST_TEST(containers[0].flows.size() == 1U);
  BOOST_TEST(containers[1].flows[0].record.source == "10.98.0.2");
  containers = {section()};
  ctl::keep_container_peer(containers, kPeer2);
  BOOST_TEST_REQUIRE(containers[0].flows.size() == 1U);
  BOOST_TEST(containers[0].flows[0].record.source == "10.98.0.7");
  containers = {section()};
  ctl::keep_container_peer(containers, "nobody");
  BOOST_TEST(containers[0].flows.empty());
}

BOOST_AUTO_TEST_SUITE_END()
