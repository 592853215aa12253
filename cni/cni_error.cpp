#include "cni/cni_error.hpp"

#include <utility>

namespace sluice::cni {

CniError::CniError(ErrorCode code, const std::string& msg, std::string details)
    : std::runtime_error(msg), code_(code), details_(std::move(details)) {}

nlohmann::json error_json(const std::string& cni_version, const CniError& error) {
  nlohmann::json json{
      {"cniVersion", cni_version}, {"code", static_cast<unsigned>(error.code())}, {"msg", error.what()}};
  if (!error.details().empty()) json["details"] = error.details();
  return json;
}

}  // namespace sluice::cni
