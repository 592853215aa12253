// `sluicectl set` takes the words of `wg set`; each must mean what it means there.
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "ctl/set_arguments.hpp"
#include "uapi/error.hpp"
#include "uapi/set_request.hpp"

using namespace sluice;

namespace {

const std::string kPrivate = "b1wZnbaNAvsixbGvcxuzbnJs7N3o2Ul/UnPNt2Llc0A=";
const std::string kPeer1 = "6x9Z45ChX02oTwbWEwPJOGX7cE5tF4HD4pJgAjKrrBI=";
const std::string kPeer2 = "pFnToKtrSqECNU+hmdNbvxM/yAsIlBzf/B5vhMtVZRQ=";
const std::string kPreshared = "lnxAY9P5fW7UF4CjEhuvZGi5mHygMYIlMzLRsmcZijs=";

// Key files by name, without touching the disk; "/dev/null" is empty, as on a real system.
void fake_key_file(const std::string& path, std::span<std::uint8_t, 32> key) {
  static const std::map<std::string, std::string> kFiles{{"/keys/private", kPrivate}, {"/keys/psk", kPreshared}};
  if (path == "/dev/null") {
    std::fill(key.begin(), key.end(), std::uint8_t{0});
    return;
  }
  const auto it = kFiles.find(path);
  if (it == kFiles.end()) throw uapi::ControlError(path + ": cannot read key file: No such file or directory");
  crypto::decode_base64_key(it->second, key);
}

uapi::SetRequest parse(const std::vector<std::string>& words) { return ctl::parse_set_arguments(words, fake_key_file); }

std::string error_of(const std::vector<std::string>& words) {
  try {
    (void)parse(words);
  } catch (const uapi::ControlError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string hex(const std::string& base64) {
  std::array<std::uint8_t, 32> key{};
  crypto::decode_base64_key(base64, key);
  return crypto::encode_hex_key(key);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_set_arguments)

BOOST_AUTO_TEST_CASE(interface_words) {
  const uapi::SetRequest request = parse({"listen-port", "51820", "fwmark", "0x1234", "private-key", "/keys/private"});
  BOOST_TEST(request.listen_port.value_or(0) == 51820);
  BOOST_TEST(request.fwmark.value_or(0) == 0x1234u);
  BOOST_TEST_REQUIRE(request.private_key.has_value());
  BOOST_TEST(crypto::encode_base64_key(request.private_key->span()) == kPrivate);
  BOOST_TEST(!request.replace_peers);
  BOOST_TEST(request.peers.empty());

  BOOST_TEST(parse({"fwmark", "off"}).fwmark.value_or(1) == 0u);
  BOOST_TEST(parse({"fwmark", "42"}).fwmark.value_or(0) == 42u);
  // An empty key file removes the key, as with wg.
  const uapi::SetRequest removal = parse({"private-key", "/dev/null"});
  BOOST_TEST((removal.private_key && removal.private_key->is_zero()));
}

BOOST_AUTO_TEST_CASE(peer_words_become_the_request_wg_would_send) {
  const uapi::SetRequest request =
      parse({"listen-port", "51820", "peer", kPeer1, "preshared-key", "/keys/psk", "endpoint", "[2001:db8::1]:51820",
             "persistent-keepalive", "25", "allowed-ips", "10.0.0.1/24, fd00::/64", "peer", kPeer2, "remove"});
  const std::string expected = "set=1\nlisten_port=51820\npublic_key=" + hex(kPeer1) +
                               "\npreshared_key=" + hex(kPreshared) +
                               "\nendpoint=[2001:db8::1]:51820\npersistent_keepalive_interval=25\n"
                               "replace_allowed_ips=true\nallowed_ip=10.0.0.0/24\nallowed_ip=fd00::/64\n"
                               "public_key=" +
                               hex(kPeer2) + "\nremove=true\n\n";
  BOOST_TEST(uapi::set_request_text(request).str() == expected);
}

BOOST_AUTO_TEST_CASE(special_values) {
  const uapi::SetRequest request =
      parse({"peer", kPeer1, "persistent-keepalive", "off", "allowed-ips", "", "preshared-key", "/dev/null"});
  BOOST_TEST_REQUIRE(request.peers.size() == 1u);
  const uapi::PeerChange& peer = request.peers[0];
  BOOST_TEST(peer.persistent_keepalive.value_or(1) == 0);
  // An empty list still replaces: it removes every allowed IP of the peer.
  BOOST_TEST(peer.replace_allowed_ips);
  BOOST_TEST(peer.allowed_ips.empty());
  BOOST_TEST((peer.preshared_key && peer.preshared_key->is_zero()));
  // Words not given are left alone.
  BOOST_TEST(!parse({"peer", kPeer1}).peers[0].endpoint.has_value());
  BOOST_TEST(!parse({"peer", kPeer1}).peers[0].replace_allowed_ips);
}

BOOST_AUTO_TEST_CASE(mistakes_are_named) {
  BOOST_TEST(error_of({}) == "nothing to set (see sluicectl set --help)");
  BOOST_TEST(error_of({"listen-port"}) == "listen-port needs a value");
  BOOST_TEST(error_of({"listen-port", "65536"}) == "listen-port: '65536' is not a number from 0 to 65535");
  BOOST_TEST(error_of({"listen-port", "80x"}) == "listen-port: '80x' is not a number from 0 to 65535");
  BOOST_TEST(error_of({"fwmark", "0xzz"}) == "fwmark: 'zz' is not a number from 0 to 4294967295");
  BOOST_TEST(error_of({"listen-prot", "1"}) ==
             "unexpected 'listen-prot' (expected listen-port, fwmark, private-key or peer)");
  BOOST_TEST(error_of({"peer", kPeer1, "listen-port", "1"}).starts_with("unexpected 'listen-port' after a peer"));
  BOOST_TEST(error_of({"remove"}).starts_with("unexpected 'remove' (expected"));
  BOOST_TEST(error_of({"peer", kPeer1.substr(1)}) ==
             "peer: not a public key: key must be 44 base64 characters, got 43");
  BOOST_TEST(error_of({"peer", kPeer1, "allowed-ips", "10.0.0.0/33"}).starts_with("allowed-ips: "));
  BOOST_TEST(error_of({"peer", kPeer1, "endpoint", "192.0.2.1"}).starts_with("endpoint: "));
  BOOST_TEST(error_of({"peer", kPeer1, "persistent-keepalive", "-1"}) ==
             "persistent-keepalive: '-1' is not a number from 0 to 65535");
  BOOST_TEST(error_of({"private-key", "/keys/missing"}) ==
             "/keys/missing: cannot read key file: No such file or directory");
}

BOOST_AUTO_TEST_SUITE_END()
