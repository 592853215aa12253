// libbpf's messages (among them the verifier's log when the kernel refuses a program), captured
// while a LibbpfLog lives, so that errors can quote them instead of printing to stderr.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sluice::bpf {

// Errors of loading, pinning, attaching and reading the BPF program and maps; the message names
// the interface or path, the reason (errno text) and, where libbpf said more, its last lines.
class BpfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LibbpfLog {
 public:
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;

  // The last `lines` lines libbpf printed, joined by "\n".
  [[nodiscard]] std::string tail(std::size_t lines) const;

 private:
  std::string text_;
  void* previous_;
};

// "WHAT: ERRNO TEXT" from a libbpf return value (a negative errno), with DETAIL on lines below.
[[noreturn]] void throw_bpf_error(const std::string& what, int libbpf_result, const std::string& detail = {});

}  // namespace sluice::bpf
