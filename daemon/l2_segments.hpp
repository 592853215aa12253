// The L2 segments of an interface ([[segment]] in the config): for each, a TAP device (enslaved to
// a bridge if asked) whose Ethernet frames travel to the peers as VXLAN inside the tunnel.
//
// Forwarding, per segment: a frame to a MAC address the FDB knows goes to that peer only;
// broadcast, multicast and unknown unicast go to every peer (head-end replication). Frames from a
// peer are never sent on to another peer (split horizon, as in a full mesh of Linux vxlan devices).
// A peer takes part through its tunnel address, the VXLAN destination (tunnel::peer_tunnel_address
// over its allowed IPs in the order `wg show` lists them, ascending): its first /32 or /128 of the
// segment's family, else the first host address of its first wider prefix; an address that does
// not route back to that peer is not used.
//
// Inner packets from peers that are VXLAN to a segment's local address with its VNI go to that
// segment's TAP; every other packet (another VNI, another address) stays an ordinary inner packet.
//
// With offloads (the TAP opened with IFF_VNET_HDR and TSO, unless SLUICE_DISABLE names vnet or
// tap-vnet), the TAP hands over TCP super-frames: they are split into frames that fit the tunnel
// MTU before encapsulation (tunnel::split_packet with an Ethernet header), and partial checksums
// are finished; frames from peers are coalesced back into super-frames per flow (TCP, and UDP
// where the TAP takes UDP super-frames: tunnel::Coalescer) and written once per loop turn by
// flush(). Every other frame (ARP, VLAN tags, ICMP) passes one by one as before.
//
// The TAPs are read and written through the interface's DataPath, as the TUN device is: with
// io_uring, reads are kept in flight and the frames from peers are written by the turn's one
// system call.
//
// Segment captures see the frames as Ethernet: out, each frame sent to at least one peer (once,
// however many peers it was flooded to), before encapsulation; in, each frame from a peer for the
// segment, after decapsulation, before it is written to the TAP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "daemon/capture.hpp"
#include "daemon/data_path.hpp"
#include "daemon/stats.hpp"
#include "daemon/tap_device.hpp"
#include "tunnel/counter_field.hpp"
#include "tunnel/device.hpp"
#include "tunnel/ethernet.hpp"
#include "tunnel/fdb.hpp"

namespace sluice::daemon {

struct SegmentCounters {
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_flooded = 0;
  std::uint64_t rx_frames = 0;
  std::uint64_t oversize = 0;
  std::uint64_t no_peer = 0;
  std::uint64_t malformed = 0;
  std::uint64_t tap_write_errors = 0;
  std::uint64_t fdb_full = 0;
};

// Every segment counter: per segment in fdb=1, summed over the segments with the prefix "l2_" in
// stats=1, the metrics and the drop log.
inline constexpr tunnel::CounterField<SegmentCounters> kSegmentCounterFields[] = {
    {"tx_frames", &SegmentCounters::tx_frames, false, "frames read from the TAP and sent to at least one peer"},
    {"tx_flooded", &SegmentCounters::tx_flooded, false,
     "frames sent to every peer of the segment (broadcast, multicast, unknown destination)"},
    {"rx_frames", &SegmentCounters::rx_frames, false, "frames from peers handed to the TAP"},
    {"oversize", &SegmentCounters::oversize, true, "frames too large for the tunnel MTU (never fragmented)"},
    {"no_peer", &SegmentCounters::no_peer, true, "frames with no peer to go to (no peer has a tunnel address)"},
    {"malformed", &SegmentCounters::malformed, true,
     "TAP reads shorter than an Ethernet header, or super-frames that could not be split"},
    {"tap_write_errors", &SegmentCounters::tap_write_errors, true,
     "frames (or coalesced super-frames) from peers the TAP refused"},
    {"fdb_full", &SegmentCounters::fdb_full, false,
     "source addresses not learned because the forwarding table was full (the frame still went)"},
};

class L2Segments {
 public:
  // Creates the TAP devices and bridges (a missing bridge is created and left in place when the
  // daemon exits, so what else is attached to it stays attached), sets MTUs and brings the links
  // up. `tunnel_name` is the TUN device whose MTU bounds the frames. Throws std::system_error
  // naming the device on failure.
  // What the interface sees of the frames sent: each encapsulated packet before it goes to the
  // core (for captures), and the end of each read from a TAP (to hand out crypto jobs). The frames
  // themselves go to `captures` (record_frame) while a segment capture runs. `offloads`: open the
  // TAPs with IFF_VNET_HDR and TSO (OffloadSwitches::tap_vnet); `udp_super_frames`: coalesce UDP
  // frames too where a TAP takes them (OffloadSwitches::uso).
  struct Observer {
    std::function<void(std::span<const std::uint8_t> packet)> packet;
    std::function<void()> read_done;
  };
  L2Segments(const std::string& tunnel_name, const std::vector<config::SegmentSettings>& segments,
             tunnel::Device& device, tunnel::Sink& sink, std::function<tunnel::Instant()> clock, Observer outbound,
             CaptureSet& captures, bool offloads, bool udp_super_frames);
  ~L2Segments();
  L2Segments(const L2Segments&) = delete;
  L2Segments& operator=(const L2Segments&) = delete;

