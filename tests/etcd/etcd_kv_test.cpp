#include <boost/test/unit_test.hpp>
#include <thread>

#include "etcd/client.hpp"
#include "etcd_test_env.hpp"

namespace sluice::etcd::test {
namespace {

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(etcd_kv)

BOOST_AUTO_TEST_CASE(get_put_create_replace_remove) {
  Client client(plain_options());
  const std::string p = prefix_for("kv");
  BOOST_TEST(client.get(p + "a").kvs.empty());
  const std::int64_t revision = client.put(p + "a", std::string("one\0two", 7));
  BOOST_TEST(revision > 0);
  const RangeResult got = client.get(p + "a");
  BOOST_TEST_REQUIRE(got.kvs.size() == 1U);
  BOOST_TEST(got.kvs[0].key == p + "a");
  BOOST_TEST(got.kvs[0].value == std::string("one\0two", 7));
  BOOST_TEST(got.kvs[0].mod_revision == revision);
  BOOST_TEST(got.kvs[0].create_revision == revision);
  BOOST_TEST(got.kvs[0].version == 1);
  BOOST_TEST(got.revision >= revision);

  BOOST_TEST(client.create(p + "b", "first"));
  BOOST_TEST(!client.create(p + "b", "second"));
  BOOST_TEST(client.get(p + "b").kvs.at(0).value == "first");

  const std::int64_t b_revision = client.get(p + "b").kvs.at(0).mod_revision;
  BOOST_TEST(client.replace(p + "b", "third", b_revision));
  BOOST_TEST(!client.replace(p + "b", "fourth", b_revision));
  BOOST_TEST(client.get(p + "b").kvs.at(0).value == "third");

  client.put(p + "c", "x");
  client.put(p.substr(0, p.size() - 1) + "0", "outside");  // next to the prefix, not in it
  const RangeResult all = client.get_prefix(p);
  BOOST_TEST_REQUIRE(all.kvs.size() == 3U);
  BOOST_TEST(all.kvs[0].key == p + "a");
  BOOST_TEST(all.kvs[1].key == p + "b");
  BOOST_TEST(all.kvs[2].key == p + "c");

  BOOST_TEST(client.remove(p + "a"));
  BOOST_TEST(!client.remove(p + "a"));
  BOOST_TEST(client.get(p + "a").kvs.empty());
}

BOOST_AUTO_TEST_CASE(get_prefix_pages) {
  Client client(plain_options());
  const std::string p = prefix_for("pages");
  constexpr int count = 1234;  // more than one page of 1000
  for (int i = 0; i < count; ++i) client.put(p + std::to_string(10000 + i), std::to_string(i));
  const RangeResult all = client.get_prefix(p);
  BOOST_TEST_REQUIRE(all.kvs.size() == static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) BOOST_TEST_REQUIRE(all.kvs[i].value == std::to_string(i));
}

BOOST_AUTO_TEST_CASE(lease_expires_unless_kept_alive) {
  Client client(plain_options());
  const std::string p = prefix_for("lease");
  const std::int64_t lease = client.grant_lease(2s);
  BOOST_TEST(client.create(p + "kept", "v", lease));
  BOOST_TEST(client.get(p + "kept").kvs.at(0).lease == lease);
  const std::int64_t short_lease = client.grant_lease(2s);
  client.put(p + "short", "v", short_lease);
  // Kept alive past its TTL: still there, while the other one expires.
  for (int i = 0; i < 8; ++i) {
    BOOST_TEST(client.keep_alive(lease) == 2);
    std::this_thread::sleep_for(500ms);
  }
  BOOST_TEST(client.get(p + "kept").kvs.size() == 1U);
  BOOST_TEST(client.time_to_live(lease) > 0);
  BOOST_TEST(client.get(p + "short").kvs.empty());
  BOOST_TEST(client.time_to_live(short_lease) == -1);
  BOOST_TEST(client.keep_alive(short_lease) == 0);

  client.revoke_lease(lease);
  BOOST_TEST(client.get(p + "kept").kvs.empty());
  BOOST_TEST(client.time_to_live(lease) == -1);
  client.revoke_lease(lease);  // already gone: no error
}

// A username for a server with authentication off: etcd says so, and the client goes on without.
BOOST_AUTO_TEST_CASE(credentials_for_a_server_without_auth) {
  ClientOptions options = plain_options();
  options.username = "nobody";
  options.password.emplace(8);
  options.password->str() = "password";
  Client client(std::move(options));
  client.put(prefix_for("no_auth") + "a", "1");
  BOOST_TEST(client.get(prefix_for("no_auth") + "a").kvs.size() == 1U);
}

// An endpoint that is down is skipped for the next one.
BOOST_AUTO_TEST_CASE(next_endpoint_after_a_failure) {
  ClientOptions options = plain_options();
  options.endpoints.insert(options.endpoints.begin(), "http://127.0.0.1:1");
  Client client(std::move(options));
  client.put(prefix_for("failover") + "a", "1");
  BOOST_TEST(client.get(prefix_for("failover") + "a").kvs.size() == 1U);
}

BOOST_AUTO_TEST_CASE(bad_endpoint_is_invalid) {
  ClientOptions options = plain_options();
  options.endpoints = {"127.0.0.1:2379"};
  BOOST_CHECK_EXCEPTION(Client(std::move(options)), Error,
                        [](const Error& error) { return error.kind() == Error::Kind::invalid; });
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace sluice::etcd::test
