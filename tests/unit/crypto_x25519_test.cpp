#include <boost/test/unit_test.hpp>

#include "crypto/x25519.hpp"
#include "crypto_test_hex.hpp"

using namespace sluice::crypto;
using sluice::crypto::test::hex;
using sluice::crypto::test::unhex_array;

BOOST_AUTO_TEST_SUITE(crypto_x25519)

// RFC 7748 section 5.2. The second u-coordinate has its top bit set, which X25519 must ignore.
BOOST_AUTO_TEST_CASE(rfc7748_section_5_2_vectors) {
  struct Vector {
    const char* scalar;
    const char* u;
    const char* out;
  };
  const Vector vectors[] = {
      {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
       "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
      {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
       "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
  };
  for (const auto& v : vectors) {
    std::array<std::uint8_t, 32> out{};
    BOOST_TEST(x25519_raw(out, unhex_array<32>(v.scalar), unhex_array<32>(v.u)));
    BOOST_TEST(hex(out) == v.out);
  }
}

// RFC 7748 section 5.2 iteration: k = X25519(k, u), u = old k, starting from k = u = 9.
BOOST_AUTO_TEST_CASE(rfc7748_section_5_2_iterations) {
  std::array<std::uint8_t, 32> k{9};
  std::array<std::uint8_t, 32> u{9};
  for (int i = 1; i <= 1000; ++i) {
    std::array<std::uint8_t, 32> result{};
    BOOST_REQUIRE(x25519_raw(result, k, u));
    u = k;
    k = result;
    if (i == 1) BOOST_TEST(hex(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
  }
  BOOST_TEST(hex(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

BOOST_AUTO_TEST_CASE(rfc7748_section_6_1_diffie_hellman) {
  const PrivateKey alice(unhex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  const PrivateKey bob(unhex_array<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  const PublicKey alice_public = public_from_private(alice);
  const PublicKey bob_public = public_from_private(bob);
  BOOST_TEST(hex(alice_public.bytes) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  BOOST_TEST(hex(bob_public.bytes) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");

  SecretBytes<32> shared_a;
  SecretBytes<32> shared_b;
  BOOST_TEST(x25519(shared_a, alice, bob_public));
  BOOST_TEST(x25519(shared_b, bob, alice_public));
  BOOST_TEST(hex(shared_a.span()) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  BOOST_TEST((shared_a == shared_b));
}

// Points of small order (and non-canonical encodings of them) give an all-zero secret.
BOOST_AUTO_TEST_CASE(low_order_points_are_rejected) {
  const char* points[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // 0
      "0100000000000000000000000000000000000000000000000000000000000000",  // 1
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",  // order 8
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p (= 0)
  };
  const PrivateKey private_key = generate_private_key();
  for (const char* point : points) {
    SecretBytes<32> shared(unhex_array<32>("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    BOOST_TEST(!x25519(shared, private_key, PublicKey{unhex_array<32>(point)}), point);
    BOOST_TEST(shared.is_zero(), point);

    std::array<std::uint8_t, 32> raw;
    raw.fill(0xaa);
    BOOST_TEST(!x25519_raw(raw, private_key.span(), unhex_array<32>(point)), point);
    BOOST_TEST(is_zero_ct(raw), point);
  }
}

BOOST_AUTO_TEST_CASE(generated_keys_are_clamped_and_agree) {
  const PrivateKey a = generate_private_key();
  const PrivateKey b = generate_private_key();
  BOOST_TEST(!(a == b));
  for (const auto* key : {&a, &b}) {
    BOOST_TEST((key->data()[0] & 7) == 0);
    BOOST_TEST((key->data()[31] & 0xc0) == 0x40);
  }
  SecretBytes<32> ab;
  SecretBytes<32> ba;
  BOOST_TEST(x25519(ab, a, public_from_private(b)));
  BOOST_TEST(x25519(ba, b, public_from_private(a)));
  BOOST_TEST((ab == ba));
  BOOST_TEST(!ab.is_zero());
}

BOOST_AUTO_TEST_SUITE_END()
