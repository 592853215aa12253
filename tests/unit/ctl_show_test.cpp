// What `sluicectl show` prints: the text a person reads and the JSON schema scripts rely on
// (README.md documents it; a change here is a change of the documented schema).
#include <boost/test/unit_test.hpp>
#include <string>

#include "crypto/key_encoding.hpp"
#include "ctl/show.hpp"
#include "ctl/show_dump.hpp"
#include "ctl_test_keys.hpp"
#include "uapi/interface_state.hpp"

using namespace sluice;
using namespace sluice::test;
using namespace std::chrono_literals;

namespace {

// The moment the tests look at the interface: 75 s after peer 2's handshake.
const ctl::WallClock::time_point kNow{1'700'000'075s};

uapi::InterfaceState sample() {
  return uapi::parse_get_answer(
      "private_key=" + hex(kPrivate) + "\nlisten_port=51820\nfwmark=255\n" +  //
      "public_key=" + hex(kPeer1) + "\npreshared_key=" + std::string(64, '0') +
      "\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
      "persistent_keepalive_interval=0\n" +
      "public_key=" + hex(kPeer2) + "\npreshared_key=" + hex(kPreshared) +
      "\nendpoint=192.0.2.7:51820\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\n"
      "tx_bytes=3000000\nrx_bytes=1536\npersistent_keepalive_interval=25\nallowed_ip=10.10.0.2/32\n"
      "allowed_ip=192.168.20.0/24\n");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_show)

BOOST_AUTO_TEST_CASE(json_schema) {
  const nlohmann::ordered_json document =
      ctl::show_document(nlohmann::ordered_json::array({ctl::interface_json("wg0", sample(), kNow)}));
  const std::string own_public = crypto::encode_base64_key(sample().public_key.value().span());
  const std::string expected = R"({"schema_version":1,"interfaces":[{"name":"wg0","public_key":")" + own_public +
                               R"(","listen_port":51820,"fwmark":255,"peers":[)" + R"({"public_key":")" + kPeer1 +
                               R"(","preshared_key":false,"endpoint":null,"endpoint_names":[],"endpoint_in_use":null,)"
                               R"("allowed_ips":[],"latest_handshake":null,)"
                               R"("latest_handshake_age":null,"rx_bytes":0,"tx_bytes":0,"persistent_keepalive":0},)" +
                               R"({"public_key":")" + kPeer2 +
                               R"(","preshared_key":true,"endpoint":"192.0.2.7:51820","endpoint_names":[],)"
                               R"("endpoint_in_use":null,)"
                               R"("allowed_ips":["10.10.0.2/32","192.168.20.0/24"],"latest_handshake":1700000000,)"
                               R"("latest_handshake_age":75,"rx_bytes":1536,"tx_bytes":3000000,)"
                               R"("persistent_keepalive":25}]}]})";
  BOOST_TEST(document.dump() == expected);
}

BOOST_AUTO_TEST_CASE(json_never_holds_secret_keys) {
  const std::string text =
      ctl::show_document(nlohmann::ordered_json::array({ctl::interface_json("wg0", sample(), kNow)})).dump();
  BOOST_TEST(text.find(kPrivate) == std::string::npos);
  BOOST_TEST(text.find(kPreshared) == std::string::npos);
  BOOST_TEST(ctl::show_document(nlohmann::ordered_json::array()).dump() == R"({"schema_version":1,"interfaces":[]})");
  // An interface without a key has no public key either.
  BOOST_TEST(ctl::interface_json("wg1", uapi::InterfaceState{}, kNow).dump() ==
             R"({"name":"wg1","public_key":null,"listen_port":0,"fwmark":0,"peers":[]})");
}

