// sluicectl fdb: reading an fdb=1 answer and printing it.
#include <boost/test/unit_test.hpp>
#include <string>

#include "ctl/fdb.hpp"
#include "uapi/error.hpp"

using namespace sluice;

namespace {

const std::string kHex1(64, '1');
const std::string kHex2(64, '2');

std::string answer() {
  return "vni=100\ntap=sl100\nbridge=br100\nlocal=10.0.0.1\nmtu=1370\naging=300\ntx_frames=5\noversize=1\n"
         "peer=" +
         kHex1 + "\npeer_address=10.0.0.2\npeer=" + kHex2 +
         "\npeer_address=10.0.0.3\n"
         "mac=52:54:00:00:00:02\npublic_key=" +
         kHex1 +
         "\nstatic=0\nage=12\n"
         "mac=52:54:00:00:00:03\npublic_key=" +
         kHex2 +
         "\nstatic=1\n"
         "vni=200\ntap=sl200\nlocal=10.0.0.1\nmtu=1370\naging=60\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_fdb)

BOOST_AUTO_TEST_CASE(parses_segments_members_and_entries) {
  const auto segments = ctl::parse_fdb_answer(answer());
  BOOST_TEST_REQUIRE(segments.size() == 2u);
  const auto& s = segments[0];
  BOOST_TEST(s.vni == 100u);
  BOOST_TEST(s.bridge.value_or("") == "br100");
  BOOST_TEST(s.mtu == 1370u);
  BOOST_TEST_REQUIRE(s.counters.size() == 2u);
  BOOST_TEST(s.counters[1].first == "oversize");
  BOOST_TEST(s.counters[1].second == 1u);
  BOOST_TEST_REQUIRE(s.members.size() == 2u);
  BOOST_TEST(s.members[1].address == "10.0.0.3");
  BOOST_TEST_REQUIRE(s.entries.size() == 2u);
  BOOST_TEST(!s.entries[0].is_static);
  BOOST_TEST(s.entries[0].age.value_or(0) == 12u);
  BOOST_TEST(s.entries[1].is_static);
  BOOST_TEST(!segments[1].bridge.has_value());

  const std::string text = ctl::fdb_text("wg0", segments);
  BOOST_TEST(text.find("segment: vni 100, tap sl100 on bridge br100, local 10.0.0.1, mtu 1370") != std::string::npos,
             text);
  BOOST_TEST(text.find("52:54:00:00:00:02  ") != std::string::npos, text);
  BOOST_TEST(text.find("learned, 12 s ago") != std::string::npos, text);
  const auto json = ctl::fdb_json("wg0", segments);
  BOOST_TEST(json["segments"][0]["fdb"][1]["static"].get<bool>());
  BOOST_TEST(json["segments"][0]["counters"]["tx_frames"].get<int>() == 5);
  BOOST_TEST(json["segments"][1]["bridge"].is_null());
}

BOOST_AUTO_TEST_CASE(open_vswitch_segments) {
  const auto segments = ctl::parse_fdb_answer(
      "vni=300\ntap=sl300\novs_bridge=br-int\novs_vlan=30\novs_db=unix:/x/db.sock\nlocal=10.0.0.1\nmtu=1370\n"
      "aging=300\ntx_frames=0\n");
  BOOST_TEST_REQUIRE(segments.size() == 1u);
  BOOST_TEST(segments[0].ovs_bridge.value_or("") == "br-int");
  BOOST_TEST(segments[0].ovs_vlan.value_or(0) == 30u);
  BOOST_TEST(segments[0].ovs_db.value_or("") == "unix:/x/db.sock");
  const std::string text = ctl::fdb_text("wg0", segments);
  BOOST_TEST(text.find("tap sl300 on Open vSwitch bridge br-int VLAN 30, local") != std::string::npos, text);
  const auto json = ctl::fdb_json("wg0", segments);
  BOOST_TEST(json["segments"][0]["bridge"].is_null());
  BOOST_TEST(json["segments"][0]["ovs_bridge"].get<std::string>() == "br-int");
  BOOST_TEST(json["segments"][0]["ovs_vlan"].get<int>() == 30);
  BOOST_TEST(json["segments"][0]["ovs_db"].get<std::string>() == "unix:/x/db.sock");
}

BOOST_AUTO_TEST_CASE(refuses_what_it_cannot_read) {
  BOOST_CHECK_THROW((void)ctl::parse_fdb_answer("tap=sl100\n"), uapi::ControlError);
  BOOST_CHECK_THROW((void)ctl::parse_fdb_answer("vni=x\n"), uapi::ControlError);
  BOOST_CHECK_THROW((void)ctl::parse_fdb_answer("vni=1\npeer=zz\n"), uapi::ControlError);
  BOOST_CHECK_THROW((void)ctl::parse_fdb_answer("vni=1\nnoequals\n"), uapi::ControlError);
  BOOST_TEST(ctl::parse_fdb_answer("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
