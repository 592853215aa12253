// A uapi::SetRequest written out as a set=1 request of the userspace protocol: the inverse of
// the daemon's parse_set_request, so `set`, `reload` and the daemon share one typed request.
#pragma once

#include "crypto/secret_text.hpp"
#include "uapi/set_request.hpp"

namespace sluice::ctl {

// "set=1\n", key=value lines in the protocol's order, and the empty line that ends the request.
// Keys are written as hex; the result holds any private and preshared keys of the request.
[[nodiscard]] crypto::SecretText set_request_text(const uapi::SetRequest& request);

}  // namespace sluice::ctl
