// The one exception the control tools (sluicectl; the mesh agent and the CNI plugin to come) throw
// for a failure their user must see, from the control protocol (no daemon, a refused request, a
// malformed answer) or from their own work: its message is a single line (no program prefix; main
// adds it) that names the interface or file concerned.
#pragma once

#include <stdexcept>

namespace sluice::uapi {

class ControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The interface's daemon speaks the standard protocol but not sluiced's additions (stats=1, fdb=1,
// capture=1): wireguard-go, say, whose sockets share the control directory. Listings of every
// interface skip it; a command that names it fails with this message.
class NotSluicedError : public ControlError {
 public:
  using ControlError::ControlError;
};

}  // namespace sluice::uapi
