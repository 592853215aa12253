#include "ctl/capture.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/key_encoding.hpp"
#include "ctl/fdb.hpp"
#include "ctl/stream_signals.hpp"
#include "tunnel/byte_order.hpp"
#include "uapi/capture_stream.hpp"
#include "uapi/client.hpp"
#include "uapi/error.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/lines.hpp"

namespace sluice::ctl {
namespace {

using Clock = std::chrono::steady_clock;

// After the stop, how long the daemon may take to drain its ring and send the trailer.
constexpr std::chrono::seconds kFinishTimeout{5};

void send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      if (Clock::now() >= deadline || ::poll(&p, 1, 100) < 0)
        throw uapi::ControlError("the daemon did not take the request");
      continue;
    }
    throw uapi::ControlError(std::string("lost the connection to the daemon: ").append(std::strerror(errno)));
  }
}

// The daemon would wait for the packets of a peer it does not have and end with none captured;
// say so before anything starts. Asked on a connection of its own, as capture=1 keeps its one.
void require_peer(const Globals& globals, const CaptureOptions& options) {
  crypto::PublicKey key;
  crypto::decode_base64_key(*options.peer, key.bytes);  // checked by capture_request already
  const uapi::InterfaceState state =
      uapi::parse_get_answer(uapi::Client(globals.control_dir, options.ifname).get().str());
  if (std::none_of(state.peers.begin(), state.peers.end(),
                   [&](const uapi::PeerState& peer) { return peer.public_key == key; })) {
    throw uapi::ControlError(std::string(options.ifname)
                                 .append(": --peer ")
                                 .append(*options.peer)
                                 .append(": no such peer on this interface (`sluicectl show ")
                                 .append(options.ifname)
                                 .append("` lists them)"));
  }
}

// As for a peer: the daemon refuses a segment it does not have, but cannot say which name it was
// given or where the segments are listed.
void require_segment(const Globals& globals, const CaptureOptions& options) {
  const std::vector<SegmentTable> segments = parse_fdb_answer(uapi::Client(globals.control_dir, options.ifname).fdb());
  std::vector<uapi::SegmentName> names;
  for (const SegmentTable& segment : segments) names.push_back({segment.tap, segment.vni});
  if (!uapi::find_segment(*options.segment, names)) {
    throw uapi::ControlError(std::string(options.ifname)
                                 .append(": --segment ")
                                 .append(*options.segment)
                                 .append(": no such segment on this interface, by TAP name or VNI (`sluicectl fdb ")
                                 .append(options.ifname)
                                 .append("` lists them)"));
  }
}

}  // namespace

std::string capture_request(const CaptureOptions& options) {
  std::string request("capture=1\n");
  if (options.peer) {
    crypto::PublicKey key;
    try {
      crypto::decode_base64_key(*options.peer, key.bytes);
    } catch (const crypto::KeyFormatError& e) {
      throw uapi::ControlError(std::string("--peer: ").append(e.what()));
    }
    uapi::append_key_line(request, "peer", key.span());
  }
  if (options.direction != "in" && options.direction != "out" && options.direction != "both") {
    throw uapi::ControlError("--direction must be in, out or both");
  }
  uapi::append_line(request, "direction", options.direction);
  if (options.snaplen == 0 || options.snaplen > uapi::kDefaultSnaplen)
    throw uapi::ControlError("--snaplen must be 1 to 65535");
  uapi::append_line(request, "snaplen", options.snaplen);
  if (options.segment) {
    if (!uapi::valid_segment_name(*options.segment))
      throw uapi::ControlError(
          "--segment must be a segment's TAP name or VNI (1-15 characters, no '/', ':' or spaces)");
    uapi::append_line(request, "segment", *options.segment);
  }
  request.push_back('\n');  // the blank line that ends a request
  return request;
}

