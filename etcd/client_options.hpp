// Where and how to reach etcd: shared by the Client (unary calls) and the Watch (its stream).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret_text.hpp"

namespace sluice::etcd {

struct ClientOptions {
  // "http://HOST:PORT" or "https://HOST:PORT"; the next one is tried when one cannot be reached,
  // so any member of a cluster may be down.
  std::vector<std::string> endpoints;
  // TLS: the CA that signed the server certificates, and our client certificate and key (the
  // server's --client-cert-auth). Unset means the system's CAs and no client certificate.
  std::optional<std::filesystem::path> ca_file, cert_file, key_file;
  // etcd's own users (auth enable): a token is fetched with these and renewed when it expires.
  std::optional<std::string> username;
  std::optional<crypto::SecretText> password;  // never logged, wiped when it goes
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{3000};

  // A second copy, for a Client and a Watch of the same cluster (SecretText is move-only on purpose).
  [[nodiscard]] ClientOptions clone() const;
};

}  // namespace sluice::etcd
