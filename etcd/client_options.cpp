#include "etcd/client_options.hpp"

namespace sluice::etcd {

ClientOptions ClientOptions::clone() const {
  ClientOptions copy;
  copy.endpoints = endpoints;
  copy.ca_file = ca_file;
  copy.cert_file = cert_file;
  copy.key_file = key_file;
  copy.username = username;
  if (password) {
    // Reserved up front: appending never reallocates, so no unwiped buffer is left behind.
    copy.password.emplace(password->str().size());
    copy.password->str().append(password->str());
  }
  copy.connect_timeout = connect_timeout;
  copy.request_timeout = request_timeout;
  return copy;
}

}  // namespace sluice::etcd
