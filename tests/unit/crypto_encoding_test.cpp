#include <boost/test/unit_test.hpp>

#include <cctype>
#include <string>

#include "crypto/key_encoding.hpp"
#include "crypto/memory.hpp"
#include "crypto/random.hpp"
#include "crypto_test_hex.hpp"

using namespace sluice::crypto;
using sluice::crypto::test::hex;
using sluice::crypto::test::unhex_array;

namespace {

using Key = std::array<std::uint8_t, 32>;

// RFC 7748 section 6.1, Alice's public key, in both text forms (base64 from Python's base64 module).
const auto kAlice = unhex_array<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
const std::string kAliceBase64 = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
const std::string kAliceHex = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

// Decoding must fail with exactly this message, must zero `out`, and must not echo the input.
template <typename Decode>
void expect_error(Decode decode, const std::string& text, const std::string& message) {
  Key out;
  out.fill(0xaa);
  try {
    decode(text, out);
    BOOST_ERROR("accepted malformed key \"" << text << "\"");
  } catch (const KeyFormatError& e) {
    BOOST_TEST(e.what() == message);
  }
  BOOST_TEST(is_zero_ct(out), "output not wiped for \"" << text << "\"");
}

void expect_base64_error(const std::string& text, const std::string& message) {
  expect_error(decode_base64_key, text, message);
}

void expect_hex_error(const std::string& text, const std::string& message) {
  expect_error(decode_hex_key, text, message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_encoding)

BOOST_AUTO_TEST_CASE(base64_known_values) {
  BOOST_TEST(encode_base64_key(kAlice) == kAliceBase64);
  Key decoded{};
  decode_base64_key(kAliceBase64, decoded);
  BOOST_TEST(decoded == kAlice);

  Key zero{};
  BOOST_TEST(encode_base64_key(zero) == std::string(43, 'A') + "=");
  Key ones;
  ones.fill(0xff);
  BOOST_TEST(encode_base64_key(ones) == std::string(42, '/') + "8=");
  decode_base64_key(std::string(42, '/') + "8=", decoded);
  BOOST_TEST(decoded == ones);
}

BOOST_AUTO_TEST_CASE(base64_round_trips) {
  for (int i = 0; i < 100; ++i) {
    Key key;
    random_bytes(key);
    Key decoded{};
    decode_base64_key(encode_base64_key(key), decoded);
    BOOST_TEST(decoded == key);
  }
}

BOOST_AUTO_TEST_CASE(base64_rejects_malformed_keys) {
  expect_base64_error(kAliceBase64.substr(0, 43), "key must be 44 base64 characters, got 43");
  expect_base64_error(kAliceBase64 + "=", "key must be 44 base64 characters, got 45");
  expect_base64_error("", "key must be 44 base64 characters, got 0");
  expect_base64_error(kAliceBase64 + "\n", "key must be 44 base64 characters, got 45");

  std::string bad = kAliceBase64;
  bad[6] = '%';
  expect_base64_error(bad, "key contains invalid base64 character '%' at position 7");
  bad = kAliceBase64;
  bad[0] = '-';  // URL-safe alphabet is not accepted
  expect_base64_error(bad, "key contains invalid base64 character '-' at position 1");
  bad = kAliceBase64;
  bad[20] = '\n';
  expect_base64_error(bad, "key contains invalid base64 character 0x0a at position 21");
  bad = kAliceBase64;
  bad[42] = '=';  // "==" padding belongs to 31-byte input
  expect_base64_error(bad, "key contains invalid base64 character '=' at position 43");

  expect_base64_error(std::string(44, 'A'), "key must end with one '=' padding character");
  // "...B=" sets one of the two bits past the 256th: same bytes as "...A=", but not canonical.
  expect_base64_error(std::string(42, 'A') + "B=", "key is not canonical base64");
  expect_base64_error(std::string(42, '/') + "/=", "key is not canonical base64");
}

BOOST_AUTO_TEST_CASE(hex_known_values_and_case) {
  BOOST_TEST(encode_hex_key(kAlice) == kAliceHex);
  Key decoded{};
  decode_hex_key(kAliceHex, decoded);
  BOOST_TEST(decoded == kAlice);

  std::string upper = kAliceHex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  decoded = {};
  decode_hex_key(upper, decoded);
  BOOST_TEST(decoded == kAlice);
  BOOST_TEST(encode_hex_key(decoded) == kAliceHex);
}

BOOST_AUTO_TEST_CASE(hex_round_trips) {
  for (int i = 0; i < 100; ++i) {
    Key key;
    random_bytes(key);
    Key decoded{};
    decode_hex_key(encode_hex_key(key), decoded);
    BOOST_TEST(decoded == key);
  }
}

BOOST_AUTO_TEST_CASE(hex_rejects_malformed_keys) {
  expect_hex_error(kAliceHex.substr(1), "key must be 64 hex digits, got 63");
  expect_hex_error(kAliceHex + "0", "key must be 64 hex digits, got 65");
  expect_hex_error("0x" + kAliceHex.substr(2), "key contains invalid hex character 'x' at position 2");
  std::string bad = kAliceHex;
  bad[63] = 'g';
  expect_hex_error(bad, "key contains invalid hex character 'g' at position 64");
  bad = kAliceHex;
  bad[10] = ' ';
  expect_hex_error(bad, "key contains invalid hex character ' ' at position 11");
}

BOOST_AUTO_TEST_CASE(key_like_text_is_not_quoted) {
  const std::string base64 = "YAnz0+8RNJp8Cf/RWRVCkEDLTPfVDN4/5xQUEFAPGUM=";
  const std::string hex(64, 'a');
  BOOST_TEST(may_hold_key(base64));
  BOOST_TEST(may_hold_key(hex));
  BOOST_TEST(may_hold_key("[" + base64 + "]:51820"));
  BOOST_TEST(!may_hold_key("vpn.example.com:51820"));
  BOOST_TEST(!may_hold_key("[2001:db8:1234:5678:9abc:def0:1234:5678]:51820"));
  BOOST_TEST(!may_hold_key("10.0.0.0/8"));
  BOOST_TEST(quote_unless_key("10.0.0.0/33") == "'10.0.0.0/33'");
  BOOST_TEST(quote_unless_key(base64).find("YAnz") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
