// Packet copy for `sluicectl capture`: a control connection whose request is `capture=1` turns
// into a pcap stream of the cleartext inner packets, or with `segment=` of the Ethernet frames of
// one L2 segment. The data path copies each packet into the capture's bounded ring, or counts it
// as dropped when the ring is full; the ring is drained to the socket without blocking, when the
// socket can take it. So a slow or stalled reader costs the tunnel a memcpy at most, and nothing
// at all once the ring is full or the client is gone.
//
// Stream: the pcap global header (LINKTYPE_RAW, or LINKTYPE_ETHERNET for a segment; host byte
// order, as pcap files are), then records. When the client half-closes its side, recording stops,
// the ring is drained, and a trailer ends the stream: a record header with ts_sec = ts_usec =
// 0xffffffff (never a valid time) followed by the 8-byte count of dropped copies; then the daemon
// closes. A refused request gets "errno=N\n\n" instead of the pcap header (EINVAL: malformed;
// ENOENT: no such segment).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
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

  // The VNI of the segment a `segment=` value names; nothing when there is no such segment.
  using SegmentLookup = std::function<std::optional<std::uint32_t>(std::string_view name)>;

  // Takes over the non-blocking connection `fd` whose request was `request` (see above);
  // `find_segment` resolves segment captures (none: the interface has no segments).
  void start(platform::UniqueFd fd, std::string_view request, const SegmentLookup& find_segment = {});

  // Any capture runs: flush() has work.
  [[nodiscard]] bool active() const noexcept { return !captures_.empty(); }
  // The data path asks these first, so it pays nothing while no capture of that kind runs.
  [[nodiscard]] bool packets_active() const noexcept { return packet_captures_ > 0; }
  [[nodiscard]] bool frames_active() const noexcept { return frame_captures_ > 0; }
  [[nodiscard]] std::size_t count() const noexcept { return captures_.size(); }

  // A copy of the inner `packet` for every packet capture that wants it; `peer` is nullptr when
  // no peer owns it.
  void record(uapi::CaptureDirection direction, const tunnel::Peer* peer,
              std::span<const std::uint8_t> packet) noexcept;
  // A copy of an Ethernet `frame` of segment `vni` for every capture of that segment that wants
  // it: in, from `peer`; out, to `peer`, or to every peer of the segment when `peer` is nullptr
  // (flooded), which every peer filter takes.
  void record_frame(std::uint32_t vni, uapi::CaptureDirection direction, const crypto::PublicKey* peer,
                    std::span<const std::uint8_t> frame) noexcept;
  // Sends what the rings hold to sockets that are not known to be full. Call after a batch.
  void flush();

 private:
  struct Capture {
    Capture(platform::UniqueFd socket, const uapi::CaptureFilter& f, std::optional<std::uint32_t> segment_vni)
        : fd(std::move(socket)), filter(f), vni(segment_vni), ring(kCaptureRingSize) {}
    platform::UniqueFd fd;
    uapi::CaptureFilter filter;
    std::optional<std::uint32_t> vni;  // a segment capture: the frames of this VNI
    ByteRing ring;
    std::uint64_t dropped = 0;
    bool blocked = false;   // the socket said EAGAIN; wait for EPOLLOUT
    bool stopping = false;  // the client half-closed: drain, send the trailer, close
  };

  struct Timestamp {
    std::uint32_t seconds;
    std::uint32_t micros;
  };
  // One clock read per packet, whatever the number of captures.
  [[nodiscard]] static Timestamp timestamp() noexcept;
  [[nodiscard]] static bool wants(const Capture& capture, uapi::CaptureDirection direction) noexcept;
  // The record into the ring, or a drop.
  static void append(Capture& capture, Timestamp at, std::span<const std::uint8_t> packet) noexcept;
  void on_event(int fd, std::uint32_t events);
  // False when the capture is finished or broken and must be closed.
  [[nodiscard]] static bool pump(Capture& capture) noexcept;
  void close(int fd);

  EventLoop& loop_;
  std::unordered_map<int, std::unique_ptr<Capture>> captures_;
  std::size_t packet_captures_ = 0;
  std::size_t frame_captures_ = 0;
};

}  // namespace sluice::daemon
