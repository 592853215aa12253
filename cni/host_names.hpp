// Names of the host side of an attachment. The interface name is a hash, so it fits IFNAMSIZ
// whatever the container ID; the alias spells the attachment out, so GC can find our veths
// without trusting the data dir.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::cni {

// "sluice" + 8 lowercase hex of BLAKE2b(network "\0" containerID "\0" ifname).
[[nodiscard]] std::string host_ifname(std::string_view network, std::string_view container_id, std::string_view ifname);

// "sluice-cni NETWORK CONTAINERID IFNAME"
[[nodiscard]] std::string host_alias(std::string_view network, std::string_view container_id, std::string_view ifname);

struct AliasParts {
  std::string network, container_id, ifname;
};

// The parts of an alias host_alias made; nullopt for any other text.
[[nodiscard]] std::optional<AliasParts> parse_host_alias(std::string_view alias);

}  // namespace sluice::cni
