// A wg-quick file given where sluice's TOML belongs (renamed to .toml, or passed to --config) fails
// to load with a TOML error that does not say what is wrong; recognizing its shape lets the error
// point at `sluicectl import`.
#pragma once

#include <string_view>

namespace sluice::config {

// True when a line of `text` is wg-quick's "[Interface]" or "[Peer]" (sluice's sections are lower
// case) or sets "PrivateKey", "PublicKey" or "AllowedIPs" (in any case, as wg-quick reads them).
[[nodiscard]] bool looks_like_wg_quick(std::string_view text);

}  // namespace sluice::config
