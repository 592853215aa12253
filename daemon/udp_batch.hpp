// Datagrams waiting to leave together in one UDP GSO send: all to one endpoint, all of one size
// except a shorter last one, as UDP_SEGMENT requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tunnel/endpoint.hpp"
#include "tunnel/peer.hpp"

namespace sluice::daemon {

class UdpBatch {
 public:
  // The kernel's limits for one GSO send: 64 segments (UDP_MAX_SEGMENTS on older kernels) and
  // one IP packet's worth of payload.
  static constexpr std::size_t kMaxDatagrams = 64;
  static constexpr std::size_t kMaxBytes = 65000;

  UdpBatch() { bytes_.reserve(kMaxBytes); }

  // Whether a datagram of `size` bytes to `to` may join (always, when the batch is empty).
  [[nodiscard]] bool fits(const tunnel::Endpoint& to, std::size_t size) const noexcept;
  // Call only when fits().
  void add(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer);
  void clear() noexcept;

  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  [[nodiscard]] const tunnel::Endpoint& endpoint() const noexcept { return endpoint_; }
  // The peer of the first datagram (nullptr for cookie replies).
  [[nodiscard]] tunnel::Peer* peer() const noexcept { return peer_; }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::uint16_t segment_size() const noexcept { return static_cast<std::uint16_t>(segment_size_); }
  // The i-th datagram.
  [[nodiscard]] std::span<const std::uint8_t> datagram(std::size_t i) const noexcept;

 private:
  std::vector<std::uint8_t> bytes_;
  tunnel::Endpoint endpoint_;
  tunnel::Peer* peer_ = nullptr;
  std::size_t count_ = 0;
  std::size_t segment_size_ = 0;
  bool closed_ = false;  // the last datagram was shorter than the others: nothing may follow
};

}  // namespace sluice::daemon
