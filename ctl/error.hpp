// The one exception sluicectl's commands throw for a failure the user must see: its message is a
// single line (no "sluicectl: " prefix; main adds it) that names the interface or file concerned.
#pragma once

#include <stdexcept>

namespace sluice::ctl {

class CtlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The interface's daemon speaks the standard protocol but not sluiced's additions (stats=1, fdb=1,
// capture=1): wireguard-go, say, whose sockets share the control directory. Listings of every
// interface skip it; a command that names it fails with this message.
class NotSluicedError : public CtlError {
 public:
  using CtlError::CtlError;
};

}  // namespace sluice::ctl
