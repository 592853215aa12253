#include "bpf/libbpf_call.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sluice::bpf {

namespace {

// libbpf's print callback is process-wide; the text goes to the capturing thread's own log.
thread_local std::string* captured = nullptr;

int capture(enum libbpf_print_level level, const char* format, va_list args) {
  if (captured == nullptr || level == LIBBPF_DEBUG) return 0;
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (size <= 0) return 0;
  std::vector<char> buffer(static_cast<std::size_t>(size) + 1);
  std::vsnprintf(buffer.data(), buffer.size(), format, args);
  captured->append(buffer.data(), static_cast<std::size_t>(size));
  return size;
}

}  // namespace

LibbpfLog::LibbpfLog() : previous_(reinterpret_cast<void*>(libbpf_set_print(capture))) { captured = &text_; }

LibbpfLog::~LibbpfLog() {
  captured = nullptr;
  libbpf_set_print(reinterpret_cast<libbpf_print_fn_t>(previous_));
}

std::string LibbpfLog::tail(std::size_t lines) const {
  std::size_t start = text_.size();
  while (start > 0 && text_[start - 1] == '\n') --start;
  const std::size_t end = start;
  for (std::size_t seen = 0; start > 0; --start) {
    if (text_[start - 1] == '\n' && ++seen == lines) break;
  }
  return text_.substr(start, end - start);
}

void throw_bpf_error(const std::string& what, int libbpf_result, const std::string& detail) {
  std::string message = what + ": " + std::strerror(libbpf_result < 0 ? -libbpf_result : libbpf_result);
  if (!detail.empty()) message += "\n" + detail;
  throw BpfError(message);
}

}  // namespace sluice::bpf
