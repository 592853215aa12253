#include "daemon/tun_name_conflict.hpp"

#include <net/if.h>
// After <net/if.h>: it pulls <linux/if.h>, whose flag names clash with glibc's.
#include <linux/if_tun.h>

#include <cerrno>
#include <optional>

#include "platform/os_error.hpp"
#include "platform/small_file.hpp"
#include "tunnel/parse_number.hpp"

namespace sluice::daemon {
namespace {

// The device's TUN flags (IFF_TUN or IFF_TAP, ...) from sysfs; nothing for a device of another
// kind, or none.
std::optional<unsigned> tun_flags(const std::string& name) {
  try {
    std::string text = platform::read_small_file("/sys/class/net/" + name + "/tun_flags", 64);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.starts_with("0x")) text.erase(0, 2);
    return tunnel::parse_unsigned<unsigned>(text, 16);
  } catch (const std::system_error&) {
    return std::nullopt;
  }
}

}  // namespace

void throw_tunsetiff_error(const std::string& name, TunKind wanted, int error) {
  const std::string kind = wanted == TunKind::tun ? "TUN" : "TAP";
  std::string what = name + ": cannot create " + kind + " device";
  if (error == EINVAL && ::if_nametoindex(name.c_str()) != 0) {
    const std::optional<unsigned> flags = tun_flags(name);
    std::string holder = "a network device of another kind";
    if (flags && (*flags & IFF_TAP) != 0) holder = "a TAP device";
    if (flags && (*flags & IFF_TUN) != 0) holder = "a TUN device";
    what +=
        " (" + holder + " has this name already: see `ip -d link show " + name + "`; delete it or choose another name)";
  } else if (error == EBUSY) {
    what += " (another process has the " + kind + " device " + name + " open: another sluiced or wireguard-go?)";
  }
  platform::throw_os_error(what, error);
}

}  // namespace sluice::daemon
