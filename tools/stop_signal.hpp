// The way the load tools stop early: SIGTERM or SIGINT sets a flag their send loops read, so they
// end their loop and report what they did instead of dying mid-batch.
#pragma once

#include <csignal>

namespace sluice::tools {

inline volatile std::sig_atomic_t g_stop = 0;

// Makes SIGTERM and SIGINT set g_stop.
inline void stop_on_term_and_int() {
  struct sigaction action {};
  action.sa_handler = [](int) { g_stop = 1; };
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

}  // namespace sluice::tools
