// The --json documents are described in sluicectl(8) (JSON OUTPUT), which the packages install:
// every key that show, stats, fdb and flows print appears there, quoted. Counter names are not listed
// one by one (stats names them; the daemon's tables are checked by daemon_counter_tables).
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "ctl/fdb.hpp"
#include "ctl/flows.hpp"
#include "ctl/show.hpp"
#include "ctl/stats.hpp"
#include "ctl_test_keys.hpp"
#include "uapi/interface_state.hpp"

using namespace sluice;
using namespace sluice::test;
using namespace std::chrono_literals;

namespace {

// The object keys of `json`, at any depth, but not those inside a "counters" object.
void collect_keys(const nlohmann::ordered_json& json, std::set<std::string>& keys) {
  if (json.is_array()) {
    for (const auto& element : json) collect_keys(element, keys);
    return;
  }
  if (!json.is_object()) return;
  for (const auto& [key, value] : json.items()) {
    keys.insert(key);
    if (key != "counters") collect_keys(value, keys);
  }
}

void check_documented(const nlohmann::ordered_json& document) {
  std::ifstream in(SLUICE_MAN_DIR "/sluicectl.8");
  BOOST_TEST_REQUIRE(in.good());
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> keys;
  collect_keys(document, keys);
  BOOST_TEST(keys.size() > 3U);
  for (const std::string& key : keys) {
    BOOST_TEST(page.find('"' + key + '"') != std::string::npos, key << " is not in sluicectl(8)");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_json_docs)

BOOST_AUTO_TEST_CASE(show_keys_are_documented) {
  const uapi::InterfaceState state = uapi::parse_get_answer(
      "private_key=" + hex(kPrivate) + "\nlisten_port=51820\npublic_key=" + hex(kPeer1) +
      "\npreshared_key=" + hex(kPreshared) +
      "\nendpoint=192.0.2.7:51820\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=0\n"
      "tx_bytes=1\nrx_bytes=2\npersistent_keepalive_interval=25\nallowed_ip=10.10.0.2/32\n");
  check_documented(ctl::show_document(
      nlohmann::ordered_json::array({ctl::interface_json("wg0", state, ctl::WallClock::time_point{1'700'000'075s})})));
}

BOOST_AUTO_TEST_CASE(stats_keys_are_documented) {
  const ctl::InterfaceStats stats = ctl::parse_stats_answer("bad_mac1=0\npublic_key=" + hex(kPeer1) +
                                                            "\nlast_handshake_time_sec=1700000000\nrx_bytes=3\n");
  check_documented(ctl::show_document(nlohmann::ordered_json::array({ctl::stats_json("wg0", stats)})));
}

BOOST_AUTO_TEST_CASE(fdb_keys_are_documented) {
  const auto segments = ctl::parse_fdb_answer(
      "vni=100\ntap=sl100\nbridge=br100\nlocal=10.0.0.1\nmtu=1370\naging=300\n"
      "tx_frames=5\npeer=" +
      hex(kPeer1) + "\npeer_address=10.0.0.2\nmac=52:54:00:00:00:02\npublic_key=" + hex(kPeer1) +
      "\nstatic=0\nage=12\n");
  check_documented(ctl::show_document(nlohmann::ordered_json::array({ctl::fdb_json("wg0", segments)})));
}

BOOST_AUTO_TEST_CASE(flows_keys_are_documented) {
  const auto flows = ctl::parse_flows_answer(
      "flows=1\nmax_flows=16384\nevictions=0\nflow=inbound\npublic_key=" + hex(kPeer1) +
      "\npeer_name=laptop-17\nprotocol=6\nsource=10.0.0.2\nsource_port=40000\ndestination=10.0.0.1\n"
      "destination_port=22\nverdict=allow\nrule=ssh\npackets_in=1\nbytes_in=60\npackets_out=1\nbytes_out=60\n"
      "first_seen=1700000000000\nlast_seen=1700000000000\nrule_counter=ssh\nrule_action=allow\nrule_flows=1\n"
      "rule_packets=2\nrule_bytes=120\n");
  BOOST_TEST_REQUIRE(flows.records.size() == 1U);
  BOOST_TEST(flows.records[0].peer_name == "laptop-17");
  BOOST_TEST(
      ctl::flow_line(flows.records[0]).find("laptop-17 10.0.0.2:40000 -> 10.0.0.1:22 tcp inbound FORWARDED (ssh)") !=
      std::string::npos);
  check_documented(ctl::show_document(nlohmann::ordered_json::array({ctl::flows_json("wg0", flows)})));
}

BOOST_AUTO_TEST_SUITE_END()
