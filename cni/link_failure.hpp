// The kernel side's failures as CNI errors.
#pragma once

#include "cni/cni_error.hpp"
#include "cni/container_link.hpp"

namespace sluice::cni {

// no_netns -> 3 (container unknown), exists -> 101, os -> 5 (I/O failure).
[[nodiscard]] CniError link_failure(const LinkError& error);

}  // namespace sluice::cni
