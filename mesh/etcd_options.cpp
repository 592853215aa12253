#include "mesh/etcd_options.hpp"

#include <system_error>

#include "platform/small_file.hpp"

namespace sluice::mesh {

etcd::ClientOptions etcd_client_options(const EtcdSettings& settings) {
  etcd::ClientOptions options;
  options.endpoints = settings.endpoints;
  options.ca_file = settings.ca_file;
  options.cert_file = settings.cert_file;
  options.key_file = settings.key_file;
  options.username = settings.username;
  if (settings.password_file) {
    crypto::SecretText password;
    try {
      password.str() = platform::read_small_file(*settings.password_file, 1024);
    } catch (const std::system_error& e) {
      throw std::system_error(e.code(), settings.password_file->string() + ": cannot read the etcd password");
    }
    while (!password.str().empty() && (password.str().back() == '\n' || password.str().back() == '\r')) {
      password.str().pop_back();
    }
    options.password = std::move(password);
  }
  return options;
}

}  // namespace sluice::mesh
