#include "daemon/udp_batch.hpp"

#include <algorithm>

namespace sluice::daemon {

bool UdpBatch::fits(const tunnel::Endpoint& to, std::size_t size) const noexcept {
  if (count_ == 0) return size <= kMaxBytes;
  return !closed_ && size <= segment_size_ && count_ < kMaxDatagrams && bytes_.size() + size <= kMaxBytes &&
         to == endpoint_;
}

void UdpBatch::add(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer) {
  if (count_ == 0) {
    endpoint_ = to;
    peer_ = peer;
    segment_size_ = datagram.size();
  }
  closed_ = datagram.size() < segment_size_;
  bytes_.insert(bytes_.end(), datagram.begin(), datagram.end());
  ++count_;
}

void UdpBatch::clear() noexcept {
  bytes_.clear();
  count_ = 0;
  closed_ = false;
  peer_ = nullptr;
}

std::span<const std::uint8_t> UdpBatch::datagram(std::size_t i) const noexcept {
  const std::size_t start = i * segment_size_;
  return std::span(bytes_).subspan(start, std::min(segment_size_, bytes_.size() - start));
}

}  // namespace sluice::daemon
