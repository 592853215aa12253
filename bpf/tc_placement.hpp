// Where the container policy's programs sit: their pinned names and their filters' place in each
// clsact hook. The same in every process, so that detach and CHECK find what load and attach made.
#pragma once

#include <linux/types.h>

namespace sluice::bpf {

// The programs' names under the pin directory (their functions' names), beside the maps'.
inline constexpr const char* kToContainerPin = "sluice_to_container";
inline constexpr const char* kFromContainerPin = "sluice_from_container";

inline constexpr __u32 kTcHandle = 0x51c;
inline constexpr __u32 kTcPriority = 1;

}  // namespace sluice::bpf