void PcapStream::feed(std::span<const std::uint8_t> data) {
  // Drop what was consumed before growing, so the buffer stays about one record long.
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
  offset_ = 0;
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

std::optional<PcapStream::Item> PcapStream::next() {
  const std::span<const std::uint8_t> rest = std::span(buffer_).subspan(offset_);
  if (!seen_header_) {
    static constexpr std::string_view kRefused = "errno=";
    static constexpr std::string_view kNoSegment = "errno=2\n";
    if (rest.size() >= kNoSegment.size() && std::memcmp(rest.data(), kNoSegment.data(), kNoSegment.size()) == 0) {
      throw uapi::ControlError("the daemon refused the capture: it has no such segment");
    }
    if (rest.size() >= kRefused.size() && std::memcmp(rest.data(), kRefused.data(), kRefused.size()) == 0) {
      throw uapi::ControlError("the daemon refused the capture (a sluiced without capture support, or a bad option)");
    }
    if (rest.size() < uapi::kPcapHeaderSize) return std::nullopt;
    if (tunnel::load_host32(rest.data()) != uapi::kPcapMagic)
      throw uapi::ControlError("the daemon's capture stream is not pcap");
    seen_header_ = true;
    offset_ += uapi::kPcapHeaderSize;
    return Item{Kind::header, rest.first(uapi::kPcapHeaderSize)};
  }
  if (rest.size() < uapi::kPcapRecordHeaderSize) return std::nullopt;
  if (tunnel::load_host32(rest.data()) == uapi::kTrailerMark &&
      tunnel::load_host32(rest.data() + 4) == uapi::kTrailerMark) {
    if (rest.size() < uapi::kTrailerSize) return std::nullopt;
    std::uint64_t dropped = 0;
    std::memcpy(&dropped, rest.data() + uapi::kPcapRecordHeaderSize, sizeof dropped);
    offset_ += uapi::kTrailerSize;
    return Item{Kind::trailer, {}, dropped};
  }
  const std::uint32_t caplen = tunnel::load_host32(rest.data() + 8);
  if (caplen > uapi::kDefaultSnaplen) throw uapi::ControlError("the daemon's capture stream is corrupt");
  const std::size_t size = uapi::kPcapRecordHeaderSize + caplen;
  if (rest.size() < size) return std::nullopt;
  offset_ += size;
  return Item{Kind::record, rest.first(size)};
}

int run_capture(const Globals& globals, const CaptureOptions& options) {
  const std::string request = capture_request(options);
  if (options.peer) require_peer(globals, options);
  if (options.segment) require_segment(globals, options);
  uapi::Client client(globals.control_dir, options.ifname);
  const int fd = client.fd();

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  std::FILE* out = stdout;
  if (options.output != "-") {
    file.reset(std::fopen(options.output.c_str(), "wb"));
    if (!file)
      throw uapi::ControlError(
          std::string("cannot write ").append(options.output).append(": ").append(std::strerror(errno)));
    out = file.get();
  }

  catch_stream_signals();

  send_all(fd, request, Clock::now() + uapi::kAnswerTimeout);
  const Clock::time_point start = Clock::now();
  std::optional<Clock::time_point> finish_by;
  PcapStream stream;
  std::uint64_t captured = 0;
  std::optional<std::uint64_t> dropped;
  std::array<std::uint8_t, 64 << 10> chunk{};
  bool output_failed = false;
  bool received = false;  // a daemon that hangs up before any byte is not a sluiced

  while (!dropped) {
    const Clock::time_point now = Clock::now();
    const bool enough = options.count && captured >= *options.count;
    const bool expired = options.duration && now - start >= std::chrono::duration<double>(*options.duration);
    if (!finish_by && (stream_interrupted() || enough || expired || output_failed)) {
      // Half-close: the daemon stops copying, drains its ring and sends the trailer.
      ::shutdown(fd, SHUT_WR);
      finish_by = now + kFinishTimeout;
    }
    if (finish_by && now >= *finish_by) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0 && !received) throw uapi::NotSluicedError(uapi::not_sluiced_message(options.ifname, "capture=1"));
    if (n <= 0) throw uapi::ControlError("the daemon ended the capture stream early");
    received = true;
    stream.feed(std::span(chunk).first(static_cast<std::size_t>(n)));
    while (const auto item = stream.next()) {
      if (item->kind == PcapStream::Kind::trailer) {
        dropped = item->dropped;
        break;
      }
      // Records that come after the count was reached, or once the output failed, are read
      // (so the trailer can come) but not kept.
      if (output_failed || (item->kind == PcapStream::Kind::record && options.count && captured >= *options.count)) {
        continue;
      }
      if (std::fwrite(item->bytes.data(), 1, item->bytes.size(), out) != item->bytes.size()) {
        output_failed = true;
      } else if (item->kind == PcapStream::Kind::record) {
        ++captured;
      }
    }
    // Per chunk, so `-w - | tcpdump -r -` shows packets as they come.
    if (!output_failed && std::fflush(out) != 0) output_failed = true;
  }

  const char* unit = options.segment ? " frame" : " packet";
  std::string summary = std::to_string(captured).append(unit).append(captured == 1 ? " captured, " : "s captured, ");
  summary.append(dropped ? std::to_string(*dropped).append(" dropped")
                         : std::string("drop count unknown (the daemon did not finish in time)"));
  std::fprintf(stderr, "%s\n", summary.c_str());
  // A write cut short by Ctrl-C (a reader that stopped reading) is how the user ended it, not a failure.
  if (output_failed && !stream_interrupted())
    throw uapi::ControlError(
        std::string("writing ").append(options.output == "-" ? "stdout" : options.output).append(" failed"));
  return dropped ? 0 : 1;
}

}  // namespace sluice::ctl
