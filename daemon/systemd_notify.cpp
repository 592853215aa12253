#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstring>

#include "daemon/log.hpp"

namespace sluice::daemon {

namespace {

void notify(const char* state) {
  // A failed notice is not fatal: systemd's own start timeout reports a daemon it never heard from.
  const int result = ::sd_notify(0, state);
  if (result < 0) Log::warning("cannot notify systemd ({}): {}", state, std::strerror(-result));
}

}  // namespace

void notify_ready() { notify("READY=1"); }

void notify_stopping() { notify("STOPPING=1"); }

}  // namespace sluice::daemon
