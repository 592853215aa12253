#include "config/wg_quick_shape.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "uapi/lines.hpp"

namespace sluice::config {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

bool looks_like_wg_quick(std::string_view text) {
  static constexpr std::array<std::string_view, 3> kKeys{"PrivateKey", "PublicKey", "AllowedIPs"};
  while (!text.empty()) {
    const std::string_view line = trim(uapi::take_line(text));
    if (line == "[Interface]" || line == "[Peer]") return true;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, equals));
    // wg-quick reads keys without regard to case; sluice's own keys have an underscore.
    for (const std::string_view known : kKeys) {
      if (std::ranges::equal(key, known, [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace sluice::config
