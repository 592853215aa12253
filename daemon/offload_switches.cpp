#include "daemon/offload_switches.hpp"

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
    } else if (word == "gso") {
      switches.gso = false;
    } else if (word == "gro") {
      switches.gro = false;
    } else if (word == "uring") {
      switches.uring = false;
    } else if (!word.empty()) {
      Log::warning("SLUICE_DISABLE: unknown feature '{}' ignored (known: vnet, gso, gro, uring)", word);
    }
  }
  if (!switches.vnet || !switches.gso || !switches.gro || !switches.uring) {
    Log::info("SLUICE_DISABLE={}: {}{}{}{}", list, switches.vnet ? "" : "no TUN offloads; ",
              switches.gso ? "" : "no UDP GSO; ", switches.gro ? "" : "no UDP GRO; ",
              switches.uring ? "" : "no io_uring");
  }
  return switches;
}

}  // namespace sluice::daemon