BOOST_AUTO_TEST_CASE(text_like_wg_show) {
  const std::string text = ctl::show_text("wg0", sample(), false, kNow);
  // Peers with the latest handshake come first, as in `wg show`.
  const std::string expected_tail =
      "  listening port: 51820\n  fwmark: 0xff\n\n"
      "peer: " +
      kPeer2 +
      "\n"
      "  preshared key: (hidden)\n"
      "  endpoint: 192.0.2.7:51820\n"
      "  allowed ips: 10.10.0.2/32, 192.168.20.0/24\n"
      "  latest handshake: 1 minute, 15 seconds ago\n"
      "  transfer: 1.50 KiB received, 2.86 MiB sent\n"
      "  persistent keepalive: every 25 seconds\n\n"
      "peer: " +
      kPeer1 +
      "\n"
      "  allowed ips: (none)\n";
  BOOST_TEST(text.starts_with("interface: wg0\n  public key: "), text);
  BOOST_TEST(text.find("  private key: (hidden)\n") != std::string::npos, text);
  BOOST_TEST(text.ends_with(expected_tail), text);
  BOOST_TEST(text.find('\x1b') == std::string::npos);
  BOOST_TEST(text.find(kPrivate) == std::string::npos);
  BOOST_TEST(text.find(kPreshared) == std::string::npos);

  const std::string colored = ctl::show_text("wg0", sample(), true, kNow);
  BOOST_TEST(colored.find("\x1b[1m\x1b[32minterface\x1b[0m: \x1b[32mwg0\x1b[0m\n") == 0u, colored);
}

BOOST_AUTO_TEST_CASE(dump_like_wg_show_dump) {
  // The fields and their order of wireguard-tools' dump_print(); peers in the daemon's order.
  const std::string own_public = crypto::encode_base64_key(sample().public_key.value().span());
  const std::string lines = kPrivate + "\t" + own_public + "\t51820\t0xff\n" +     //
                            kPeer1 + "\t(none)\t(none)\t(none)\t0\t0\t0\toff\n" +  //
                            kPeer2 + "\t" + kPreshared +
                            "\t192.0.2.7:51820\t10.10.0.2/32,192.168.20.0/24\t1700000000\t1536\t3000000\t25\n";
  BOOST_TEST(ctl::dump_text("wg0", sample(), false).str() == lines);
  // `wg show all dump`: the interface's name first on every line.
  std::string all;
  for (std::string_view rest = lines; !rest.empty();) {
    const std::size_t end = rest.find('\n') + 1;
    all.append("wg0\t").append(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  BOOST_TEST(ctl::dump_text("wg0", sample(), true).str() == all);
  // No key, no port, no mark, no peers.
  BOOST_TEST(ctl::dump_text("wg1", uapi::InterfaceState{}, false).str() == "(none)\t(none)\t0\toff\n");
}

BOOST_AUTO_TEST_CASE(durations_and_sizes) {
  BOOST_TEST(ctl::format_duration(0s) == "0 seconds");
  BOOST_TEST(ctl::format_duration(1s) == "1 second");
  BOOST_TEST(ctl::format_duration(3601s) == "1 hour, 1 second");
  BOOST_TEST(ctl::format_duration(std::chrono::seconds(2 * 86400 + 120)) == "2 days, 2 minutes");
  BOOST_TEST(ctl::format_bytes(0) == "0 B");
  BOOST_TEST(ctl::format_bytes(1023) == "1023 B");
  BOOST_TEST(ctl::format_bytes(1024) == "1.00 KiB");
  BOOST_TEST(ctl::format_bytes(5ULL << 40) == "5.00 TiB");
}

BOOST_AUTO_TEST_CASE(status_line_counts_live_sessions) {
  BOOST_TEST(ctl::status_line("wg0", sample(), kNow) ==
             "wg0: up, UDP port 51820, 2 peers (1 with a live session), 1.50 KiB received, 2.86 MiB sent");
  // REJECT_AFTER_TIME (180 s) after the handshake the session is gone.
  BOOST_TEST(ctl::status_line("wg0", sample(), kNow + 106s).find("(0 with a live session)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
