#include "daemon/l2_segments.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "daemon/log.hpp"
#include "daemon/ovs_port.hpp"
#include "platform/rtnetlink.hpp"
#include "tunnel/vxlan.hpp"
#include "uapi/capture_stream.hpp"
#include "uapi/lines.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;

// Frames handled per wake-up before the other sources get a turn, as for the TUN device.
constexpr int kBatch = 256;
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

  explicit Segment(const config::SegmentSettings& s) : settings(s), tap(s.tap), fdb(s.aging) {}
  [[nodiscard]] const tunnel::IpAddress& local() const { return *settings.local; }
};

L2Segments::L2Segments(const std::string& tunnel_name, const std::vector<config::SegmentSettings>& segments,
                       EventLoop& loop, tunnel::Device& device, tunnel::Sink& sink,
                       std::function<tunnel::Instant()> clock, Observer outbound, CaptureSet& captures)
    : tunnel_name_(tunnel_name),
      tunnel_mtu_(link_mtu(tunnel_name)),
      loop_(loop),
      device_(device),
      sink_(sink),
      clock_(std::move(clock)),
      outbound_(std::move(outbound)),
      captures_(captures),
      buffer_(tunnel::kMaxVxlanHeadroom + tunnel::Device::kMaxPacketSize) {
  for (const config::SegmentSettings& settings : segments) {
    auto segment = std::make_unique<Segment>(settings);
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
    Log::info("segment VNI {}: {}{}{}, MTU {}", settings.vni, settings.tap, attached, vlan, segment->mtu);
    segments_.push_back(std::move(segment));
  }
  refresh_members();
  for (const auto& segment : segments_) {
    loop_.add(segment->tap.fd(), EPOLLIN, [this, s = segment.get()](std::uint32_t) {
      on_tap_readable(*s);
      outbound_.batch_done();
    });
  }
}

L2Segments::~L2Segments() {
  for (const auto& segment : segments_) loop_.remove(segment->tap.fd());
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

void L2Segments::on_tap_readable(Segment& segment) {
  const auto frame_area = std::span(buffer_).subspan(tunnel::kMaxVxlanHeadroom);
  for (int i = 0; i < kBatch; ++i) {
    const long n = segment.tap.read(frame_area);
    if (n == 0) return;
    if (n < 0) {
      if (n == -EINTR) return;
      // The TAP was deleted (or broke): stop watching it rather than spin on the error.
      Log::warning("reading from TAP device {} failed: {}; segment VNI {} stops", segment.settings.tap,
                   std::strerror(static_cast<int>(-n)), segment.settings.vni);
      loop_.remove(segment.tap.fd());
      return;
    }
    forward(segment, static_cast<std::size_t>(n), clock_());
  }
}

void L2Segments::forward(Segment& segment, std::size_t frame_size, tunnel::Instant now) {
  const auto frame = std::span(buffer_).subspan(tunnel::kMaxVxlanHeadroom, frame_size);
  const auto header = tunnel::parse_ethernet(frame);
  if (!header) {
    ++segment.counters.malformed;
    return;
  }
  if (frame_size + tunnel::vxlan_headroom(segment.local().family()) > tunnel_mtu_) {
    ++segment.counters.oversize;
    return;
  }
  // The sender is on our side now, whatever a peer said before.
  segment.fdb.forget_learned(header->source);
  if (!header->destination.is_group()) {
    if (const crypto::PublicKey* owner = segment.fdb.lookup(header->destination, now)) {
      for (const Member& member : members(segment)) {
        if (member.peer == *owner && send_to(segment, member, frame_size, now)) {
          ++segment.counters.tx_frames;
          // The frame behind the headers send_to wrote in front of it is as the TAP gave it.
          if (captures_.frames_active())
            captures_.record_frame(segment.settings.vni, uapi::CaptureDirection::out, owner, frame);
          return;
        }
      }
    }
  }
  bool sent = false;
  for (const Member& member : members(segment)) sent = send_to(segment, member, frame_size, now) || sent;
  if (!sent) {
    ++segment.counters.no_peer;
    return;
  }
  ++segment.counters.tx_frames;
  ++segment.counters.tx_flooded;
  if (captures_.frames_active())
    captures_.record_frame(segment.settings.vni, uapi::CaptureDirection::out, nullptr, frame);
}

bool L2Segments::send_to(Segment& segment, const Member& member, std::size_t frame_size, tunnel::Instant now) {
  // The cached member may have been removed since the last refresh.
  if (device_.find_peer(member.peer) == nullptr) return false;
  const auto packet = tunnel::vxlan_encapsulate(buffer_, tunnel::kMaxVxlanHeadroom, frame_size,
                                                {segment.local(), member.address, segment.settings.vni});
  outbound_.packet(packet);
  device_.send_packet(packet, now, sink_);
  return true;
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
    if (segment->tap.write(decoded->frame) != 0) {
      ++segment->counters.tap_write_errors;
    } else {
      ++segment->counters.rx_frames;
    }
    return true;
  }
  return false;
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
