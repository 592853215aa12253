#include "daemon/capture.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "crypto/key_encoding.hpp"
#include "daemon/log.hpp"

namespace sluice::daemon {
namespace {

void refuse(int fd, int error) {
  const std::string answer = "errno=" + std::to_string(error) + "\n\n";
  // Best effort: a fresh socket takes these few bytes at once.
  [[maybe_unused]] const ssize_t sent = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
}

}  // namespace

// --- ByteRing --------------------------------------------------------------------------------

bool ByteRing::push(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() + b.size() > free_space()) return false;
  append(a);
  append(b);
  return true;
}

void ByteRing::append(std::span<const std::uint8_t> data) noexcept {
  if (data.empty()) return;  // memcpy must not see the null pointer of an empty span
  std::size_t tail = (head_ + size_) % bytes_.size();
  const std::size_t first = std::min(data.size(), bytes_.size() - tail);
  std::memcpy(bytes_.data() + tail, data.data(), first);
  std::memcpy(bytes_.data(), data.data() + first, data.size() - first);
  size_ += data.size();
}

ByteRing::Drain ByteRing::drain_to(int fd) noexcept {
  while (size_ > 0) {
    const std::size_t first = std::min(size_, bytes_.size() - head_);
    iovec parts[2] = {{bytes_.data() + head_, first}, {bytes_.data(), size_ - first}};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = size_ > first ? 2 : 1;
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? Drain::blocked : Drain::failed;
    }
    head_ = (head_ + static_cast<std::size_t>(n)) % bytes_.size();
    size_ -= static_cast<std::size_t>(n);
  }
  head_ = 0;  // contiguous again for the next burst
  return Drain::empty;
}

// --- CaptureSet ------------------------------------------------------------------------------

CaptureSet::~CaptureSet() {
  for (const auto& [fd, capture] : captures_) loop_.remove(fd);
}

void CaptureSet::start(platform::UniqueFd fd, std::string_view request, const SegmentLookup& find_segment) {
  const std::optional<uapi::CaptureFilter> filter = uapi::parse_capture_request(request);
  if (!filter) {
    Log::warning("control: refused a malformed capture request");
    refuse(fd.get(), EINVAL);
    return;
  }
  std::optional<std::uint32_t> vni;
  if (filter->segment) {
    if (find_segment) vni = find_segment(*filter->segment);
    if (!vni) {
      Log::warning("control: refused a capture of segment {}: no such segment", *filter->segment);
      refuse(fd.get(), ENOENT);
      return;
    }
  }
  const int raw = fd.get();
  auto capture = std::make_unique<Capture>(std::move(fd), *filter, vni);
  capture->ring.push(uapi::pcap_header(filter->snaplen, uapi::capture_linktype(*filter)));
  captures_[raw] = std::move(capture);
  ++(vni ? frame_captures_ : packet_captures_);
  // Edge-triggered: EPOLLOUT only when the socket turns writable again, so a stalled reader
  // wakes nobody; EPOLLIN/RDHUP tell that the client stopped.
  loop_.add(raw, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
            [this, raw](std::uint32_t events) { on_event(raw, events); });
  if (vni) {
    Log::info("capture of segment VNI {} started ({} running)", *vni, captures_.size());
  } else {
    Log::info("capture started ({} running)", captures_.size());
  }
}

CaptureSet::Timestamp CaptureSet::timestamp() noexcept {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds);
  return {static_cast<std::uint32_t>(seconds.count()), static_cast<std::uint32_t>(micros.count())};
}

bool CaptureSet::wants(const Capture& capture, uapi::CaptureDirection direction) noexcept {
  return !capture.stopping &&
         (capture.filter.direction == uapi::CaptureDirection::both || capture.filter.direction == direction);
}

void CaptureSet::append(Capture& capture, Timestamp at, std::span<const std::uint8_t> packet) noexcept {
  const std::size_t caplen = std::min<std::size_t>(packet.size(), capture.filter.snaplen);
  const auto header = uapi::pcap_record_header(at.seconds, at.micros, static_cast<std::uint32_t>(caplen),
                                               static_cast<std::uint32_t>(packet.size()));
  // Room for the trailer stays free, so the end of the stream can always be written.
  if (capture.ring.free_space() < header.size() + caplen + uapi::kTrailerSize ||
      !capture.ring.push(header, packet.first(caplen))) {
    ++capture.dropped;
  }
}

void CaptureSet::record(uapi::CaptureDirection direction, const tunnel::Peer* peer,
                        std::span<const std::uint8_t> packet) noexcept {
  const Timestamp at = timestamp();
  for (auto& [fd, owned] : captures_) {
    Capture& capture = *owned;
    if (capture.vni || !wants(capture, direction)) continue;
    if (capture.filter.peer && (peer == nullptr || !(peer->public_key() == *capture.filter.peer))) continue;
    append(capture, at, packet);
  }
}

void CaptureSet::record_frame(std::uint32_t vni, uapi::CaptureDirection direction, const crypto::PublicKey* peer,
                              std::span<const std::uint8_t> frame) noexcept {
  const Timestamp at = timestamp();
  for (auto& [fd, owned] : captures_) {
    Capture& capture = *owned;
    if (capture.vni != vni || !wants(capture, direction)) continue;
    if (capture.filter.peer && peer != nullptr && !(*peer == *capture.filter.peer)) continue;
    append(capture, at, frame);
  }
}

void CaptureSet::flush() {
  std::vector<int> finished;
  for (auto& [fd, owned] : captures_) {
    if (!owned->blocked && owned->ring.size() > 0 && !pump(*owned)) finished.push_back(fd);
  }
  for (const int fd : finished) close(fd);
}

bool CaptureSet::pump(Capture& capture) noexcept {
  const ByteRing::Drain result = capture.ring.drain_to(capture.fd.get());
  capture.blocked = result == ByteRing::Drain::blocked;
  return result == ByteRing::Drain::blocked || (result == ByteRing::Drain::empty && !capture.stopping);
}

void CaptureSet::on_event(int fd, std::uint32_t events) {
  const auto it = captures_.find(fd);
  if (it == captures_.end()) return;
  Capture& capture = *it->second;
  if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
    close(fd);
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0 && !capture.stopping) {
    // The client sends nothing after its request; reading only looks for its half-close. Bytes
    // instead break the protocol and end the capture: draining a client that keeps writing would
    // hold the loop (and with it the data path) for as long as it writes.
    std::array<char, 256> probe{};
    ssize_t n = 0;
    do {
      n = ::recv(fd, probe.data(), probe.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) Log::warning("capture: the client sent data after its request; closed");
    if (n > 0 || (n < 0 && errno != EAGAIN)) {
      close(fd);
      return;
    }
    if (n == 0) {
      capture.stopping = true;
      std::array<std::uint8_t, 8> dropped{};
      std::memcpy(dropped.data(), &capture.dropped, sizeof capture.dropped);
      capture.ring.push(uapi::pcap_record_header(uapi::kTrailerMark, uapi::kTrailerMark, 0, 0), dropped);
    }
  }
  if (!pump(capture)) close(fd);
}

void CaptureSet::close(int fd) {
  const auto it = captures_.find(fd);
  if (it == captures_.end()) return;
  Log::info("capture ended: {} copies dropped ({} still running)", it->second->dropped, captures_.size() - 1);
  --(it->second->vni ? frame_captures_ : packet_captures_);
  loop_.remove(fd);
  captures_.erase(it);
}

}  // namespace sluice::daemon
