// What went wrong talking to etcd, sorted by what the caller does about it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sluice::etcd {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    // No endpoint answered (refused, timed out, 5xx, no leader, a broken stream): retry with backoff.
    unavailable,
    // TLS verification failed, our client certificate was rejected, authentication failed or
    // permission was denied: retrying will not help; the message names the endpoint and the reason.
    refused,
    // The watch's start revision was compacted away; compact_revision() is the oldest one still held.
    compacted,
    // A malformed or unexpected answer, or a request etcd rejected as invalid.
    invalid,
  };

  Error(Kind kind, const std::string& message, std::int64_t compact_revision = 0)
      : std::runtime_error(message), kind_(kind), compact_revision_(compact_revision) {}

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] std::int64_t compact_revision() const noexcept { return compact_revision_; }

 private:
  Kind kind_;
  std::int64_t compact_revision_;
};

}  // namespace sluice::etcd
