#include "daemon/l2_segments.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "daemon/coalescer_storage.hpp"
#include "daemon/log.hpp"
#include "daemon/ovs_port.hpp"
#include "daemon/tun_device.hpp"
#include "platform/rtnetlink.hpp"
#include "tunnel/byte_order.hpp"
#include "tunnel/ethernet.hpp"
#include "tunnel/offload.hpp"
#include "tunnel/vxlan.hpp"
#include "uapi/capture_stream.hpp"
#include "uapi/lines.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kRefreshInterval = 1s;

// The tunnel address of a peer for one family (tunnel::peer_tunnel_address), if it has one that
// routes back to it: the core sends each encapsulated frame by its destination address.
std::optional<tunnel::IpAddress> tunnel_address(const tunnel::Device& device, tunnel::Peer& peer,
                                                tunnel::IpFamily family) {
  const std::vector<tunnel::IpPrefix> prefixes = device.allowed_ips().prefixes_of(&peer);
  const auto chosen = tunnel::peer_tunnel_address(prefixes, family);
  if (!chosen || device.allowed_ips().lookup(*chosen).value_or(nullptr) != &peer) return std::nullopt;
  return chosen;
}

}  // namespace

struct L2Segments::Segment {
  config::SegmentSettings settings;
  TapDevice tap;
  // After the TAP: the port is removed from the OVS bridge before the TAP goes away.
  std::optional<OvsPort> ovs_port;
  tunnel::Fdb fdb;
  SegmentCounters counters;
  unsigned mtu = 0;
  // Frames from peers, coalesced for a TAP with a virtio-net header.
  tunnel::Coalescer coalescer;
  DataPath::DeviceId device = 0;  // the TAP in the data path

  // Not for an Open vSwitch port: the userspace datapath reads its ports through packet sockets
  // sized for the MTU, where a coalesced super-frame would not fit.
  Segment(const config::SegmentSettings& s, bool offloads, bool udp_super_frames)
      : settings(s),
        tap(s.tap, offloads && !s.ovs_bridge),
        fdb(s.aging),
        coalescer(65535, tunnel::kEthernetHeaderSize, udp_super_frames && has_udp_offloads(tap.offloads())) {}
  [[nodiscard]] const tunnel::IpAddress& local() const { return *settings.local; }
};

L2Segments::L2Segments(const std::string& tunnel_name, const std::vector<config::SegmentSettings>& segments,
                       tunnel::Device& device, tunnel::Sink& sink, std::function<tunnel::Instant()> clock,
                       Observer outbound, CaptureSet& captures, bool offloads, bool udp_super_frames)
    : tunnel_name_(tunnel_name),
      tunnel_mtu_(link_mtu(tunnel_name)),
      device_(device),
      sink_(sink),
      clock_(std::move(clock)),
      outbound_(std::move(outbound)),
      captures_(captures) {
  for (const config::SegmentSettings& settings : segments) {
    auto segment = std::make_unique<Segment>(settings, offloads, udp_super_frames);
    for (const config::StaticFdbEntry& entry : settings.fdb) segment->fdb.add_static(entry.mac, entry.peer);
    platform::Rtnetlink tap(settings.tap);
    segment->mtu =
        settings.mtu.value_or(static_cast<unsigned>(tunnel::vxlan_frame_mtu(tunnel_mtu_, segment->local().family())));
    tap.set_mtu(segment->mtu);
    if (settings.bridge) {
      platform::Rtnetlink bridge(*settings.bridge);
      if (bridge.create_bridge()) Log::info("created bridge {}", *settings.bridge);
      tap.set_master(*settings.bridge);
      bridge.set_up();
    }
    tap.set_up();
    if (settings.ovs_bridge) {
      // As for a Linux bridge that cannot be joined, the daemon does not start: a segment
      // without its switch would carry nothing.
      try {
        segment->ovs_port.emplace(
            OvsPortSettings{*settings.ovs_bridge, settings.tap, settings.ovs_vlan, settings.ovs_db.value_or("")});
      } catch (const std::runtime_error& e) {
        throw std::runtime_error("segment " + std::to_string(settings.vni) + ": " + e.what());
      }
    }
    const std::string attached = settings.bridge       ? " on bridge " + *settings.bridge
                                 : settings.ovs_bridge ? " on Open vSwitch bridge " + *settings.ovs_bridge
                                                       : "";
    const std::string vlan = settings.ovs_vlan ? ", VLAN " + std::to_string(*settings.ovs_vlan) : "";
    const char* offloaded = segment->tap.offloads() != 0 ? "on"
                            : segment->tap.vnet_header() ? "virtio-net header only"
                                                         : "off";
    Log::info("segment VNI {}: {}{}{}, MTU {}, TAP offloads {}", settings.vni, settings.tap, attached, vlan,
              segment->mtu, offloaded);
    segments_.push_back(std::move(segment));
  }
  refresh_members();
}

