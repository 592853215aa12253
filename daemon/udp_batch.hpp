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

  UdpBatch() : own_(kMaxBytes), storage_(own_) {}
  // It may point into its own buffer.
  UdpBatch(const UdpBatch&) = delete;
  UdpBatch& operator=(const UdpBatch&) = delete;

  // Whether a datagram of `size` bytes to `to` may join (always, when the batch is empty).
  [[nodiscard]] bool fits(const tunnel::Endpoint& to, std::size_t size) const noexcept;
  // Where a datagram of `size` bytes would go next, for building it in place; call only when
  // fits(). add() of a datagram built there copies nothing.
  [[nodiscard]] std::span<std::uint8_t> room(std::size_t size) const noexcept { return storage_.subspan(size_, size); }
  // Call only when fits().
  void add(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer);
  void clear() noexcept;

  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  [[nodiscard]] const tunnel::Endpoint& endpoint() const noexcept { return endpoint_; }
  // The peer of the first datagram (nullptr for cookie replies).
  [[nodiscard]] tunnel::Peer* peer() const noexcept { return peer_; }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return storage_.first(size_); }
  [[nodiscard]] std::uint16_t segment_size() const noexcept { return static_cast<std::uint16_t>(segment_size_); }
  // The i-th datagram.
  [[nodiscard]] std::span<const std::uint8_t> datagram(std::size_t i) const noexcept;

  // Gathers in `storage` instead of its own buffer (so the caller can hand the batch to the
  // kernel without a copy); an empty span, or one smaller than kMaxBytes, means its own buffer
  // again. Only while empty().
  void set_storage(std::span<std::uint8_t> storage) noexcept;
  [[nodiscard]] std::span<std::uint8_t> storage() const noexcept { return storage_; }

 private:
  std::vector<std::uint8_t> own_;
  std::span<std::uint8_t> storage_;  // own_, or the caller's
  std::size_t size_ = 0;
  tunnel::Endpoint endpoint_;
  tunnel::Peer* peer_ = nullptr;
  std::size_t count_ = 0;
  std::size_t segment_size_ = 0;
  bool closed_ = false;  // the last datagram was shorter than the others: nothing may follow
};

}  // namespace sluice::daemon
