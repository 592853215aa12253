// Packet copy for `sluicectl capture`: a control connection whose request is `capture=1` turns
// into a pcap stream of the cleartext inner packets. The data path copies each packet into the
// capture's bounded ring, or counts it as dropped when the ring is full; the ring is drained to
// the socket without blocking, when the socket can take it. So a slow or stalled reader costs
// the tunnel a memcpy at most, and nothing at all once the ring is full or the client is gone.
//
// Stream: the pcap global header (LINKTYPE_RAW, host byte order, as pcap files are), then
// records. When the client half-closes its side, recording stops, the ring is drained, and a
// trailer ends the stream: a record header with ts_sec = ts_usec = 0xffffffff (never a valid
// time) followed by the 8-byte count of dropped copies; then the daemon closes. A refused
// request gets "errno=N\n\n" instead of the pcap header.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto/memory.hpp"
#include "daemon/event_loop.hpp"
#include "platform/unique_fd.hpp"
#include "tunnel/peer.hpp"
#include "uapi/capture_stream.hpp"

namespace sluice::daemon {

// Per capture: about 2700 full-size packets of 1420 bytes.
inline constexpr std::size_t kCaptureRingSize = 4 << 20;

// A fixed-size byte FIFO that takes whole pieces or nothing, so the stream never holds half a
// record.
class ByteRing {
 public:
  explicit ByteRing(std::size_t capacity) : bytes_(capacity) {}

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t free_space() const noexcept { return bytes_.size() - size_; }
  // Appends `a` then `b` if both fit; otherwise changes nothing and returns false.
  bool push(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b = {}) noexcept;

  enum class Drain : std::uint8_t { empty, blocked, failed };
  // Sends as much as the non-blocking socket `fd` takes.
  Drain drain_to(int fd) noexcept;

 private:
  void append(std::span<const std::uint8_t> data) noexcept;

  std::vector<std::uint8_t> bytes_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

// The captures of one interface.
class CaptureSet {
 public:
  explicit CaptureSet(EventLoop& loop) : loop_(loop) {}
  ~CaptureSet();
  CaptureSet(const CaptureSet&) = delete;
  CaptureSet& operator=(const CaptureSet&) = delete;

  // Takes over the non-blocking connection `fd` whose request was `request` (see above).
  void start(platform::UniqueFd fd, std::string_view request);

  // The data path asks this first, so it pays nothing while no capture runs.
  [[nodiscard]] bool active() const noexcept { return !captures_.empty(); }
  [[nodiscard]] std::size_t count() const noexcept { return captures_.size(); }

  // A copy of `packet` for every capture that wants it; `peer` is nullptr when no peer owns it.
  void record(uapi::CaptureDirection direction, const tunnel::Peer* peer,
              std::span<const std::uint8_t> packet) noexcept;
  // Sends what the rings hold to sockets that are not known to be full. Call after a batch.
  void flush();

 private:
  struct Capture {
    Capture(platform::UniqueFd socket, const uapi::CaptureFilter& f)
        : fd(std::move(socket)), filter(f), ring(kCaptureRingSize) {}
    platform::UniqueFd fd;
    uapi::CaptureFilter filter;
    ByteRing ring;
    std::uint64_t dropped = 0;
    bool blocked = false;   // the socket said EAGAIN; wait for EPOLLOUT
    bool stopping = false;  // the client half-closed: drain, send the trailer, close
  };

  void on_event(int fd, std::uint32_t events);
  // False when the capture is finished or broken and must be closed.
  [[nodiscard]] static bool pump(Capture& capture) noexcept;
  void close(int fd);

  EventLoop& loop_;
  std::unordered_map<int, std::unique_ptr<Capture>> captures_;
};

}  // namespace sluice::daemon
