// The CNI spec's error object: a code, a message and details, printed on standard output with exit
// status 1. Codes below 100 are the spec's well-known ones; 100 and up are sluice's own.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace sluice::cni {

enum class ErrorCode : unsigned {
  incompatible_version = 1,
  unsupported_field = 2,
  unknown_container = 3,
  invalid_environment = 4,
  io_failure = 5,
  decode_failure = 6,
  invalid_config = 7,
  try_again_later = 11,
  not_available = 50,
  limited_connectivity = 51,
  no_free_address = 100,   // the node's subnet is full
  interface_taken = 101,   // CNI_IFNAME or our host-side name already exists
  check_mismatch = 102,    // CHECK found the attachment differing from prevResult
  policy_too_large = 103,  // sluiced's policy compiles into more rules than the eBPF program holds
};

class CniError : public std::runtime_error {
 public:
  CniError(ErrorCode code, const std::string& msg, std::string details = {});
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& details() const noexcept { return details_; }

 private:
  ErrorCode code_;
  std::string details_;
};

// {"cniVersion", "code", "msg", "details"?}
[[nodiscard]] nlohmann::json error_json(const std::string& cni_version, const CniError& error);

}  // namespace sluice::cni
