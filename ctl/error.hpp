// The one exception sluicectl's commands throw for a failure the user must see: its message is a
// single line (no "sluicectl: " prefix; main adds it) that names the interface or file concerned.
#pragma once

#include <stdexcept>

namespace sluice::ctl {

class CtlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sluice::ctl
