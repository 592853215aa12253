#include "daemon/offload_switches.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/ranges.h>

#include "daemon/log.hpp"

namespace sluice::daemon {

OffloadSwitches OffloadSwitches::from_disable_list(const char* list) {
  OffloadSwitches switches;
  if (list == nullptr) return switches;
  std::string_view rest(list);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view word = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (word == "vnet") {
      switches.vnet = false;
      switches.tap_vnet = false;
    } else if (word == "tap-vnet") {
      switches.tap_vnet = false;
    } else if (word == "uso") {
      switches.uso = false;
    } else if (word == "gso") {
      switches.gso = false;
    } else if (word == "gro") {
      switches.gro = false;
    } else if (word == "uring") {
      switches.uring = false;
    } else if (word == "multishot-reads") {
      switches.multishot_reads = false;
    } else if (word == "avx512") {
      switches.crypto_code = std::min(switches.crypto_code, crypto::TransportCode::avx2);
    } else if (word == "avx2") {
      switches.crypto_code = std::min(switches.crypto_code, crypto::TransportCode::avx);
    } else if (word == "avx") {
      switches.crypto_code = std::min(switches.crypto_code, crypto::TransportCode::sse);
    } else if (word == "ipsec-mb") {
      switches.crypto_code = crypto::TransportCode::libsodium;
    } else if (!word.empty()) {
      Log::warning(
          "SLUICE_DISABLE: unknown feature '{}' ignored (known: vnet, tap-vnet, uso, gso, gro, uring, "
          "multishot-reads, avx512, avx2, avx, ipsec-mb)",
          word);
    }
  }
  std::vector<std::string> notes;
  if (!switches.vnet) notes.emplace_back("no TUN offloads");
  if (!switches.tap_vnet) notes.emplace_back("no TAP offloads for L2 segments");
  if (!switches.uso) notes.emplace_back("no UDP super-packets for TUN and TAP devices");
  if (!switches.gso) notes.emplace_back("no UDP GSO");
  if (!switches.gro) notes.emplace_back("no UDP GRO");
  if (!switches.uring) notes.emplace_back("no io_uring");
  if (!switches.multishot_reads && switches.uring) notes.emplace_back("devices read by plain reads");
  if (switches.crypto_code == crypto::TransportCode::libsodium) {
    notes.emplace_back("crypto through libsodium, not Intel IPsec Multi-Buffer");
  } else if (switches.crypto_code != crypto::TransportCode::avx512 && !crypto::ipsec_mb_built_in()) {
    notes.emplace_back("crypto caps ignored: this build has no Intel IPsec Multi-Buffer, libsodium seals anyway");
  } else if (switches.crypto_code != crypto::TransportCode::avx512) {
    const char* name = crypto::transport_code_name(switches.crypto_code);
    const bool oldest = switches.crypto_code == crypto::TransportCode::sse;
    notes.push_back(fmt::format("crypto in {} code{}", name, oldest ? "" : " at most"));
  }
  if (!notes.empty()) Log::info("SLUICE_DISABLE={}: {}", list, fmt::join(notes, "; "));
  return switches;
}

}  // namespace sluice::daemon