  // How many TAP devices there are (for the data path's buffers).
  [[nodiscard]] std::size_t size() const noexcept { return segments_.size(); }
  // Reads and writes the TAPs through `path` from now on; nothing is read before. `path` has just
  // replaced the one before (if any), which no longer reads them; flush() came before.
  void use_data_path(DataPath& path);

  // An inner packet from `peer`. True when it was a frame for one of our segments (then it was
  // written to that TAP, or joined a super-frame that flush() writes); false when it is an
  // ordinary packet for the TUN device.
  bool deliver(tunnel::Peer& peer, std::span<const std::uint8_t> packet, tunnel::Instant now);
  // Writes the super-frames built from delivered frames to their TAPs. Once per loop turn.
  void flush();

  // The VNI of the segment a capture request names (uapi::find_segment); nothing if none.
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view name) const;

  // Call every tick: ages the FDBs, and once a second refreshes the peers' tunnel addresses and
  // follows changes of the tunnel MTU.
  void tick(tunnel::Instant now);

  // Totals over all segments, for stats=1 and the metrics page, named l2_*.
  [[nodiscard]] std::vector<NamedCounter> counters() const;

  // The key=value lines of an fdb=1 answer (daemon/uapi.hpp), without the errno line.
  [[nodiscard]] std::string serialize_fdb(tunnel::Instant now) const;

 private:
  struct Segment;
  struct Member {
    crypto::PublicKey peer;
    tunnel::IpAddress address;
  };

  // One read from the TAP, inside `area` behind room for the outer headers: its frames (a
  // super-frame split) forwarded in order. Each is built in `area` over what was sent before it
  // (tunnel::split_packet), so the outer headers fit in front of it as in front of a plain frame.
  void forward_read(Segment& segment, std::span<std::uint8_t> area, std::span<std::uint8_t> read, tunnel::Instant now);
  // `frame` is inside `area`, with room for the outer headers before it.
  void forward(Segment& segment, std::span<std::uint8_t> area, std::span<const std::uint8_t> frame,
               tunnel::Instant now);
  // Where frames with this header go: the member whose peer the FDB names for the destination,
  // or nullptr for every member (broadcast, multicast, unknown destination). Forgets what was
  // learned about the source: it is on our side now.
  const Member* destination(Segment& segment, const tunnel::EthernetHeader& header, tunnel::Instant now);
  // To `owner`, or flooded to every member when it is nullptr; counted and captured once. The
  // outer headers are written in front of `frame`, inside `area`.
  void send_frame(Segment& segment, const Member* owner, std::span<std::uint8_t> area,
                  std::span<const std::uint8_t> frame, tunnel::Instant now);
  void send_to(Segment& segment, const Member& member, std::span<std::uint8_t> area,
               std::span<const std::uint8_t> frame, tunnel::Instant now);
  void flush(Segment& segment);
  void refresh_members();
  void follow_tunnel_mtu();
  [[nodiscard]] const std::vector<Member>& members(const Segment& segment) const;

  std::string tunnel_name_;
  unsigned tunnel_mtu_ = 0;
  DataPath* path_ = nullptr;
  tunnel::Device& device_;
  tunnel::Sink& sink_;
  std::function<tunnel::Instant()> clock_;
  Observer outbound_;
  CaptureSet& captures_;
  std::vector<std::unique_ptr<Segment>> segments_;
  std::vector<Member> members_v4_;
  std::vector<Member> members_v6_;
  tunnel::Instant last_refresh_{};
};

}  // namespace sluice::daemon
