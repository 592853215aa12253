// An answer on the control socket, produced one part at a time: a get with 100,000 peers is tens
// of megabytes, and the event loop that writes it also carries the tunnel's packets. The control
// socket asks for the next part only when the client has taken the last one, and for one part per
// turn of the loop, so a long answer never holds the data path for more than one part's work.
#pragma once

#include <cstddef>
#include <string>

namespace sluice::daemon {

// The room the control socket reserves for each part.
inline constexpr std::size_t kControlPartBytes = 512 << 10;

class ControlAnswer {
 public:
  virtual ~ControlAnswer() = default;
  // Appends the next part to `out` and returns whether more parts follow. Parts may hold keys:
  // `out` has room reserved by the caller, and a part that does not fit ends early rather than
  // making `out` grow (a grown string would leave a copy in freed memory); on an empty `out` the
  // part reserves what it needs first.
  virtual bool next(std::string& out) = 0;
};

}  // namespace sluice::daemon
