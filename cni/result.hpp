// The ADD result and prevResult: the spec's interfaces, ips, routes and dns, written in the form
// of the config's cniVersion (0.4.0 puts "version" into each ips entry, 1.x does not).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/ip_address.hpp"

namespace sluice::cni {

struct ResultInterface {
  std::string name;
  std::string mac;
  std::string sandbox;  // empty for host interfaces
};

struct ResultIp {
  tunnel::IpPrefix address;
  std::optional<tunnel::IpAddress> gateway;
  std::optional<std::size_t> interface;  // index into interfaces
};

struct ResultRoute {
  tunnel::IpPrefix dst;
  std::optional<tunnel::IpAddress> gw;
};

struct Result {
  std::vector<ResultInterface> interfaces;
  std::vector<ResultIp> ips;
  std::vector<ResultRoute> routes;
  nlohmann::json dns = nlohmann::json::object();
};

[[nodiscard]] nlohmann::json result_json(const Result& result, std::string_view cni_version);

// A prevResult of any supported version. Throws CniError(7) naming the bad field.
[[nodiscard]] Result parse_result(const nlohmann::json& json);

// prevResult with `ours` appended (interface indexes shifted past the earlier plugins'), in the
// form of `cni_version`. Fields sluice does not model (1.1.0's route mtu, interface socketPath...)
// pass through untouched, so chaining keeps what earlier plugins said. dns: the earlier plugins'
// unless empty. Throws CniError(7) when prevResult is malformed.
[[nodiscard]] nlohmann::json append_result(const nlohmann::json& prev_result, const Result& ours,
                                           std::string_view cni_version);

}  // namespace sluice::cni
