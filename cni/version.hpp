// The CNI spec versions sluice speaks, and VERSION's answer.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

namespace sluice::cni {

inline constexpr std::string_view kNewestVersion = "1.1.0";
inline constexpr std::array<std::string_view, 3> kSupportedVersions = {"0.4.0", "1.0.0", "1.1.0"};

[[nodiscard]] bool is_supported_version(std::string_view version) noexcept;

// STATUS and GC came with 1.1.0; a config of an older version has no such verbs.
[[nodiscard]] bool has_status_and_gc(std::string_view version) noexcept;

// 0.4.0 results carry "version" in each ips entry; 1.x results do not.
[[nodiscard]] bool is_pre_1_0(std::string_view version) noexcept;

// {"cniVersion": "1.1.0", "supportedVersions": [...]}
[[nodiscard]] nlohmann::json version_json();

}  // namespace sluice::cni
