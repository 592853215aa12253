#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/aead.hpp"
#include "crypto_test_hex.hpp"
#include "test_sanitizers.hpp"

using namespace sluice::crypto;
using sluice::crypto::test::as_bytes;
using sluice::crypto::test::hex;
using sluice::crypto::test::unhex;
using sluice::crypto::test::unhex_array;

namespace {

using Bytes = std::vector<std::uint8_t>;

const Bytes kSunscreen = [] {
  const auto text = as_bytes(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would "
      "be it.");
  return Bytes(text.begin(), text.end());
}();
const SymmetricKey kKey(unhex_array<32>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
const Bytes kAad = unhex("50515253c0c1c2c3c4c5c6c7");

// RFC 8439 section 2.8.2.
const auto kNonce = unhex_array<12>("070000004041424344454647");
const std::string kSealed =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e06"
    "0b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d265"
    "86cec64b6116"
    "1ae10b594f09e26a7e902ecbd0600691";

// draft-irtf-cfrg-xchacha-03 appendix A.3.1.
const auto kXNonce = unhex_array<24>("404142434445464748494a4b4c4d4e4f5051525354555657");
const std::string kXSealed =
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54"
    "c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f6"
    "15c68b13b52e"
    "c0875924c1c7987947deafd8780acf49";

// Every single-bit change to the sealed message or the AD must make `open` fail.
template <typename Open>
void check_tampering_rejected(const Bytes& sealed, const Bytes& ad, Open open) {
  Bytes out(sealed.size());
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    Bytes bad = sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    BOOST_TEST(!open(out, bad, ad), "ciphertext/tag bit " << bit);
  }
  for (std::size_t bit = 0; bit < ad.size() * 8; ++bit) {
    Bytes bad = ad;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    BOOST_TEST(!open(out, sealed, bad), "AD bit " << bit);
  }
  BOOST_TEST(!open(out, sealed, Bytes{}));
  BOOST_TEST(!open(out, Bytes(sealed.begin(), sealed.end() - 1), ad));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_aead)

BOOST_AUTO_TEST_CASE(rfc8439_2_8_2_out_of_place) {
  Bytes sealed(kSunscreen.size() + kAeadTagSize);
  chacha20poly1305_encrypt(sealed, kSunscreen, kNonce, kKey, kAad);
  BOOST_TEST(hex(sealed) == kSealed);

  Bytes opened(kSunscreen.size());
  BOOST_TEST(chacha20poly1305_decrypt(opened, unhex(kSealed), kNonce, kKey, kAad));
  BOOST_TEST(opened == kSunscreen);
}

BOOST_AUTO_TEST_CASE(rfc8439_2_8_2_in_place) {
  Bytes buffer = kSunscreen;
  buffer.resize(kSunscreen.size() + kAeadTagSize);
  chacha20poly1305_encrypt(buffer, std::span(buffer).first(kSunscreen.size()), kNonce, kKey, kAad);
  BOOST_TEST(hex(buffer) == kSealed);

  BOOST_TEST(chacha20poly1305_decrypt(buffer, buffer, kNonce, kKey, kAad));
  BOOST_TEST(Bytes(buffer.begin(), buffer.begin() + kSunscreen.size()) == kSunscreen);
}

BOOST_AUTO_TEST_CASE(rfc8439_2_8_2_tampering_rejected) {
  check_tampering_rejected(unhex(kSealed), kAad, [](Bytes& out, const Bytes& sealed, const Bytes& ad) {
    return chacha20poly1305_decrypt(out, sealed, kNonce, kKey, ad);
  });
  Bytes out(kSunscreen.size());
  auto other_nonce = kNonce;
  other_nonce[11] ^= 1;
  BOOST_TEST(!chacha20poly1305_decrypt(out, unhex(kSealed), other_nonce, kKey, kAad));
  auto other_key = kKey;
  other_key.data()[0] ^= 1;
  BOOST_TEST(!chacha20poly1305_decrypt(out, unhex(kSealed), kNonce, other_key, kAad));
}

// RFC 8439 appendix A.5. Its nonce (four zero bytes, then 01..08) is also WireGuard's layout
// for counter 0x0807060504030201, so it checks wg_aead_decrypt's nonce too.
BOOST_AUTO_TEST_CASE(rfc8439_appendix_a5_decryption) {
  const SymmetricKey key(unhex_array<32>("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"));
  const auto nonce = unhex_array<12>("000000000102030405060708");
  const Bytes ad = unhex("f33388860000000000004e91");
  const Bytes sealed = unhex(
      "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b01"
      "00d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b35"
      "06383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f8"
      "3fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a67276"
      "27097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b"
      "eead9d67890cbb22392336fea1851f38");
  const Bytes plaintext = unhex(
      "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d6178696d756d"
      "206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c616365642c206f72206f62736f6c6574"
      "6564206279206f7468657220646f63756d656e747320617420616e792074696d652e20497420697320696e617070726f70726961746520"
      "746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d6174657269616c206f7220746f2063697465"
      "207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573732e2fe2809d");

  Bytes opened(plaintext.size());
  BOOST_TEST(chacha20poly1305_decrypt(opened, sealed, nonce, key, ad));
  BOOST_TEST(opened == plaintext);

  Bytes wg_opened(plaintext.size());
  BOOST_TEST(wg_aead_decrypt(wg_opened, sealed, 0x0807060504030201, key, ad));
  BOOST_TEST(wg_opened == plaintext);
  BOOST_TEST(!wg_aead_decrypt(wg_opened, sealed, 0x0102030405060708, key, ad));

  Bytes resealed(sealed.size());
  wg_aead_encrypt(resealed, plaintext, 0x0807060504030201, key, ad);
  BOOST_TEST(resealed == sealed);
}

BOOST_AUTO_TEST_CASE(wg_nonce_is_zero_prefix_then_little_endian_counter) {
  const auto nonce = unhex_array<12>("00000000efcdab8967452301");
  Bytes expected(kSunscreen.size() + kAeadTagSize);
  chacha20poly1305_encrypt(expected, kSunscreen, nonce, kKey, {});
  Bytes sealed(expected.size());
  wg_aead_encrypt(sealed, kSunscreen, 0x0123456789abcdef, kKey, {});
  BOOST_TEST(sealed == expected);
}

// Transport sealing must agree with libsodium's reference calls (an independent implementation
// where Intel's IPsec Multi-Buffer seals) at sizes around the 16- and 64-byte blocks and up to the
// largest datagram, in place and out of place, and must reject a flipped bit.
BOOST_AUTO_TEST_CASE(wg_aead_agrees_with_libsodium_at_every_size) {
  for (const std::size_t size : {1U, 15U, 16U, 17U, 63U, 64U, 65U, 1440U, 3072U, 9000U, 65535U}) {
    Bytes plaintext(size);
    for (std::size_t i = 0; i < size; ++i) plaintext[i] = static_cast<std::uint8_t>(i * 7 + 3);
    const std::uint64_t counter = 0x1122334455667788U + size;
    std::array<std::uint8_t, 12> nonce{};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));

