// sluicectl stats: reading a stats=1 answer, the table and the JSON document.
#include <boost/test/unit_test.hpp>

#include <string>

#include "crypto/key_encoding.hpp"
#include "ctl/show.hpp"
#include "ctl/stats.hpp"
#include "uapi/error.hpp"

using namespace sluice;

namespace {

const std::string kHex(64, 'a');

std::string answer() {
  return "invalid_message=0\nbad_mac1=7\npublic_key=" + kHex +
         "\nlast_handshake_time_sec=1700000000\nrx_bytes=1536\ndropped_replay=2\nfuture_counter=9\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_stats)

BOOST_AUTO_TEST_CASE(parses_interface_and_peer_counters) {
  const ctl::InterfaceStats stats = ctl::parse_stats_answer(answer());
  BOOST_REQUIRE_EQUAL(stats.counters.size(), 2U);
  BOOST_TEST(stats.counters[1].first == "bad_mac1");
  BOOST_TEST(stats.counters[1].second == 7U);
  BOOST_REQUIRE_EQUAL(stats.peers.size(), 1U);
  BOOST_TEST(crypto::encode_hex_key(stats.peers[0].public_key.span()) == kHex);
  BOOST_TEST(stats.peers[0].latest_handshake.value_or(0) == 1700000000);
  // Unknown names are kept, so a newer daemon's counters show.
  BOOST_REQUIRE_EQUAL(stats.peers[0].counters.size(), 3U);
  BOOST_TEST(stats.peers[0].counters[2].first == "future_counter");
}

BOOST_AUTO_TEST_CASE(refuses_malformed_lines) {
  BOOST_CHECK_THROW(static_cast<void>(ctl::parse_stats_answer("rx_bytes=abc\n")), uapi::ControlError);
  BOOST_CHECK_THROW(static_cast<void>(ctl::parse_stats_answer("rx_bytes\n")), uapi::ControlError);
  BOOST_CHECK_THROW(static_cast<void>(ctl::parse_stats_answer("public_key=zz\n")), uapi::ControlError);
}

BOOST_AUTO_TEST_CASE(table_and_json) {
  const ctl::InterfaceStats stats = ctl::parse_stats_answer(answer());
  const std::string base64 = crypto::encode_base64_key(stats.peers[0].public_key.span());
  const std::string text = ctl::stats_text("wg0", stats, ctl::WallClock::time_point(std::chrono::seconds(1700000075)));
  BOOST_TEST(text.starts_with("interface: wg0\n  invalid_message  0\n  bad_mac1         7\npeer: " + base64 + "\n"));
  // As `show` says it; JSON keeps Unix time.
  BOOST_TEST(text.find("  latest handshake: 1 minute, 15 seconds ago\n") != std::string::npos, text);
  const std::string fresh_text =
      ctl::stats_text("wg0", ctl::parse_stats_answer("public_key=" + kHex + "\nlast_handshake_time_sec=0\n"), {});
  BOOST_TEST(fresh_text.find("  latest handshake: none\n") != std::string::npos, fresh_text);
  BOOST_TEST(text.find("  rx_bytes        1536\n") != std::string::npos);

  const auto document = ctl::show_document(nlohmann::ordered_json::array({ctl::stats_json("wg0", stats)}));
  BOOST_TEST(document["schema_version"] == 1);
  const auto& interface = document["interfaces"][0];
  BOOST_TEST(interface["name"] == "wg0");
  BOOST_TEST(interface["counters"]["bad_mac1"] == 7);
  BOOST_TEST(interface["peers"][0]["public_key"] == base64);
  BOOST_TEST(interface["peers"][0]["latest_handshake"] == 1700000000);
  BOOST_TEST(interface["peers"][0]["counters"]["dropped_replay"] == 2);
  // No handshake yet: null, as in show --json.
  const auto fresh =
      ctl::stats_json("wg0", ctl::parse_stats_answer("public_key=" + kHex + "\nlast_handshake_time_sec=0\n"));
  BOOST_TEST(fresh["peers"][0]["latest_handshake"].is_null());
}

BOOST_AUTO_TEST_SUITE_END()
