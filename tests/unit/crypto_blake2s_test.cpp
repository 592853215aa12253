#include <boost/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/blake2s.hpp"
#include "crypto_test_hex.hpp"

using namespace sluice::crypto;
using sluice::crypto::test::as_bytes;
using sluice::crypto::test::hex;

namespace {

using Hash = std::array<std::uint8_t, kHashSize>;

std::string hash_hex(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Hash out{};
  blake2s_256(out, parts);
  return hex(out);
}

// The inputs of the Linux kernel's blake2s self-test (lib/crypto/blake2s-selftest.c):
// a Fibonacci-like key and the message 00 01 02 ...
std::array<std::uint8_t, 32> selftest_key() {
  std::array<std::uint8_t, 32> key{1, 1};
  for (std::size_t i = 2; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(key[i - 2] + key[i - 1]);
  return key;
}

std::vector<std::uint8_t> counting_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

// A second, independent HMAC: OpenSSL's own EVP_MAC "HMAC" over BLAKE2S-256.
Hash openssl_hmac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  BOOST_REQUIRE(mac != nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  BOOST_REQUIRE(ctx != nullptr);
  char digest[] = "BLAKE2S-256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  static const std::uint8_t kNoKey = 0;  // OpenSSL wants a non-null pointer even for an empty key.
  Hash out{};
  std::size_t written = 0;
  BOOST_REQUIRE(EVP_MAC_init(ctx, key.empty() ? &kNoKey : key.data(), key.size(), params) == 1);
  BOOST_REQUIRE(EVP_MAC_update(ctx, message.data(), message.size()) == 1);
  BOOST_REQUIRE(EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1);
  BOOST_REQUIRE(written == out.size());
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return out;
}

Hash hmac(std::span<const std::uint8_t> key, std::initializer_list<std::span<const std::uint8_t>> parts) {
  Hash out{};
  hmac_blake2s(out, key, parts);
  return out;
}

const std::uint8_t kOne = 1, kTwo = 2, kThree = 3;

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_blake2s)

BOOST_AUTO_TEST_CASE(blake2s_256_known_answers) {
  // RFC 7693 appendix B's "abc" input, for BLAKE2s-256; and the empty message.
  BOOST_TEST(hash_hex({as_bytes("abc")}) == "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  BOOST_TEST(hash_hex({as_bytes("")}) == "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
  BOOST_TEST(hash_hex({}) == "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
  BOOST_TEST(hash_hex({as_bytes("a"), as_bytes(""), as_bytes("bc")}) == hash_hex({as_bytes("abc")}));
}

// WireGuard's initial chaining key and hash (whitepaper section 5.4), as every implementation hard-codes them.
BOOST_AUTO_TEST_CASE(wireguard_construction_hashes) {
  Hash ck{};
  blake2s_256(ck, {as_bytes("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")});
  BOOST_TEST(hex(ck) == "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36");
  BOOST_TEST(hash_hex({ck, as_bytes("WireGuard v1 zx2c4 Jason@zx2c4.com")}) ==
             "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3");
}

// Keyed BLAKE2s with a 16-byte digest: the kernel self-test vectors whose output length is 16
// (index i: key = last (13 i mod 33) bytes of the self-test key, message = first i counting bytes).
BOOST_AUTO_TEST_CASE(mac16_linux_selftest_vectors) {
  struct Vector {
    std::size_t index;
    const char* mac;
  };
  const Vector vectors[] = {{15, "4fe0f95212da84b7abaeb0a6472ac7f5"},
                            {47, "a3504da51d0368e95778d604f1c394d8"},
                            {79, "b1dec9f5dbf32f4cd6417d39183ec7c3"},
                            {111, "08975b80aec41d5077df1fd024f017c0"}};
  const auto key = selftest_key();
  const auto message = counting_bytes(256);
  for (const auto& v : vectors) {
    const std::size_t key_length = (13 * v.index) % 33;
    std::array<std::uint8_t, kMacSize> out{};
    blake2s_mac16(out, std::span(key).last(key_length), std::span(message).first(v.index));
    BOOST_TEST(hex(out) == v.mac, "vector " << v.index);
  }
}

BOOST_AUTO_TEST_CASE(mac16_rejects_bad_key_lengths) {
  std::array<std::uint8_t, kMacSize> out{};
  const std::array<std::uint8_t, 33> key{};
  BOOST_CHECK_THROW(blake2s_mac16(out, {}, as_bytes("x")), std::invalid_argument);
  BOOST_CHECK_THROW(blake2s_mac16(out, key, as_bytes("x")), std::invalid_argument);
  BOOST_CHECK_NO_THROW(blake2s_mac16(out, std::span(key).first(32), as_bytes("x")));
}

BOOST_AUTO_TEST_CASE(hmac_linux_selftest_vectors) {
  const auto key = selftest_key();
  const auto message = counting_bytes(256);
  BOOST_TEST(hex(hmac(key, {message})) == "cee1576982dcbf43ad564c70ed681696cfa473e8e8fc3279080a7582da3f0511");
  // A 256-byte key is longer than the block, so it is hashed first.
  BOOST_TEST(hex(hmac(message, {key})) == "772f0c7141f44b2bb3c6b6f960dee4523866e8bf9b96c49f60d9243799d6ec31");
}

BOOST_AUTO_TEST_CASE(hmac_matches_openssl_hmac) {
  const auto bytes = counting_bytes(300);
  const auto all = std::span(bytes);
  for (const std::size_t key_length : {0, 1, 16, 32, 63, 64, 65, 200}) {
    for (const std::size_t message_length : {0, 1, 55, 64, 65, 100}) {
      const auto key = all.subspan(7, key_length);
      const auto message = all.subspan(3, message_length);
      const auto expected = openssl_hmac(key, message);
      BOOST_TEST(hmac(key, {message}) == expected, "key " << key_length << " message " << message_length);
      const auto split = message_length / 3;
      BOOST_TEST(hmac(key, {message.first(split), {}, message.subspan(split)}) == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(hmac_output_may_alias_key) {
  Hash key{};
  key.fill(0x42);
  const auto expected = hmac(key, {as_bytes("message")});
  hmac_blake2s(key, key, {as_bytes("message")});
  BOOST_TEST(key == expected);
}

// KDF_n from the WireGuard paper, spelled out with hmac_blake2s.
BOOST_AUTO_TEST_CASE(kdf_matches_manual_hmac_chain) {
  Hash key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0xa0 + i);
  const auto input = as_bytes("input keying material");
  const Hash t0 = hmac(key, {input});
  const Hash t1 = hmac(t0, {std::span(&kOne, 1)});
  const Hash t2 = hmac(t0, {t1, std::span(&kTwo, 1)});
  const Hash t3 = hmac(t0, {t2, std::span(&kThree, 1)});

  Hash a{}, b{}, c{};
  kdf1(a, key, input);
  BOOST_TEST(a == t1);
  kdf2(a, b, key, input);
  BOOST_TEST(a == t1);
  BOOST_TEST(b == t2);
  kdf3(a, b, c, key, input);
  BOOST_TEST(a == t1);
  BOOST_TEST(b == t2);
  BOOST_TEST(c == t3);

  // Empty input, as in the final Split() of the handshake.
  kdf2(a, b, key, {});
  BOOST_TEST(a == hmac(hmac(key, {}), {std::span(&kOne, 1)}));
}

BOOST_AUTO_TEST_CASE(kdf_outputs_may_alias_key) {
  Hash key{};
  key.fill(0x11);
  const auto input = as_bytes("dh result");
  Hash t1{}, t2{}, t3{};
  kdf3(t1, t2, t3, key, input);

  Hash chaining = key;
  Hash second{};
  kdf2(chaining, second, chaining, input);  // the handshake's "C, k = KDF2(C, x)" pattern
  BOOST_TEST(chaining == t1);
  BOOST_TEST(second == t2);

  chaining = key;
  kdf1(chaining, chaining, input);
  BOOST_TEST(chaining == t1);

  chaining = key;
  Hash first{};
  kdf3(first, second, chaining, chaining, input);
  BOOST_TEST(first == t1);
  BOOST_TEST(second == t2);
  BOOST_TEST(chaining == t3);
}

BOOST_AUTO_TEST_SUITE_END()