    Bytes expected(size + kAeadTagSize);
    chacha20poly1305_encrypt(expected, plaintext, nonce, kKey, kAad);
    Bytes sealed(size + kAeadTagSize);
    wg_aead_encrypt(sealed, plaintext, counter, kKey, kAad);
    BOOST_TEST((sealed == expected), "out-of-place seal of " << size << " bytes");
    Bytes in_place = plaintext;
    in_place.resize(size + kAeadTagSize);
    wg_aead_encrypt(in_place, std::span(in_place).first(size), counter, kKey, kAad);
    BOOST_TEST((in_place == expected), "in-place seal of " << size << " bytes");

    Bytes opened(size);
    BOOST_TEST(wg_aead_decrypt(opened, expected, counter, kKey, kAad));
    BOOST_TEST((opened == plaintext), "open of " << size << " bytes");
    BOOST_TEST(wg_aead_decrypt(in_place, in_place, counter, kKey, kAad));
    BOOST_TEST(std::equal(plaintext.begin(), plaintext.end(), in_place.begin()),
               "in-place open of " << size << " bytes");

    Bytes tampered = expected;
    tampered[size / 2] ^= 0x40;
    BOOST_TEST(!wg_aead_decrypt(opened, tampered, counter, kKey, kAad));
    BOOST_TEST((opened == Bytes(size, 0)), "a rejected open of " << size << " bytes leaves zeros");
  }
}

