// Prometheus metrics over HTTP/1.0 (`metrics_listen` in the config; off by default): GET /metrics
// answers the text exposition format 0.0.4 with the counters of stats=1, peers labelled by the
// first 8 characters of their base64 public key. Runs on the interface's event loop, never
// blocks: requests are bounded in size, connections in number, and each is closed after its one
// answer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/event_loop.hpp"
#include "daemon/stats.hpp"
#include "platform/unique_fd.hpp"
#include "policy/policy.hpp"
#include "tunnel/device.hpp"
#include "tunnel/endpoint.hpp"

namespace sluice::daemon {

// The exposition text for one interface; `extra` are interface counters beyond the core's (l2_*),
// `policy` adds the rules' counters and flows (daemon/flows_answer.hpp).
[[nodiscard]] std::string render_metrics(std::string_view ifname, const tunnel::Device& device,
                                         const std::vector<NamedCounter>& extra = {},
                                         const policy::Policy* policy = nullptr);

// The whole HTTP answer to the request whose head (up to the first empty line) is `head`.
[[nodiscard]] std::string metrics_http_answer(std::string_view head, const std::function<std::string()>& render);

class MetricsServer {
 public:
  // Binds and listens on `address` (TCP); throws std::system_error naming it on failure.
  MetricsServer(EventLoop& loop, const tunnel::Endpoint& address, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

 private:
  struct Connection {
    platform::UniqueFd fd;
    std::string in;
    std::string out;  // the answer, once the request is complete
    std::size_t sent = 0;
    std::uint64_t serial = 0;  // age, to drop the oldest when too many are open
  };

  void accept_all();
  void on_event(int fd, std::uint32_t events);
  void close(int fd);

  EventLoop& loop_;
  platform::UniqueFd listener_;
  std::function<std::string()> render_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::uint64_t next_serial_ = 0;
};

}  // namespace sluice::daemon
