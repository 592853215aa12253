#include "cni/version.hpp"

#include <algorithm>

namespace sluice::cni {

bool is_supported_version(std::string_view version) noexcept {
  return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), version) != kSupportedVersions.end();
}

bool has_status_and_gc(std::string_view version) noexcept { return version == "1.1.0"; }

bool is_pre_1_0(std::string_view version) noexcept { return version.starts_with("0."); }

nlohmann::json version_json() {
  nlohmann::json supported = nlohmann::json::array();
  for (const std::string_view version : kSupportedVersions) supported.push_back(version);
  return {{"cniVersion", kNewestVersion}, {"supportedVersions", supported}};
}

}  // namespace sluice::cni
