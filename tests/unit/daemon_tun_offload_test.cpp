// TunOffload: what the rest of the daemon sees of a TUN device's virtio-net header (nothing):
// reads become finished packets, writes are coalesced and leave through the data path on flush.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "daemon/data_path.hpp"
#include "daemon/tun_offload.hpp"
#include "tunnel/offload.hpp"

using sluice::daemon::DataPath;
using sluice::daemon::TunOffload;
using sluice::tunnel::Coalescer;
using sluice::tunnel::VirtioNetHeader;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Records TUN writes; hands out buffers of its own as storage(), to see that packets are built there.
class RecordingPath final : public DataPath {
 public:
  RecordingPath() : buffers_(Coalescer::kSlots * 2, Bytes(VirtioNetHeader::kSize + 65535)) {}

  void run_once(int) override {}
  void send(const sluice::tunnel::Endpoint&, std::span<const std::uint8_t>, std::uint16_t) override {}
  void write_tun(std::span<const std::uint8_t> packet) override {
    writes.emplace_back(packet.begin(), packet.end());
    written_from.push_back(packet.data());
  }
  std::span<std::uint8_t> storage(std::span<const std::uint8_t>) override {
    if (!give_storage || next_ == buffers_.size()) return {};
    return buffers_[next_++];
  }
  void submit() override {}
  void use_sockets(sluice::daemon::UdpSockets&) override {}
  DeviceId add_device(int, std::size_t, DeviceHandlers) override { return 0; }
  void write_device(DeviceId, std::span<const std::uint8_t>) override {}

  [[nodiscard]] bool ours(const std::uint8_t* address) const {
    for (const Bytes& buffer : buffers_) {
      if (address >= buffer.data() && address < buffer.data() + buffer.size()) return true;
    }
    return false;
  }

  bool give_storage = true;
  std::vector<Bytes> writes;
  std::vector<const std::uint8_t*> written_from;

 private:
  std::vector<Bytes> buffers_;
  std::size_t next_ = 0;
};