// Every instruction set the cipher can be capped to (SLUICE_DISABLE=avx512, avx2, avx), and the
// libsodium fallback (ipsec-mb, and builds without the library), seal and open as libsodium's
// reference calls do, and the start-up description names the code in use. A thread keeps the code
// it started with, so each cap gets a thread of its own.
BOOST_AUTO_TEST_CASE(every_capped_code_agrees_with_libsodium) {
  const std::string best = transport_aead_libraries();
  const std::pair<TransportCode, const char*> caps[] = {{TransportCode::libsodium, "libsodium "},
                                                        {TransportCode::sse, "(SSE code"},
                                                        {TransportCode::avx, "(AVX code"},
                                                        {TransportCode::avx2, "(AVX2 code"},
                                                        {TransportCode::avx512, ""}};
  for (const auto& [code, name] : caps) {
    cap_transport_code(code);
    std::thread([&, code = code, name = name] {
      const std::string description = transport_aead_libraries();
      // A cap above what this CPU has changes nothing.
      BOOST_TEST((description.find(name) != std::string::npos || description == best), description);
      for (const std::size_t size : {0U, 1U, 64U, 65U, 1440U, 9000U}) {
        Bytes plaintext(size);
        for (std::size_t i = 0; i < size; ++i) plaintext[i] = static_cast<std::uint8_t>(i * 13 + 1);
        std::array<std::uint8_t, 12> nonce{};
        nonce[4] = static_cast<std::uint8_t>(size);
        nonce[5] = static_cast<std::uint8_t>(size >> 8);
        Bytes expected(size + kAeadTagSize);
        chacha20poly1305_encrypt(expected, plaintext, nonce, kKey, {});
        Bytes sealed(size + kAeadTagSize);
        wg_aead_encrypt(sealed, plaintext, size, kKey, {});
        BOOST_TEST((sealed == expected), "seal of " << size << " bytes, cap " << static_cast<int>(code));
        Bytes opened(size);
        BOOST_TEST(wg_aead_decrypt(opened, expected, size, kKey, {}));
        BOOST_TEST((opened == plaintext), "open of " << size << " bytes, cap " << static_cast<int>(code));
      }
    }).join();
  }
  BOOST_TEST(transport_aead_libraries() == best);
}

// Reading all of memory is not possible under the sanitizers (poisoned and shadow memory).
#if defined(SLUICE_TEST_ASAN) || defined(SLUICE_TEST_TSAN)
BOOST_AUTO_TEST_CASE(transport_cipher_leaves_no_key_behind) {
  BOOST_TEST_MESSAGE("skipped under a sanitizer: it reads all writable memory");
}
#else
// Copies of a key in this process's writable memory, outside `skip` (the key itself): any of its
// 4-byte words followed by itself (a broadcast into vector lanes) or by the next word (a plain copy).
static std::size_t key_traces_in_writable_memory(std::span<const std::uint8_t, 32> key, const std::uint8_t* skip) {
  std::ifstream maps("/proc/self/maps");
  std::size_t traces = 0;
  for (std::string line; std::getline(maps, line);) {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;
    char permissions[5] = {};
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %4s", &begin, &end, permissions) != 3) continue;
    if (permissions[0] != 'r' || permissions[1] != 'w' || line.find("[vvar") != std::string::npos) continue;
    const auto* first = reinterpret_cast<const std::uint8_t*>(begin);
    const auto* last = reinterpret_cast<const std::uint8_t*>(end) - 8;
    for (const std::uint8_t* p = first; p <= last; ++p) {
      if (p >= skip && p < skip + key.size()) continue;
      for (std::size_t word = 0; word < 8; ++word) {
        const std::uint8_t* w = key.data() + 4 * word;
        if (std::memcmp(p, w, 4) != 0) continue;
        if (std::memcmp(p + 4, w, 4) == 0 || (word < 7 && std::memcmp(p + 4, w + 4, 4) == 0)) ++traces;
      }
    }
  }
  return traces;
}

