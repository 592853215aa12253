#include "cni/host_names.hpp"

#include <sodium.h>

#include <array>
#include <cstdio>

namespace sluice::cni {
namespace {

constexpr std::string_view kAliasPrefix = "sluice-cni ";

}  // namespace

std::string host_ifname(std::string_view network, std::string_view container_id, std::string_view ifname) {
  std::string input;
  input.append(network).push_back('\0');
  input.append(container_id).push_back('\0');
  input.append(ifname);
  // libsodium's shortest BLAKE2b output; the name takes its first 4 bytes.
  std::array<unsigned char, crypto_generichash_BYTES_MIN> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                     nullptr, 0);
  std::string name = "sluice";
  for (std::size_t i = 0; i < 4; ++i) {
    std::array<char, 3> hex{};
    std::snprintf(hex.data(), hex.size(), "%02x", digest[i]);
    name += hex.data();
  }
  return name;
}

std::string host_alias(std::string_view network, std::string_view container_id, std::string_view ifname) {
  std::string alias(kAliasPrefix);
  alias.append(network).append(" ").append(container_id).append(" ").append(ifname);
  return alias;
}

std::optional<AliasParts> parse_host_alias(std::string_view alias) {
  if (!alias.starts_with(kAliasPrefix)) return std::nullopt;
  alias.remove_prefix(kAliasPrefix.size());
  std::array<std::string, 3> parts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto space = alias.find(' ');
    const bool last = i + 1 == parts.size();
    if (last != (space == std::string_view::npos)) return std::nullopt;
    parts[i] = std::string(alias.substr(0, space));
    if (parts[i].empty()) return std::nullopt;
    if (!last) alias.remove_prefix(space + 1);
  }
  return AliasParts{parts[0], parts[1], parts[2]};
}

}  // namespace sluice::cni
