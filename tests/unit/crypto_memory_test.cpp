#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <unordered_set>
#include <vector>

#include "crypto/memory.hpp"
#include "crypto_test_hex.hpp"
#include "test_sanitizers.hpp"

using namespace sluice::crypto;
using sluice::crypto::test::unhex_array;

namespace {

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

const auto kPattern = unhex_array<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_memory)

BOOST_AUTO_TEST_CASE(wipe_zeroes_memory) {
  auto bytes = kPattern;
  wipe(bytes.data(), bytes.size());
  BOOST_TEST(all_zero(bytes));
}

BOOST_AUTO_TEST_CASE(equal_ct_compares_contents_and_lengths) {
  const auto other = kPattern;
  BOOST_TEST(equal_ct(kPattern, other));
  BOOST_TEST(!equal_ct(std::span(kPattern).first(31), other));
  BOOST_TEST(equal_ct({}, {}));
  auto changed = kPattern;
  changed[31] ^= 0x80;
  BOOST_TEST(!equal_ct(kPattern, changed));
}

BOOST_AUTO_TEST_CASE(equal_ct_finds_a_difference_in_any_byte_of_any_length) {
  // 16 and 32 bytes take libsodium's fixed-size checks, other lengths the general one.
  for (const std::size_t length : {1U, 15U, 16U, 17U, 31U, 32U, 33U, 64U}) {
    std::vector<std::uint8_t> a(length);
    for (std::size_t i = 0; i < length; ++i) a[i] = static_cast<std::uint8_t>(i * 37 + 5);
    BOOST_TEST(equal_ct(a, std::vector<std::uint8_t>(a)));
    for (std::size_t i = 0; i < length; ++i) {
      auto b = a;
      b[i] ^= 0x01;
      BOOST_TEST_REQUIRE(!equal_ct(a, b), "length " << length << ", byte " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(is_zero_ct_detects_any_set_bit) {
  std::array<std::uint8_t, 32> bytes{};
  BOOST_TEST(is_zero_ct(bytes));
  bytes[17] = 1;
  BOOST_TEST(!is_zero_ct(bytes));
}

BOOST_AUTO_TEST_CASE(secret_bytes_compare_and_clear) {
  SymmetricKey a;
  BOOST_TEST(a.is_zero());
  SymmetricKey b(kPattern);
  BOOST_TEST(!b.is_zero());
  BOOST_TEST(!(a == b));
  a = b;
  BOOST_TEST((a == b));
  a.data()[5] ^= 1;
  BOOST_TEST(!(a == b));
  const SymmetricKey c(b);
  BOOST_TEST((c == b));

  b.clear();
  BOOST_TEST(b.is_zero());
  BOOST_TEST(all_zero(b.span()));
}

BOOST_AUTO_TEST_CASE(secret_bytes_wipe_on_destruction) {
  // Construct in our own storage so the bytes can be inspected after the destructor ran.
  alignas(PrivateKey) std::uint8_t storage[sizeof(PrivateKey)];
  auto* key = new (storage) PrivateKey(kPattern);
  BOOST_TEST(!key->is_zero());
  key->~PrivateKey();
  BOOST_TEST(all_zero(storage));
}

BOOST_AUTO_TEST_CASE(public_keys_compare_and_hash) {
  PublicKey a{kPattern};
  PublicKey b{kPattern};
  BOOST_TEST((a == b));
  BOOST_TEST(PublicKeyHash{}(a) == PublicKeyHash{}(b));
  b.bytes[31] ^= 1;
  BOOST_TEST(!(a == b));
  BOOST_TEST(!a.is_zero());
  BOOST_TEST(PublicKey{}.is_zero());

  std::unordered_set<PublicKey, PublicKeyHash> set{a, b};
  BOOST_TEST(set.size() == 2u);
  BOOST_TEST(set.count(PublicKey{kPattern}) == 1u);
}

namespace {

struct LockedHolder : LockedAllocation {
  PrivateKey key;
  std::array<std::uint8_t, 9000> spread{};  // spans at least three pages
};

// VmLck of this process, in kB.
long locked_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmLck:")) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(locked_allocations_lock_their_pages_until_the_last_one_goes) {
  const long before = locked_kb();
  const std::size_t failures_before = locked_memory_failures();
  auto first = std::make_unique<LockedHolder>();
  auto second = std::make_unique<LockedHolder>();
#if defined(SLUICE_TEST_ASAN)
  // AddressSanitizer turns mlock into a no-op: VmLck says nothing there.
  static_cast<void>(before);
  BOOST_TEST(locked_memory_failures() == failures_before);
  return;
#endif
  if (locked_memory_failures() != failures_before) {
    // Over RLIMIT_MEMLOCK (an unprivileged run): the objects still work, unlocked.
    BOOST_TEST_MESSAGE("mlock refused here; checked only that allocation goes on");
    first->key = PrivateKey(kPattern);
    return;
  }
  BOOST_TEST(locked_kb() >= before + 12);
  first.reset();
  BOOST_TEST(locked_kb() >= before + 12);  // the second object's pages are still locked
  second.reset();
  BOOST_TEST(locked_kb() == before);
}

BOOST_AUTO_TEST_SUITE_END()
