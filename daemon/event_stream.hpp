// The event stream of one interface (`sluicectl events`): a control connection whose request is
//   events=1\n[format=text|json\n]\n
// turns into a stream of lines, one per event (daemon/event_format.hpp), the first a `subscribed`
// event, until the client closes it (a half-close, as `socat` makes at the end of its input, is
// not an end: the client may still read). A refused request gets "errno=N\n\n" instead (EINVAL:
// malformed; EBUSY: too many subscribers). Any number of readers up to kMaxSubscribers may follow
// at once, each with its own bounded queue: a reader that is slow or stopped loses events (and is
// told how many, in order, when it catches up), never holds up the daemon. Writes are
// non-blocking and wait for EPOLLOUT; publish() only queues, flush() writes once per turn of the
// loop. Everything runs on the loop's thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "daemon/event.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_queue.hpp"
#include "platform/unique_fd.hpp"

namespace sluice::daemon {

inline constexpr std::size_t kEventQueueLines = 1024;
inline constexpr std::size_t kMaxSubscribers = 32;

class EventStream {
 public:
  EventStream(EventLoop& loop, std::string ifname) : loop_(loop), ifname_(std::move(ifname)) {}
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Takes over the non-blocking connection `fd` whose request was `request` (see above).
  void subscribe(platform::UniqueFd fd, std::string_view request);

  // Someone follows: only then is an event worth building.
  [[nodiscard]] bool active() const noexcept { return !subscribers_.empty(); }
  // Queues `event` for every subscriber (nothing without one).
  void publish(const Event& event);
  // Writes what the queues hold to sockets not known to be full. Call once per turn of the loop.
  void flush();

 private:
  struct Subscriber {
    Subscriber(platform::UniqueFd socket, bool as_json, const std::string& ifname);
    platform::UniqueFd fd;
    bool json;
    EventQueue queue;
    std::string out;  // lines taken from the queue, being sent
    std::size_t sent = 0;
    bool blocked = false;      // the socket said EAGAIN; wait for EPOLLOUT
    bool read_closed = false;  // the client half-closed
  };

  void on_event(int fd, std::uint32_t events);
  // False when the subscriber is gone and must be closed.
  [[nodiscard]] static bool pump(Subscriber& subscriber) noexcept;
  void close(int fd);

  EventLoop& loop_;
  std::string ifname_;
  std::unordered_map<int, std::unique_ptr<Subscriber>> subscribers_;
  bool pending_ = false;  // published since the last flush()
};

}  // namespace sluice::daemon
