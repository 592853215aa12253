#include "daemon/metrics_server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "crypto/key_encoding.hpp"
#include "daemon/flows_answer.hpp"
#include "daemon/stats.hpp"
#include "platform/os_error.hpp"
#include "platform/socket_address.hpp"

namespace sluice::daemon {
namespace {

// A request head larger than this is not a metrics scraper.
constexpr std::size_t kMaxRequestHead = 4096;
// Scrapers open one connection at a time; more than this and the oldest is dropped.
constexpr std::size_t kMaxConnections = 16;

void append_family(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).push_back('\n');
}

std::string answer(std::string_view status, std::string_view content_type, std::string_view body) {
  std::string out("HTTP/1.0 ");
  out.append(status).append("\r\nContent-Type: ").append(content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\nConnection: close\r\n\r\n");
  return out.append(body);
}

}  // namespace

std::string render_metrics(std::string_view ifname, const tunnel::Device& device,
                           const std::vector<NamedCounter>& extra, const policy::Policy* policy) {
  std::string labels("interface=\"");
  labels.append(ifname).push_back('"');
  std::string out;
  std::vector<NamedCounter> counters = device_counters(device.counters());
  counters.insert(counters.end(), extra.begin(), extra.end());
  for (const NamedCounter& counter : counters) {
    std::string metric("sluice_interface_");
    metric.append(counter.name).append("_total");
    append_family(out, metric, "Interface-wide count of " + std::string(counter.help) + ".", "counter");
    out.append(metric).append("{").append(labels).append("} ").append(std::to_string(counter.value)).push_back('\n');
  }
  // One family per counter, with a sample for each peer; the public key prefix is enough to tell
  // peers apart on a dashboard and is not secret.
  std::vector<std::string> peer_labels;
  for (const auto& peer : device.peers()) {
    std::string label(labels);
    label.append(",peer=\"").append(crypto::encode_base64_key(peer->public_key().span()).substr(0, 8)).push_back('"');
    peer_labels.push_back(std::move(label));
  }
  if (policy != nullptr) append_policy_metrics(out, labels, *policy);
  if (device.peers().empty()) return out;
  for (const auto& field : tunnel::kPeerCounterFields) {
    std::string metric("sluice_peer_");
    metric.append(field.name).append("_total");
    append_family(out, metric, "Per-peer count of " + std::string(field.help) + ".", "counter");
    for (std::size_t p = 0; p < device.peers().size(); ++p) {
      const std::uint64_t value = device.peers()[p]->counters().*field.member;
      out.append(metric).append("{").append(peer_labels[p]).append("} ").append(std::to_string(value)).push_back('\n');
    }
  }
  append_family(out, "sluice_peer_last_handshake_seconds", "Unix time of the last handshake, 0 before the first.",
                "gauge");
  for (std::size_t p = 0; p < device.peers().size(); ++p) {
    const auto handshake = device.peers()[p]->last_handshake().value_or(std::chrono::nanoseconds{0});
    out.append("sluice_peer_last_handshake_seconds{").append(peer_labels[p]).append("} ");
    out.append(std::to_string(std::chrono::duration_cast<std::chrono::seconds>(handshake).count())).push_back('\n');
  }
  return out;
}

std::string metrics_http_answer(std::string_view head, const std::function<std::string()>& render) {
  const std::string_view line = head.substr(0, head.find_first_of("\r\n"));
  const std::size_t first_space = line.find(' ');
  const std::size_t second_space = line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos ||
      !line.substr(second_space + 1).starts_with("HTTP/")) {
    return answer("400 Bad Request", "text/plain", "bad request\n");
  }
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  if (method != "GET") return answer("405 Method Not Allowed", "text/plain", "only GET\n");
  if (target != "/metrics" && !target.starts_with("/metrics?"))
    return answer("404 Not Found", "text/plain", "try /metrics\n");
  return answer("200 OK", "text/plain; version=0.0.4; charset=utf-8", render());
}

MetricsServer::MetricsServer(EventLoop& loop, const tunnel::Endpoint& address, std::function<std::string()> render)
    : loop_(loop), render_(std::move(render)) {
  sockaddr_storage storage;
  const socklen_t length = platform::to_sockaddr(address.address, address.port, storage);
  const std::string where = "metrics_listen " + address.to_string();
  listener_.reset(::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener_.valid()) platform::throw_os_error("cannot create the socket for " + where);
  const int on = 1;
  ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    platform::throw_os_error("cannot bind " + where);
  }
  if (::listen(listener_.get(), 16) != 0) platform::throw_os_error("cannot listen on " + where);
  loop_.add(listener_.get(), EPOLLIN, [this](std::uint32_t) { accept_all(); });
}

MetricsServer::~MetricsServer() {
  for (const auto& [fd, connection] : connections_) loop_.remove(fd);
  loop_.remove(listener_.get());
}

void MetricsServer::accept_all() {
  for (;;) {
    platform::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;
    if (connections_.size() >= kMaxConnections) {
      const auto oldest = std::min_element(connections_.begin(), connections_.end(), [](const auto& a, const auto& b) {
        return a.second->serial < b.second->serial;
      });
      close(oldest->first);
    }
    const int raw = fd.get();
    auto connection = std::make_unique<Connection>();
    connection->fd = std::move(fd);
    connection->serial = next_serial_++;
    connections_[raw] = std::move(connection);
    // Edge-triggered, so waiting to write costs no wake-ups and needs no re-arming.
    loop_.add(raw, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
              [this, raw](std::uint32_t events) { on_event(raw, events); });
  }
}

void MetricsServer::on_event(int fd, std::uint32_t events) {
  const auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if ((events & EPOLLERR) != 0) {
    close(fd);
    return;
  }
  if (c.out.empty()) {
    std::array<char, 1024> chunk{};
    for (;;) {
      const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) {
        close(fd);
        return;
      }
      c.in.append(chunk.data(), static_cast<std::size_t>(n));
      if (c.in.size() > kMaxRequestHead) {
        close(fd);
        return;
      }
    }
    std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) end = c.in.find("\n\n");
    if (end == std::string::npos) return;
    c.out = metrics_http_answer(c.in, render_);
  }
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) break;
    c.sent += static_cast<std::size_t>(n);
  }
  close(fd);
}

void MetricsServer::close(int fd) {
  loop_.remove(fd);
  connections_.erase(fd);
}

}  // namespace sluice::daemon
