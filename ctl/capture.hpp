// sluicectl capture: asks the daemon for a capture stream (see daemon/capture.hpp for its form) of
// the interface's inner packets or of one L2 segment's Ethernet frames, and writes the pcap
// records to a file or stdout until a count, a duration or Ctrl-C; then it half-closes, lets the
// daemon drain what it holds, and reads the drop count from the trailer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ctl/commands.hpp"

namespace sluice::ctl {

struct CaptureOptions {
  std::string ifname;
  std::optional<std::string> peer;     // base64 public key
  std::optional<std::string> segment;  // a segment's TAP name or VNI: its Ethernet frames
  std::string direction = "both";
  std::optional<std::uint64_t> count;
  std::optional<double> duration;  // seconds
  std::uint32_t snaplen = 65535;
  std::string output;  // a file, or "-" for stdout
};

// The request line by line; throws uapi::ControlError on a bad key, direction, snaplen or segment.
[[nodiscard]] std::string capture_request(const CaptureOptions& options);

// Splits the daemon's stream into the pcap header, records and the trailer.
class PcapStream {
 public:
  enum class Kind : std::uint8_t { header, record, trailer };
  struct Item {
    Kind kind;
    std::span<const std::uint8_t> bytes;  // the header, or the whole record; valid until the next call
    std::uint64_t dropped = 0;            // trailer only
  };

  void feed(std::span<const std::uint8_t> data);
  // The next complete item, if one has arrived. Throws uapi::ControlError on a refusal or a broken stream.
  [[nodiscard]] std::optional<Item> next();

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t offset_ = 0;
  bool seen_header_ = false;
};

int run_capture(const Globals& globals, const CaptureOptions& options);

}  // namespace sluice::ctl
