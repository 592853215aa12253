// For the commands that stream until stopped (capture, events): Ctrl-C and SIGTERM end the stream
// cleanly, and a reader of stdout that goes away is a write error rather than a silent death.
#pragma once

namespace sluice::ctl {

// SIGINT and SIGTERM set the flag that stream_interrupted() reads, without SA_RESTART (so a
// blocking poll returns at once); SIGPIPE is ignored.
void catch_stream_signals();
[[nodiscard]] bool stream_interrupted() noexcept;

}  // namespace sluice::ctl
