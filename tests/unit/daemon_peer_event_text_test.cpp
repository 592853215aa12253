// The debug log's lines for the core's handshake events: a peer by the ends of its public key only.
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "crypto/key_encoding.hpp"
#include "daemon/peer_event_text.hpp"
#include "tests/common/tunnel_test_support.hpp"

using namespace sluice;
using Kind = tunnel::PeerEventKind;

BOOST_AUTO_TEST_SUITE(daemon_peer_event_text)

BOOST_AUTO_TEST_CASE(names_the_peer_by_the_ends_of_its_public_key) {
  test::TunnelPair t;
  const std::string key = crypto::encode_base64_key(t.a_to_b->public_key().span());
  const tunnel::Endpoint to = test::endpoint(2, 51821);
  const std::string text = daemon::peer_event_text({Kind::initiation_sent, t.a_to_b, &to, 3});
  BOOST_CHECK_EQUAL(text, "peer(" + key.substr(0, 4) + "…" + key.substr(39, 4) +
                              "): handshake initiation sent to 10.200.0.2:51821 (attempt 3)");
  BOOST_CHECK(text.find(key.substr(4, 8)) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_kind_has_its_own_line) {
  test::TunnelPair t;
  const tunnel::Endpoint from = test::endpoint(1, 51820);
  std::set<std::string> lines;
  for (int k = 0; k <= static_cast<int>(Kind::key_material_zeroed); ++k) {
    const auto kind = static_cast<Kind>(k);
    const tunnel::Peer* peer = kind == Kind::cookie_reply_sent ? nullptr : t.a_to_b;
    const std::string text = daemon::peer_event_text({kind, peer, &from, 20});
    BOOST_CHECK(text.find("unknown event") == std::string::npos);
    lines.insert(text);
  }
  BOOST_CHECK_EQUAL(lines.size(), static_cast<std::size_t>(Kind::key_material_zeroed) + 1);
}

BOOST_AUTO_TEST_SUITE_END()
