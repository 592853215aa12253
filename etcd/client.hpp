// Unary calls to etcd v3 through its JSON gateway (keys, compare-and-swap, leases, compaction).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/client_options.hpp"
#include "etcd/error.hpp"
#include "etcd/session.hpp"

namespace sluice::etcd {

struct KeyValue {
  std::string key, value;
  std::int64_t create_revision = 0, mod_revision = 0, version = 0, lease = 0;
};

struct RangeResult {
  std::int64_t revision = 0;  // the store's revision the answer was read at (a watch resumes after it)
  std::vector<KeyValue> kvs;
};

// One curl handle reused for every call (keep-alive). Not thread-safe: one Client per thread.
// Every call throws Error (see error.hpp for what each kind asks of the caller).
class Client {
 public:
  explicit Client(ClientOptions options);

  RangeResult get(std::string_view key);
  // Every key that starts with `prefix`, sorted by key, read at one revision (in pages, so a big
  // prefix never hits the gateway's message size limit).
  RangeResult get_prefix(std::string_view prefix);
  // Puts only if the key does not exist (a transaction on create_revision == 0); true if created.
  bool create(std::string_view key, std::string_view value, std::int64_t lease = 0);
  // Puts only if the key was last modified at `mod_revision` (compare-and-swap); true if replaced.
  bool replace(std::string_view key, std::string_view value, std::int64_t mod_revision, std::int64_t lease = 0);
  // Puts unconditionally; returns the revision of the put.
  std::int64_t put(std::string_view key, std::string_view value, std::int64_t lease = 0);
  // Whether the key existed.
  bool remove(std::string_view key);

  // A lease of `ttl`; keys attached to it go when it expires or is revoked. Returns its id.
  std::int64_t grant_lease(std::chrono::seconds ttl);
  // Renews the lease; returns its remaining TTL in seconds, 0 when it is gone.
  std::int64_t keep_alive(std::int64_t lease);
  // The remaining TTL in seconds without renewing; -1 when the lease is gone.
  std::int64_t time_to_live(std::int64_t lease);
  // Ends the lease now and deletes its keys; no error if it is already gone.
  void revoke_lease(std::int64_t lease);
  // Drops history before `revision`; no error if it was compacted already.
  void compact(std::int64_t revision);

 private:
  bool put_if(const char* target, const char* field, std::int64_t expected, std::string_view key,
              std::string_view value, std::int64_t lease);

  Session session_;
};

}  // namespace sluice::etcd
