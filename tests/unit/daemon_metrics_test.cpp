// The metrics page: exposition text after real traffic, the HTTP answers, and the config key.
#include <boost/test/unit_test.hpp>

#include <string>

#include "config/config_file.hpp"
#include "crypto/key_encoding.hpp"
#include "daemon/metrics_server.hpp"
#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;

BOOST_AUTO_TEST_SUITE(daemon_metrics)

BOOST_AUTO_TEST_CASE(exposition_text_has_families_and_peer_labels) {
  test::TunnelPair pair;
  pair.a.send_packet(pair.packet_a_to_b(), pair.now, pair.sa);
  pair.pump();
  const std::string text = daemon::render_metrics("wg0", pair.a);
  const std::string peer = crypto::encode_base64_key(pair.a_to_b->public_key().span()).substr(0, 8);
  BOOST_TEST(text.find("# TYPE sluice_peer_tx_packets_total counter\n") != std::string::npos);
  BOOST_TEST(text.find("sluice_peer_tx_packets_total{interface=\"wg0\",peer=\"" + peer + "\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(text.find("# TYPE sluice_interface_bad_mac1_total counter\n") != std::string::npos);
  BOOST_TEST(text.find("sluice_interface_bad_mac1_total{interface=\"wg0\"} 0\n") != std::string::npos);
  BOOST_TEST(text.find("# TYPE sluice_peer_last_handshake_seconds gauge\n") != std::string::npos);
  // Every sample's family was declared before it.
  std::string declared;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("# TYPE ")) {
      declared = line.substr(7, line.find(' ', 7) - 7);
    } else if (!line.starts_with("# HELP ")) {
      BOOST_TEST(line.starts_with(declared + "{"), line);
    }
  }
}

BOOST_AUTO_TEST_CASE(http_answers) {
  const auto render = [] { return std::string("x 1\n"); };
  const std::string ok = daemon::metrics_http_answer("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", render);
  BOOST_TEST(ok.starts_with("HTTP/1.0 200 OK\r\n"));
  BOOST_TEST(ok.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  BOOST_TEST(ok.find("Content-Length: 4\r\n") != std::string::npos);
  BOOST_TEST(ok.ends_with("\r\n\r\nx 1\n"));
  BOOST_TEST(daemon::metrics_http_answer("GET / HTTP/1.0\r\n\r\n", render).starts_with("HTTP/1.0 404"));
  BOOST_TEST(daemon::metrics_http_answer("POST /metrics HTTP/1.0\r\n\r\n", render).starts_with("HTTP/1.0 405"));
  BOOST_TEST(daemon::metrics_http_answer("hello\n\n", render).starts_with("HTTP/1.0 400"));
}

BOOST_AUTO_TEST_CASE(config_key) {
  const std::string base = "[interface]\nprivate_key = \"" + std::string(43, 'A') + "=\"\n";
  const auto settings = config::parse_config(base + "metrics_listen = \"127.0.0.1:9586\"\n", "test.toml");
  BOOST_REQUIRE(settings.metrics_listen);
  BOOST_TEST(settings.metrics_listen->to_string() == "127.0.0.1:9586");
  BOOST_TEST(!config::parse_config(base, "test.toml").metrics_listen);
  BOOST_CHECK_THROW(static_cast<void>(config::parse_config(base + "metrics_listen = \"nonsense\"\n", "test.toml")),
                    config::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
