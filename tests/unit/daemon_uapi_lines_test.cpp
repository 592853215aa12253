// The userspace protocol's line framing, shared by the daemon's parsers and sluicectl's.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "uapi/lines.hpp"

using sluice::uapi::append_key_line;
using sluice::uapi::append_line;
using sluice::uapi::split_key_value;
using sluice::uapi::take_line;

namespace {

std::vector<std::string> all_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) lines.emplace_back(take_line(text));
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_uapi_lines)

BOOST_AUTO_TEST_CASE(take_line_cuts_at_each_newline) {
  std::string_view text = "a=1\nb=2\n";
  BOOST_CHECK_EQUAL(take_line(text), "a=1");
  BOOST_CHECK_EQUAL(text, "b=2\n");
  BOOST_CHECK_EQUAL(take_line(text), "b=2");
  BOOST_CHECK(text.empty());
  BOOST_CHECK_EQUAL(take_line(text), "");
  BOOST_CHECK(text.empty());
}

BOOST_AUTO_TEST_CASE(take_line_keeps_empty_lines_and_a_last_line_without_newline) {
  BOOST_CHECK((all_lines("a\n\nb") == std::vector<std::string>{"a", "", "b"}));
  BOOST_CHECK((all_lines("\n") == std::vector<std::string>{""}));
  BOOST_CHECK((all_lines("x=y") == std::vector<std::string>{"x=y"}));
}

BOOST_AUTO_TEST_CASE(split_key_value_at_the_first_equals) {
  const auto plain = split_key_value("listen_port=51820");
  BOOST_REQUIRE(plain);
  BOOST_CHECK_EQUAL(plain->key, "listen_port");
  BOOST_CHECK_EQUAL(plain->value, "51820");

  const auto base64ish = split_key_value("k=v==");
  BOOST_REQUIRE(base64ish);
  BOOST_CHECK_EQUAL(base64ish->key, "k");
  BOOST_CHECK_EQUAL(base64ish->value, "v==");

  const auto empty_value = split_key_value("private_key=");
  BOOST_REQUIRE(empty_value);
  BOOST_CHECK_EQUAL(empty_value->key, "private_key");
  BOOST_CHECK(empty_value->value.empty());

  const auto empty_key = split_key_value("=1");
  BOOST_REQUIRE(empty_key);
  BOOST_CHECK(empty_key->key.empty());
  BOOST_CHECK_EQUAL(empty_key->value, "1");
}

BOOST_AUTO_TEST_CASE(split_key_value_refuses_a_line_without_equals) {
  BOOST_CHECK(!split_key_value("get"));
  BOOST_CHECK(!split_key_value(""));
}

BOOST_AUTO_TEST_CASE(append_line_writes_what_take_line_and_split_key_value_read) {
  std::string out;
  append_line(out, "endpoint", std::string_view("[2001:db8::1]:51820"));
  append_line(out, "listen_port", std::uint64_t{51820});
  std::array<std::uint8_t, 32> key{};
  key[0] = 0xab;
  key[31] = 0x01;
  append_key_line(out, "public_key", key);
  BOOST_CHECK_EQUAL(out,
                    "endpoint=[2001:db8::1]:51820\nlisten_port=51820\npublic_key=ab" + std::string(60, '0') + "01\n");
  std::string_view text = out;
  const auto first = split_key_value(take_line(text));
  BOOST_REQUIRE(first);
  BOOST_CHECK_EQUAL(first->value, "[2001:db8::1]:51820");
}

BOOST_AUTO_TEST_SUITE_END()