L2Segments::~L2Segments() = default;

void L2Segments::use_data_path(DataPath& path) {
  path_ = &path;
  for (const auto& segment : segments_) {
    DataPath::DeviceHandlers handlers;
    handlers.read = [this, s = segment.get()](std::span<std::uint8_t> area, std::span<std::uint8_t> read) {
      forward_read(*s, area, read, clock_());
      outbound_.read_done();
    };
    handlers.read_failed = [s = segment.get()](int error) {
      Log::warning("reading from TAP device {} failed: {}; segment VNI {} stops", s->settings.tap, std::strerror(error),
                   s->settings.vni);
    };
    handlers.write_failed = [s = segment.get()] { ++s->counters.tap_write_errors; };
    segment->device = path.add_device(segment->tap.fd(), tunnel::kMaxVxlanHeadroom, std::move(handlers));
    // Super-frames are built where the data path writes them from.
    if (segment->tap.vnet_header()) build_in_storage_of(segment->coalescer, path);
  }
}

const std::vector<L2Segments::Member>& L2Segments::members(const Segment& segment) const {
  return segment.local().is_v4() ? members_v4_ : members_v6_;
}

void L2Segments::refresh_members() {
  members_v4_.clear();
  members_v6_.clear();
  for (const auto& peer : device_.peers()) {
    if (auto address = tunnel_address(device_, *peer, tunnel::IpFamily::v4)) {
      members_v4_.push_back({peer->public_key(), *address});
    }
    if (auto address = tunnel_address(device_, *peer, tunnel::IpFamily::v6)) {
      members_v6_.push_back({peer->public_key(), *address});
    }
  }
}

void L2Segments::forward_read(Segment& segment, std::span<std::uint8_t> area, std::span<std::uint8_t> read,
                              tunnel::Instant now) {
  if (!segment.tap.vnet_header()) {
    forward(segment, area, read, now);
    return;
  }
  if (read.size() < tunnel::VirtioNetHeader::kSize + tunnel::kEthernetHeaderSize) {
    ++segment.counters.malformed;
    return;
  }
  const auto header = tunnel::VirtioNetHeader::parse(read.first<tunnel::VirtioNetHeader::kSize>());
  const auto frame = read.subspan(tunnel::VirtioNetHeader::kSize);
  // Every piece of a super-frame carries its Ethernet header: where they go is decided once.
  const Member* owner = destination(segment, *tunnel::parse_ethernet(frame), now);
  // Segments must fit the tunnel as whole frames; one 802.1Q tag is split past too.
  const std::size_t headroom = tunnel::vxlan_headroom(segment.local().family());
  tunnel::Framing framing;
  framing.link_header = tunnel::load_be16(&frame[12]) == tunnel::kEthertypeVlan
                            ? tunnel::kEthernetHeaderSize + tunnel::kVlanTagSize
                            : tunnel::kEthernetHeaderSize;
  framing.max_segment = tunnel_mtu_ > headroom ? tunnel_mtu_ - headroom : 1;
  const auto status = tunnel::split_packet(
      header, frame, [&](std::span<const std::uint8_t> piece) { send_frame(segment, owner, area, piece, now); },
      framing);
  if (status != tunnel::OffloadStatus::ok) ++segment.counters.malformed;
}

