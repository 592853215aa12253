// The daemon's side of a control request, faked for unit tests: what daemon::handle_request acts
// on, without sockets. Records socket changes, keepalive requests and published events, and can
// be told to fail a socket change.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "crypto/memory.hpp"
#include "daemon/event.hpp"
#include "daemon/uapi.hpp"
#include "tunnel/device.hpp"

namespace sluice::test {

class FakeUapiTarget : public daemon::UapiTarget {
 public:
  explicit FakeUapiTarget(tunnel::Device& device) : device_(device) {}

  tunnel::Device& device() override { return device_; }
  [[nodiscard]] std::uint16_t listen_port() const override { return port; }
  int set_listen_port(std::uint16_t new_port) override {
    port_requests.push_back(new_port);
    if (port_error != 0) return port_error;
    port = new_port == 0 ? 43210 : new_port;
    return 0;
  }
  [[nodiscard]] std::uint32_t fwmark() const override { return mark; }
  int set_fwmark(std::uint32_t new_mark) override {
    fwmark_requests.push_back(new_mark);
    if (fwmark_error != 0) return fwmark_error;
    mark = new_mark;
    return 0;
  }
  [[nodiscard]] tunnel::Instant now() const override { return std::chrono::seconds(1000); }
  void persistent_keepalive_enabled(tunnel::Peer& peer) override { keepalives.push_back(peer.public_key()); }
  [[nodiscard]] bool publishing() const override { return publishes; }
  void publish(const daemon::Event& event) override { events.push_back(event); }

  std::uint16_t port = 51820;
  std::uint32_t mark = 0;
  int port_error = 0;
  int fwmark_error = 0;
  // Whether set requests describe their changes as events (someone follows the stream).
  bool publishes = false;
  std::vector<std::uint16_t> port_requests;
  std::vector<std::uint32_t> fwmark_requests;
  std::vector<crypto::PublicKey> keepalives;
  std::vector<daemon::Event> events;

 private:
  tunnel::Device& device_;
};

}  // namespace sluice::test