// The transport cipher must leave nothing of a key behind once a seal or open returns, with
// Intel's library and with libsodium: sluice relies on the library wiping its registers and stack
// (the daemon keeps no per-thread context).
BOOST_AUTO_TEST_CASE(transport_cipher_leaves_no_key_behind) {
  std::array<std::uint8_t, 32> pattern{};
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint8_t>(0xa5 ^ (i * 29));
  auto key = std::make_unique<SymmetricKey>(pattern);
  // The pattern itself is a copy too.
  wipe(pattern.data(), pattern.size());
  // Each in a thread of its own, and looked for before the next thread can reuse the stack.
  for (const TransportCode code : {TransportCode::libsodium, TransportCode::avx512}) {
    cap_transport_code(code);
    std::string description;
    std::thread([&] {
      description = transport_aead_libraries();
      for (const std::size_t size : {0U, 1440U, 9000U}) {
        Bytes sealed(size + kAeadTagSize);
        wg_aead_encrypt(sealed, Bytes(size, 0x5c), 7, *key, {});
        Bytes opened(size);
        BOOST_TEST(wg_aead_decrypt(opened, sealed, 7, *key, {}));
      }
    }).join();
    BOOST_TEST(key_traces_in_writable_memory(key->span(), key->data()) == 0U, description);
  }
}
#endif

// A WireGuard keepalive is an empty payload: the sealed message is just the tag.
BOOST_AUTO_TEST_CASE(empty_plaintext) {
  Bytes sealed(kAeadTagSize);
  wg_aead_encrypt(sealed, {}, 7, kKey, {});
  BOOST_TEST(wg_aead_decrypt({}, sealed, 7, kKey, {}));
  BOOST_TEST(!wg_aead_decrypt({}, sealed, 8, kKey, {}));
}

BOOST_AUTO_TEST_CASE(size_and_overlap_checks) {
  Bytes out(kSunscreen.size() + kAeadTagSize - 1);
  BOOST_CHECK_THROW(chacha20poly1305_encrypt(out, kSunscreen, kNonce, kKey, kAad), std::invalid_argument);
  BOOST_CHECK_THROW(xchacha20poly1305_encrypt(out, kSunscreen, kXNonce, kKey, kAad), std::invalid_argument);

  const Bytes sealed = unhex(kSealed);
  Bytes small(kSunscreen.size() - 1);
  BOOST_CHECK_THROW((void)chacha20poly1305_decrypt(small, sealed, kNonce, kKey, kAad), std::invalid_argument);

  // Shorter than a tag: not an error, just not authentic.
  Bytes plenty(64);
  BOOST_TEST(!chacha20poly1305_decrypt(plenty, Bytes(kAeadTagSize - 1), kNonce, kKey, kAad));
  BOOST_TEST(!chacha20poly1305_decrypt(plenty, {}, kNonce, kKey, kAad));
  BOOST_TEST(!xchacha20poly1305_decrypt(plenty, Bytes(3), kXNonce, kKey, kAad));

  // Output shifted against the input is neither in place nor separate.
  Bytes buffer(kSunscreen.size() + kAeadTagSize + 1);
  const auto shifted = std::span(buffer).subspan(1);
  BOOST_CHECK_THROW(chacha20poly1305_encrypt(shifted, std::span(buffer).first(kSunscreen.size()), kNonce, kKey, kAad),
                    std::invalid_argument);
  BOOST_CHECK_THROW(
      (void)chacha20poly1305_decrypt(shifted, std::span(buffer).first(kSealed.size() / 2), kNonce, kKey, kAad),
      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(xchacha_draft_a_3_1) {
  Bytes sealed(kSunscreen.size() + kAeadTagSize);
  xchacha20poly1305_encrypt(sealed, kSunscreen, kXNonce, kKey, kAad);
  BOOST_TEST(hex(sealed) == kXSealed);

  Bytes opened(kSunscreen.size());
  BOOST_TEST(xchacha20poly1305_decrypt(opened, sealed, kXNonce, kKey, kAad));
  BOOST_TEST(opened == kSunscreen);

  Bytes buffer = kSunscreen;
  buffer.resize(sealed.size());
  xchacha20poly1305_encrypt(buffer, std::span(buffer).first(kSunscreen.size()), kXNonce, kKey, kAad);
  BOOST_TEST(buffer == sealed);
  BOOST_TEST(xchacha20poly1305_decrypt(buffer, buffer, kXNonce, kKey, kAad));
  BOOST_TEST(Bytes(buffer.begin(), buffer.begin() + kSunscreen.size()) == kSunscreen);
}

BOOST_AUTO_TEST_CASE(xchacha_tampering_rejected) {
  check_tampering_rejected(unhex(kXSealed), kAad, [](Bytes& out, const Bytes& sealed, const Bytes& ad) {
    return xchacha20poly1305_decrypt(out, sealed, kXNonce, kKey, ad);
  });
}

BOOST_AUTO_TEST_SUITE_END()
