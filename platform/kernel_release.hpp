// The running kernel's release, for what a feature probe cannot tell (a known bug fixed in a
// later release).
#pragma once

namespace sluice::platform {

// Whether uname's release is MAJOR.MINOR or later; false when it cannot be read.
[[nodiscard]] bool kernel_at_least(int major, int minor) noexcept;

}  // namespace sluice::platform
