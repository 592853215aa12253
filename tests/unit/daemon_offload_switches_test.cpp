// SLUICE_DISABLE: which data-path features and which transport crypto code a list leaves on.
#include <boost/test/unit_test.hpp>

#include "daemon/offload_switches.hpp"

using sluice::crypto::TransportCode;
using sluice::daemon::OffloadSwitches;

BOOST_AUTO_TEST_SUITE(daemon_offload_switches)

BOOST_AUTO_TEST_CASE(nothing_disabled_leaves_everything_on) {
  for (const char* list : {static_cast<const char*>(nullptr), "", ","}) {
    const auto switches = OffloadSwitches::from_disable_list(list);
    BOOST_TEST((switches.vnet && switches.tap_vnet && switches.uso && switches.gso && switches.gro && switches.uring));
    BOOST_TEST(switches.multishot_reads);
    BOOST_TEST((switches.crypto_code == TransportCode::avx512));
  }
}

BOOST_AUTO_TEST_CASE(each_word_turns_off_its_feature_and_unknown_words_are_ignored) {
  const auto switches = OffloadSwitches::from_disable_list("gso,bogus,uring,multishot-reads");
  BOOST_TEST(!switches.gso);
  BOOST_TEST(!switches.uring);
  BOOST_TEST(!switches.multishot_reads);
  BOOST_TEST((switches.vnet && switches.gro));
  BOOST_TEST((switches.crypto_code == TransportCode::avx512));
}

// vnet covers the TAP devices of L2 segments too; tap-vnet only those.
BOOST_AUTO_TEST_CASE(vnet_words) {
  const auto both = OffloadSwitches::from_disable_list("vnet");
  BOOST_TEST((!both.vnet && !both.tap_vnet));
  const auto tap = OffloadSwitches::from_disable_list("tap-vnet");
  BOOST_TEST((tap.vnet && !tap.tap_vnet));
  // uso leaves the offloads on and only stops coalescing UDP for the devices.
  const auto uso = OffloadSwitches::from_disable_list("uso");
  BOOST_TEST((uso.vnet && uso.tap_vnet && !uso.uso));
}

// Each instruction set turns off the newer ones too, in any order, and ipsec-mb the whole library.
BOOST_AUTO_TEST_CASE(crypto_caps_take_the_oldest_named) {
  BOOST_TEST((OffloadSwitches::from_disable_list("avx512").crypto_code == TransportCode::avx2));
  BOOST_TEST((OffloadSwitches::from_disable_list("avx2").crypto_code == TransportCode::avx));
  BOOST_TEST((OffloadSwitches::from_disable_list("avx").crypto_code == TransportCode::sse));
  BOOST_TEST((OffloadSwitches::from_disable_list("avx,avx512").crypto_code == TransportCode::sse));
  BOOST_TEST((OffloadSwitches::from_disable_list("ipsec-mb,avx").crypto_code == TransportCode::libsodium));
  BOOST_TEST((OffloadSwitches::from_disable_list("avx2,ipsec-mb").crypto_code == TransportCode::libsodium));
}

BOOST_AUTO_TEST_SUITE_END()
