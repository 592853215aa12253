#include "daemon/udp_batch.hpp"

#include <algorithm>

namespace sluice::daemon {

bool UdpBatch::fits(const tunnel::Endpoint& to, std::size_t size) const noexcept {
  if (count_ == 0) return size <= kMaxBytes;
  return !closed_ && size <= segment_size_ && count_ < kMaxDatagrams && size_ + size <= kMaxBytes && to == endpoint_;
}

void UdpBatch::add(const tunnel::Endpoint& to, std::span<const std::uint8_t> datagram, tunnel::Peer* peer) {
  if (count_ == 0) {
    endpoint_ = to;
    peer_ = peer;
    segment_size_ = datagram.size();
  }
  closed_ = datagram.size() < segment_size_;
  const auto at = storage_.begin() + static_cast<std::ptrdiff_t>(size_);
  if (datagram.data() != std::to_address(at)) std::copy(datagram.begin(), datagram.end(), at);
  size_ += datagram.size();
  ++count_;
}

void UdpBatch::clear() noexcept {
  size_ = 0;
  count_ = 0;
  closed_ = false;
  peer_ = nullptr;
}

void UdpBatch::set_storage(std::span<std::uint8_t> storage) noexcept {
  storage_ = storage.size() >= kMaxBytes ? storage : std::span<std::uint8_t>(own_);
}

std::span<const std::uint8_t> UdpBatch::datagram(std::size_t i) const noexcept {
  const std::size_t start = i * segment_size_;
  return storage_.subspan(start, std::min(segment_size_, size_ - start));
}

}  // namespace sluice::daemon
