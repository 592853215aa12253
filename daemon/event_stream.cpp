#include "daemon/event_stream.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <optional>
#include <vector>

#include "daemon/event_format.hpp"
#include "daemon/log.hpp"

namespace sluice::daemon {
namespace {

// How much is handed to one send(): a burst of lines costs few system calls.
constexpr std::size_t kSendChunk = 64 << 10;

void refuse(int fd, int error) {
  const std::string answer = "errno=" + std::to_string(error) + "\n\n";
  // Best effort: a fresh socket takes these few bytes at once.
  [[maybe_unused]] const ssize_t sent = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// The format asked for: text unless "format=json"; nothing for a malformed request.
std::optional<bool> wants_json(std::string_view request) {
  if (request == "events=1\n\n" || request == "events=1\nformat=text\n\n") return false;
  if (request == "events=1\nformat=json\n\n") return true;
  return std::nullopt;
}

std::string line_for(const Event& event, std::string_view ifname, bool json) {
  return json ? event_json_line(event, ifname) : event_text_line(event, ifname);
}

}  // namespace

EventStream::Subscriber::Subscriber(platform::UniqueFd socket, bool as_json, const std::string& ifname)
    : fd(std::move(socket)), json(as_json), queue(kEventQueueLines, [ifname, as_json](std::uint64_t count) {
        return line_for(lost_event(count), ifname, as_json);
      }) {}

EventStream::~EventStream() {
  for (const auto& [fd, subscriber] : subscribers_) loop_.remove(fd);
}

void EventStream::subscribe(platform::UniqueFd fd, std::string_view request) {
  const std::optional<bool> json = wants_json(request);
  if (!json) {
    Log::warning("control: refused a malformed events request");
    refuse(fd.get(), EINVAL);
    return;
  }
  if (subscribers_.size() >= kMaxSubscribers) {
    Log::warning("control: refused an events request: {} subscribers already", subscribers_.size());
    refuse(fd.get(), EBUSY);
    return;
  }
  const int raw = fd.get();
  auto subscriber = std::make_unique<Subscriber>(std::move(fd), *json, ifname_);
  subscriber->queue.push(line_for(subscribed_event(), ifname_, *json));
  subscribers_[raw] = std::move(subscriber);
  pending_ = true;
  // Edge-triggered, as captures are: EPOLLOUT only when the socket turns writable again, so a
  // stalled reader wakes nobody; EPOLLIN/RDHUP tell that the client closed.
  loop_.add(raw, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
            [this, raw](std::uint32_t events) { on_event(raw, events); });
  Log::info("event stream started ({} following)", subscribers_.size());
}

void EventStream::publish(const Event& event) {
  if (subscribers_.empty()) return;
  // Each format is made once, whatever the number of subscribers.
  std::optional<std::string> text;
  std::optional<std::string> json;
  std::vector<int> broken;
  for (auto& [fd, subscriber] : subscribers_) {
    // A burst larger than the queue (a setconf of many peers, all in one turn of the loop) goes
    // to a reader that keeps up as far as its socket takes it, rather than being lost.
    if (subscriber->queue.size() + 1 >= kEventQueueLines && !subscriber->blocked && !pump(*subscriber)) {
      broken.push_back(fd);
      continue;
    }
    std::optional<std::string>& line = subscriber->json ? json : text;
    if (!line) line = line_for(event, ifname_, subscriber->json);
    subscriber->queue.push(*line);
  }
  for (const int fd : broken) close(fd);
  pending_ = true;
}

void EventStream::flush() {
  if (!pending_) return;
  pending_ = false;
  std::vector<int> finished;
  for (auto& [fd, subscriber] : subscribers_) {
    if (!subscriber->blocked && !pump(*subscriber)) finished.push_back(fd);
  }
  for (const int fd : finished) close(fd);
}

bool EventStream::pump(Subscriber& subscriber) noexcept {
  for (;;) {
    if (subscriber.sent == subscriber.out.size()) {
      subscriber.out.clear();
      subscriber.sent = 0;
      while (!subscriber.queue.empty() && subscriber.out.size() < kSendChunk) {
        subscriber.out.append(subscriber.queue.pop());
      }
      if (subscriber.out.empty()) return true;
    }
    const ssize_t n = ::send(subscriber.fd.get(), subscriber.out.data() + subscriber.sent,
                             subscriber.out.size() - subscriber.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      subscriber.sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      subscriber.blocked = true;
      return true;
    } else {
      return false;
    }
  }
}

void EventStream::on_event(int fd, std::uint32_t events) {
  const auto it = subscribers_.find(fd);
  if (it == subscribers_.end()) return;
  Subscriber& subscriber = *it->second;
  if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
    close(fd);
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0 && !subscriber.read_closed) {
    // The client sends nothing after its request: bytes break the protocol and end the stream
    // (draining a client that keeps writing would hold the loop). A half-close only says that it
    // is done writing; a full close comes as EPOLLHUP, or as a failed send.
    std::array<char, 64> probe{};
    ssize_t n = 0;
    do {
      n = ::recv(fd, probe.data(), probe.size(), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) Log::warning("events: the client sent data after its request; closed");
    if (n > 0 || (n < 0 && errno != EAGAIN)) {
      close(fd);
      return;
    }
    subscriber.read_closed = n == 0;
  }
  if ((events & EPOLLOUT) != 0) subscriber.blocked = false;
  if (!pump(subscriber)) close(fd);
}

void EventStream::close(int fd) {
  const auto it = subscribers_.find(fd);
  if (it == subscribers_.end()) return;
  Log::info("event stream ended: {} events lost ({} still following)", it->second->queue.lost_total(),
            subscribers_.size() - 1);
  loop_.remove(fd);
  subscribers_.erase(it);
}

}  // namespace sluice::daemon
