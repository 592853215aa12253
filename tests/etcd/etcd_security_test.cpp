#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>

#include "etcd/client.hpp"
#include "etcd/watch.hpp"
#include "etcd_test_env.hpp"

namespace sluice::etcd::test {
namespace {

using namespace std::chrono_literals;

ClientOptions tls_options(const std::string& cert) {
  ClientOptions options;
  options.endpoints = {env("SLUICE_ETCD_TLS_ENDPOINT")};
  options.ca_file = env("SLUICE_ETCD_CA");
  if (!cert.empty()) {
    options.cert_file = env(("SLUICE_ETCD_" + cert + "_CERT").c_str());
    options.key_file = env(("SLUICE_ETCD_" + cert + "_KEY").c_str());
  }
  return options;
}

ClientOptions auth_options(const std::string& password) {
  ClientOptions options;
  options.endpoints = {env("SLUICE_ETCD_ENDPOINT")};
  options.username = "root";
  options.password.emplace(password.size());
  options.password->str().append(password);
  return options;
}

// The Error a put with `options` throws; fails the test when it works.
Error put_error(ClientOptions options) {
  try {
    Client(std::move(options)).put("/t/refused", "x");
  } catch (const Error& error) {
    BOOST_TEST_MESSAGE("refused: " << error.what());
    return error;
  }
  BOOST_FAIL("the put worked");
  throw;
}

bool mentions(const Error& error, const std::string& text) {
  return std::string(error.what()).find(text) != std::string::npos;
}

BOOST_AUTO_TEST_SUITE(etcd_tls)

BOOST_AUTO_TEST_CASE(right_client_certificate_works) {
  Client client(tls_options("CLIENT"));
  const std::int64_t revision = client.put("/t/tls/a", "1");
  BOOST_TEST(client.get("/t/tls/a").kvs.at(0).value == "1");
  Watch watch(tls_options("CLIENT"), "/t/tls/");
  watch.run(revision, [&](const WatchBatch& batch) {
    BOOST_TEST(batch.events.at(0).kv.key == "/t/tls/a");
    watch.stop();
  });
}

BOOST_AUTO_TEST_CASE(wrong_client_certificate_is_refused) {
  const Error error = put_error(tls_options("WRONG"));
  BOOST_TEST(error.kind() == Error::Kind::refused, error.what());
  BOOST_TEST(mentions(error, env("SLUICE_ETCD_TLS_ENDPOINT")), error.what());
  BOOST_TEST(mentions(error, "refused our client certificate"), error.what());
}

BOOST_AUTO_TEST_CASE(no_client_certificate_is_refused) {
  const Error error = put_error(tls_options(""));
  BOOST_TEST(error.kind() == Error::Kind::refused, error.what());
  BOOST_TEST(mentions(error, "client certificate"), error.what());
}

BOOST_AUTO_TEST_CASE(untrusted_server_is_refused) {
  ClientOptions options = tls_options("CLIENT");
  options.ca_file = env("SLUICE_ETCD_WRONG_CA");
  const Error error = put_error(std::move(options));
  BOOST_TEST(error.kind() == Error::Kind::refused, error.what());
  BOOST_TEST(mentions(error, "not trusted"), error.what());
}

BOOST_AUTO_TEST_CASE(watch_with_wrong_certificate_is_refused) {
  Watch watch(tls_options("WRONG"), "/t/tls/");
  try {
    watch.run(1, [](const WatchBatch&) {});
    BOOST_FAIL("the watch opened");
  } catch (const Error& error) {
    BOOST_TEST(error.kind() == Error::Kind::refused, error.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(etcd_auth)

BOOST_AUTO_TEST_CASE(right_password_works_and_renews_its_token) {
  const std::string password = env("SLUICE_ETCD_PASSWORD");
  Client client(auth_options(password));
  const std::int64_t revision = client.put("/t/auth/a", "1");
  BOOST_TEST(client.get("/t/auth/a").kvs.at(0).value == "1");
  Watch watch(auth_options(password), "/t/auth/");
  watch.run(revision, [&](const WatchBatch& batch) {
    BOOST_TEST(batch.events.at(0).kv.key == "/t/auth/a");
    watch.stop();
  });
  // The script runs etcd with --auth-token-ttl 1: the token has expired by now.
  std::this_thread::sleep_for(2500ms);
  BOOST_TEST(client.get("/t/auth/a").kvs.size() == 1U);
}

BOOST_AUTO_TEST_CASE(wrong_password_is_refused) {
  const Error error = put_error(auth_options("not the password"));
  BOOST_TEST(error.kind() == Error::Kind::refused, error.what());
  BOOST_TEST(mentions(error, "authentication as 'root' failed"), error.what());
  BOOST_TEST(!mentions(error, "not the password"), error.what());
}

BOOST_AUTO_TEST_CASE(no_user_is_refused) {
  const Error error = put_error(plain_options());
  BOOST_TEST(error.kind() == Error::Kind::refused, error.what());
  BOOST_TEST(mentions(error, "requires authentication"), error.what());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace sluice::etcd::test