void put16(std::uint8_t* p, unsigned v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// An IPv4 TCP packet 10.0.0.1:`source_port` -> 10.0.0.2:2000, ACK, `payload` bytes from `sequence`.
Bytes tcp_packet(std::size_t payload, std::uint32_t sequence, unsigned source_port = 1000) {
  Bytes p(20 + 20 + payload);
  p[0] = 0x45;
  put16(&p[2], static_cast<unsigned>(p.size()));
  p[6] = 0x40;  // DF
  p[8] = 64;
  p[9] = 6;
  p[12] = 10, p[15] = 1, p[16] = 10, p[19] = 2;
  put16(&p[20], source_port);
  put16(&p[22], 2000);
  put16(&p[24], sequence >> 16);
  put16(&p[26], sequence & 0xffff);
  p[32] = 5 << 4;
  p[33] = 0x10;
  put16(&p[34], 512);
  return p;
}

Bytes with_header(const VirtioNetHeader& header, const Bytes& packet) {
  Bytes read(VirtioNetHeader::kSize);
  header.write(std::span<std::uint8_t, VirtioNetHeader::kSize>(read.data(), VirtioNetHeader::kSize));
  read.insert(read.end(), packet.begin(), packet.end());
  return read;
}

std::vector<Bytes> split(const TunOffload& tun, Bytes read, bool& ok) {
  std::vector<Bytes> packets;
  ok = tun.split(read, [&](std::span<const std::uint8_t> p) { packets.emplace_back(p.begin(), p.end()); });
  return packets;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_tun_offload)

BOOST_AUTO_TEST_CASE(without_virtio_header_packets_pass_as_they_are) {
  TunOffload tun(false);
  const Bytes packet = tcp_packet(100, 1);
  bool ok = false;
  const auto packets = split(tun, packet, ok);
  BOOST_TEST(ok);
  BOOST_TEST_REQUIRE(packets.size() == 1U);
  BOOST_TEST(packets[0] == packet);

  RecordingPath path;
  BOOST_TEST(tun.write(packet, path));
  BOOST_TEST_REQUIRE(path.writes.size() == 1U);
  BOOST_TEST(path.writes[0] == packet);
  BOOST_TEST(path.written_from[0] == packet.data());
}

BOOST_AUTO_TEST_CASE(a_super_packet_read_becomes_finished_packets) {
  TunOffload tun(true);
  VirtioNetHeader header;
  header.flags = VirtioNetHeader::kNeedsChecksum;
  header.gso_type = VirtioNetHeader::kGsoTcpV4;
  header.gso_size = 1000;
  bool ok = false;
  const auto packets = split(tun, with_header(header, tcp_packet(2500, 7)), ok);
  BOOST_TEST(ok);
  BOOST_TEST_REQUIRE(packets.size() == 3U);
  BOOST_TEST(packets[0].size() == 1040U);
  BOOST_TEST(packets[2].size() == 540U);

  // A plain packet: the header goes, nothing else.
  const Bytes plain = tcp_packet(100, 7);
  const auto one = split(tun, with_header(VirtioNetHeader{}, plain), ok);
  BOOST_TEST(ok);
  BOOST_TEST_REQUIRE(one.size() == 1U);
  BOOST_TEST(one[0] == plain);

  // A header that contradicts the packet (IPv6 TSO of an IPv4 packet): nothing, and false.
  header.gso_type = VirtioNetHeader::kGsoTcpV6;
  BOOST_TEST(split(tun, with_header(header, tcp_packet(2500, 7)), ok).empty());
  BOOST_TEST(!ok);

  // Shorter than the header (the kernel never reads that): nothing to send, and nothing wrong.
  BOOST_TEST(split(tun, Bytes(3), ok).empty());
  BOOST_TEST(ok);
}

BOOST_AUTO_TEST_CASE(writes_are_coalesced_until_flush_in_the_paths_storage) {
  TunOffload tun(true);
  RecordingPath path;
  tun.use_storage_of(path);
  for (std::uint32_t i = 0; i < 3; ++i) BOOST_TEST(tun.write(tcp_packet(1000, 1 + i * 1000), path));
  BOOST_TEST(path.writes.empty());
  tun.flush(path);
  BOOST_TEST_REQUIRE(path.writes.size() == 1U);
  BOOST_TEST(path.ours(path.written_from[0]));
  const Bytes& written = path.writes[0];
  const auto header = VirtioNetHeader::parse(std::span(written).first<VirtioNetHeader::kSize>());
  BOOST_TEST(header.gso_type == VirtioNetHeader::kGsoTcpV4);
  BOOST_TEST(header.gso_size == 1000);
  BOOST_TEST(written.size() == VirtioNetHeader::kSize + 40 + 3000);

  // Nothing pending: a flush writes nothing.
  tun.flush(path);
  BOOST_TEST(path.writes.size() == 1U);
}

BOOST_AUTO_TEST_CASE(every_slot_taken_writes_them_first) {
  TunOffload tun(true);
  RecordingPath path;
  path.give_storage = false;  // their own buffers, as on the epoll path
  for (unsigned flow = 0; flow < Coalescer::kSlots; ++flow) {
    BOOST_TEST(tun.write(tcp_packet(1000, 1, 1000 + flow), path));
  }
  BOOST_TEST(path.writes.empty());
  BOOST_TEST(tun.write(tcp_packet(1000, 1, 5000), path));
  BOOST_TEST(path.writes.size() == Coalescer::kSlots);
  tun.flush(path);
  BOOST_TEST(path.writes.size() == Coalescer::kSlots + 1);
}

BOOST_AUTO_TEST_CASE(a_packet_too_long_for_the_device_is_refused) {
  TunOffload tun(true);
  RecordingPath path;
  BOOST_TEST(!tun.write(Bytes(70000, 0x45), path));
}

BOOST_AUTO_TEST_SUITE_END()
