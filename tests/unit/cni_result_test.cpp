// ADD's result per cniVersion, prevResult parsing, and chaining onto an earlier plugin's result.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cni/cni_error.hpp"
#include "cni/host_names.hpp"
#include "cni/result.hpp"
#include "mesh_test_print.hpp"

namespace {

using nlohmann::json;
using sluice::cni::CniError;
using sluice::cni::ErrorCode;
using sluice::cni::Result;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpPrefix;

Result ours() {
  Result result;
  result.interfaces = {{"sluice0a1b2c3d", "aa:bb:cc:00:00:01", ""}, {"eth0", "aa:bb:cc:00:00:02", "/run/netns/c1"}};
  result.ips = {{IpPrefix::parse("10.244.3.5/32"), IpAddress::parse("10.244.3.1"), 1},
                {IpPrefix::parse("fd00:244:0:3::5/128"), IpAddress::parse("fd00:244:0:3::1"), 1}};
  result.routes = {{IpPrefix::parse("0.0.0.0/0"), IpAddress::parse("10.244.3.1")},
                   {IpPrefix::parse("::/0"), IpAddress::parse("fd00:244:0:3::1")}};
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cni_result)

BOOST_AUTO_TEST_CASE(result_per_version) {
  const json v1 = sluice::cni::result_json(ours(), "1.0.0");
  BOOST_TEST(v1.dump() == json::parse(R"({
    "cniVersion": "1.0.0",
    "interfaces": [{"name": "sluice0a1b2c3d", "mac": "aa:bb:cc:00:00:01"},
                   {"name": "eth0", "mac": "aa:bb:cc:00:00:02", "sandbox": "/run/netns/c1"}],
    "ips": [{"address": "10.244.3.5/32", "gateway": "10.244.3.1", "interface": 1},
            {"address": "fd00:244:0:3::5/128", "gateway": "fd00:244:0:3::1", "interface": 1}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.244.3.1"}, {"dst": "::/0", "gw": "fd00:244:0:3::1"}],
    "dns": {}})")
                              .dump());
  BOOST_TEST(sluice::cni::result_json(ours(), "1.1.0")["cniVersion"] == "1.1.0");
  const json v04 = sluice::cni::result_json(ours(), "0.4.0");
  BOOST_TEST(v04["cniVersion"] == "0.4.0");
  BOOST_TEST(v04["ips"][0]["version"] == "4");
  BOOST_TEST(v04["ips"][1]["version"] == "6");
  BOOST_TEST(!v1["ips"][0].contains("version"));
}

BOOST_AUTO_TEST_CASE(prev_result_round_trip_and_chaining) {
  for (const std::string version : {"0.4.0", "1.0.0", "1.1.0"}) {
    const Result back = sluice::cni::parse_result(sluice::cni::result_json(ours(), version));
    BOOST_TEST(back.interfaces.size() == 2u);
    BOOST_TEST(back.interfaces[1].sandbox == "/run/netns/c1");
    BOOST_TEST(back.ips[1].address == IpPrefix::parse("fd00:244:0:3::5/128"));
    BOOST_TEST(*back.ips[0].gateway == IpAddress::parse("10.244.3.1"));
    BOOST_TEST(*back.ips[0].interface == 1u);
    BOOST_TEST(back.routes[1].dst == IpPrefix::parse("::/0"));
  }
  // An earlier plugin's result: ours come after it, indexes shifted, its unknown fields kept, its
  // ips converted to the config's version.
  const json earlier = json::parse(R"({"cniVersion": "0.4.0",
    "interfaces": [{"name": "lo0", "sandbox": "/run/netns/c1", "socketPath": "/x"}],
    "ips": [{"version": "4", "address": "192.0.2.1/24", "interface": 0}],
    "routes": [{"dst": "192.0.2.0/24", "mtu": 1300}], "dns": {"nameservers": ["192.0.2.53"]}})");
  const json chained = sluice::cni::append_result(earlier, ours(), "1.0.0");
  BOOST_TEST(chained["cniVersion"] == "1.0.0");
  BOOST_TEST(chained["interfaces"].size() == 3u);
  BOOST_TEST(chained["interfaces"][0]["socketPath"] == "/x");
  BOOST_TEST(!chained["ips"][0].contains("version"));
  BOOST_TEST(chained["ips"][1]["interface"] == 2);
  BOOST_TEST(chained["routes"][0]["mtu"] == 1300);
  BOOST_TEST(chained["routes"].size() == 3u);
  BOOST_TEST(chained["dns"]["nameservers"][0] == "192.0.2.53");
  const json back_to_04 = sluice::cni::append_result(chained, Result{}, "0.4.0");
  BOOST_TEST(back_to_04["ips"][0]["version"] == "4");
  BOOST_TEST(back_to_04["ips"][2]["version"] == "6");
}

BOOST_AUTO_TEST_CASE(bad_prev_results_are_code_7) {
  const char* cases[] = {
      R"([])",
      R"({"interfaces": {}})",
      R"({"interfaces": [{"mac": "x"}]})",
      R"({"ips": [{"address": "10.0.0.300/32"}]})",
      R"({"ips": [{"address": "10.0.0.3/32", "interface": 0}]})",
      R"({"ips": [{"address": "10.0.0.3/32", "gateway": "nope"}]})",
      R"({"routes": [{"gw": "10.0.0.1"}]})",
      R"({"dns": []})",
  };
  for (const char* text : cases) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_CHECK_EXCEPTION((void)sluice::cni::parse_result(json::parse(text)), CniError,
                            [](const CniError& e) { return e.code() == ErrorCode::invalid_config; });
    }
  }
}

BOOST_AUTO_TEST_CASE(host_names) {
  const std::string name = sluice::cni::host_ifname("sluice-net", "c1", "eth0");
  BOOST_TEST(name.size() == 14u);
  BOOST_TEST(name.starts_with("sluice"));
  BOOST_TEST(name.find_first_not_of("0123456789abcdef", 6) == std::string::npos);
  BOOST_TEST(name == sluice::cni::host_ifname("sluice-net", "c1", "eth0"));
  // The separators keep ("ab", "c") and ("a", "bc") apart.
  BOOST_TEST(sluice::cni::host_ifname("n", "ab", "c") != sluice::cni::host_ifname("n", "a", "bc"));
  BOOST_TEST(sluice::cni::host_ifname("n", "c1", "eth0") != sluice::cni::host_ifname("n", "c1", "eth1"));

  const std::string alias = sluice::cni::host_alias("sluice-net", "c1", "eth0");
  BOOST_TEST(alias == "sluice-cni sluice-net c1 eth0");
  const auto parts = sluice::cni::parse_host_alias(alias);
  BOOST_TEST_REQUIRE(parts.has_value());
  BOOST_TEST(parts->network == "sluice-net");
  BOOST_TEST(parts->container_id == "c1");
  BOOST_TEST(parts->ifname == "eth0");
  for (const char* other :
       {"", "sluice-cni", "sluice-cni a b", "sluice-cni a b c d", "other a b c", "sluice-cni  b c"}) {
    BOOST_TEST(!sluice::cni::parse_host_alias(other).has_value(), other);
  }
}

BOOST_AUTO_TEST_SUITE_END()