void L2Segments::forward(Segment& segment, std::span<std::uint8_t> area, std::span<const std::uint8_t> frame,
                         tunnel::Instant now) {
  const auto header = tunnel::parse_ethernet(frame);
  if (!header) {
    ++segment.counters.malformed;
    return;
  }
  send_frame(segment, destination(segment, *header, now), area, frame, now);
}

const L2Segments::Member* L2Segments::destination(Segment& segment, const tunnel::EthernetHeader& header,
                                                  tunnel::Instant now) {
  // The sender is on our side now, whatever a peer said before.
  segment.fdb.forget_learned(header.source);
  if (header.destination.is_group()) return nullptr;
  const crypto::PublicKey* owner = segment.fdb.lookup(header.destination, now);
  if (owner == nullptr) return nullptr;
  for (const Member& member : members(segment)) {
    // The cached member may have been removed since the last refresh.
    if (member.peer == *owner) return device_.find_peer(member.peer) != nullptr ? &member : nullptr;
  }
  return nullptr;
}

void L2Segments::send_frame(Segment& segment, const Member* owner, std::span<std::uint8_t> area,
                            std::span<const std::uint8_t> frame, tunnel::Instant now) {
  if (frame.size() + tunnel::vxlan_headroom(segment.local().family()) > tunnel_mtu_) {
    ++segment.counters.oversize;
    return;
  }
  if (owner != nullptr) {
    send_to(segment, *owner, area, frame, now);
    ++segment.counters.tx_frames;
    // The frame behind the headers send_to wrote in front of it is as the TAP gave it.
    if (captures_.frames_active())
      captures_.record_frame(segment.settings.vni, uapi::CaptureDirection::out, &owner->peer, frame);
    return;
  }
  bool sent = false;
  for (const Member& member : members(segment)) {
    if (device_.find_peer(member.peer) == nullptr) continue;
    send_to(segment, member, area, frame, now);
    sent = true;
  }
  if (!sent) {
    ++segment.counters.no_peer;
    return;
  }
  ++segment.counters.tx_frames;
  ++segment.counters.tx_flooded;
  if (captures_.frames_active())
    captures_.record_frame(segment.settings.vni, uapi::CaptureDirection::out, nullptr, frame);
}

void L2Segments::send_to(Segment& segment, const Member& member, std::span<std::uint8_t> area,
                         std::span<const std::uint8_t> frame, tunnel::Instant now) {
  const auto offset = static_cast<std::size_t>(frame.data() - area.data());
  const auto packet =
      tunnel::vxlan_encapsulate(area, offset, frame.size(), {segment.local(), member.address, segment.settings.vni});
  outbound_.packet(packet);
  device_.send_packet(packet, now, sink_);
}

bool L2Segments::deliver(tunnel::Peer& peer, std::span<const std::uint8_t> packet, tunnel::Instant now) {
  const auto decoded = tunnel::vxlan_decapsulate(packet);
  if (!decoded) return false;
  for (const auto& segment : segments_) {
    if (segment->settings.vni != decoded->vni || segment->local() != decoded->destination) continue;
    // vxlan_decapsulate only returns frames with a whole Ethernet header.
    const auto header = tunnel::parse_ethernet(decoded->frame);
    if (!segment->fdb.learn(header->source, peer.public_key(), now)) ++segment->counters.fdb_full;
    if (captures_.frames_active()) {
      captures_.record_frame(segment->settings.vni, uapi::CaptureDirection::in, &peer.public_key(), decoded->frame);
    }
    if (segment->tap.vnet_header()) {
      bool added = segment->coalescer.add(decoded->frame);
      if (!added) {
        // Every slot taken: write what was built, then try again.
        flush(*segment);
        added = segment->coalescer.add(decoded->frame);
      }
      if (added) {
        ++segment->counters.rx_frames;
      } else {
        ++segment->counters.tap_write_errors;
      }
    } else {
      path_->write_device(segment->device, decoded->frame);
      ++segment->counters.rx_frames;
    }
    return true;
  }
  return false;
}

void L2Segments::flush() {
  for (const auto& segment : segments_) flush(*segment);
}

void L2Segments::flush(Segment& segment) {
  write_coalesced(segment.coalescer, *path_,
                  [&](std::span<const std::uint8_t> frame) { path_->write_device(segment.device, frame); });
}

std::optional<std::uint32_t> L2Segments::find(std::string_view name) const {
  std::vector<uapi::SegmentName> names;
  for (const auto& segment : segments_) names.push_back({segment->settings.tap, segment->settings.vni});
  const auto found = uapi::find_segment(name, names);
  if (!found) return std::nullopt;
  return segments_[*found]->settings.vni;
}

void L2Segments::tick(tunnel::Instant now) {
  if (now - last_refresh_ < kRefreshInterval) return;
  last_refresh_ = now;
  for (const auto& segment : segments_) segment->fdb.expire(now);
  refresh_members();
  follow_tunnel_mtu();
}

// wg-quick and `ip link set mtu` change the tunnel MTU after start: segments without an MTU of
// their own follow, so their frames keep fitting.
void L2Segments::follow_tunnel_mtu() {
  const unsigned mtu = link_mtu(tunnel_name_);
  if (mtu == 0 || mtu == tunnel_mtu_) return;
  tunnel_mtu_ = mtu;
  for (const auto& segment : segments_) {
    if (segment->settings.mtu) continue;
    const auto fitting = static_cast<unsigned>(tunnel::vxlan_frame_mtu(mtu, segment->local().family()));
    try {
      platform::Rtnetlink(segment->settings.tap).set_mtu(fitting);
      segment->mtu = fitting;
    } catch (const std::system_error& e) {
      Log::warning("{}", e.what());
    }
  }
}

std::vector<NamedCounter> L2Segments::counters() const {
  SegmentCounters total;
  for (const auto& segment : segments_) {
    for (const auto& field : kSegmentCounterFields) total.*field.member += segment->counters.*field.member;
  }
  return named_counters(kSegmentCounterFields, total, "l2_");
}

std::string L2Segments::serialize_fdb(tunnel::Instant now) const {
  std::string out;
  for (const auto& segment : segments_) {
    const config::SegmentSettings& s = segment->settings;
    uapi::append_line(out, "vni", s.vni);
    uapi::append_line(out, "tap", s.tap);
    if (s.bridge) uapi::append_line(out, "bridge", *s.bridge);
    if (s.ovs_bridge) uapi::append_line(out, "ovs_bridge", *s.ovs_bridge);
    if (s.ovs_vlan) uapi::append_line(out, "ovs_vlan", *s.ovs_vlan);
    if (s.ovs_db) uapi::append_line(out, "ovs_db", *s.ovs_db);
    uapi::append_line(out, "local", segment->local().to_string());
    uapi::append_line(out, "mtu", segment->mtu);
    if (s.mtu) uapi::append_line(out, "configured_mtu", *s.mtu);
    uapi::append_line(out, "aging", static_cast<std::uint64_t>(s.aging.count()));
    for (const auto& field : kSegmentCounterFields) uapi::append_line(out, field.name, segment->counters.*field.member);
    for (const Member& member : members(*segment)) {
      uapi::append_key_line(out, "peer", member.peer.span());
      uapi::append_line(out, "peer_address", member.address.to_string());
    }
    for (const tunnel::Fdb::Entry& entry : segment->fdb.entries()) {
      if (!entry.is_static && now - entry.last_seen >= s.aging) continue;
      uapi::append_line(out, "mac", entry.mac.to_string());
      uapi::append_key_line(out, "public_key", entry.peer.span());
      uapi::append_line(out, "static", entry.is_static ? 1 : 0);
      if (!entry.is_static) {
        uapi::append_line(out, "age",
                          static_cast<std::uint64_t>(
                              std::chrono::duration_cast<std::chrono::seconds>(now - entry.last_seen).count()));
      }
    }
  }
  return out;
}

}  // namespace sluice::daemon
