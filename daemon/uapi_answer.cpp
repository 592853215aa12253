#include "daemon/uapi_answer.hpp"

namespace sluice::daemon {

WholeAnswer::~WholeAnswer() { crypto::wipe(text_.data(), text_.size()); }

bool WholeAnswer::next(std::string& out) {
  if (out.empty()) out.reserve(text_.size());
  out.append(text_);
  crypto::wipe(text_.data(), text_.size());
  text_.clear();
  return false;
}

PeerSlicesAnswer::PeerSlicesAnswer(const tunnel::Device& device, std::string head, std::string status)
    : device_(device), head_(std::move(head)), status_(std::move(status)), removed_at_start_(device.peers_removed()) {
  peers_.reserve(device.peers().size());
  for (const auto& peer : device.peers()) peers_.push_back(Entry{peer.get(), peer->public_key()});
}

PeerSlicesAnswer::~PeerSlicesAnswer() { crypto::wipe(head_.data(), head_.size()); }

bool PeerSlicesAnswer::room(std::string& out, std::size_t bytes) {
  if (out.capacity() - out.size() >= bytes) return true;
  if (!out.empty()) return false;
  out.reserve(bytes);
  return true;
}

bool PeerSlicesAnswer::next(std::string& out) {
  if (!head_written_) {
    if (!room(out, head_.size())) return true;
    out.append(head_);
    crypto::wipe(head_.data(), head_.size());
    head_written_ = true;
  }
  const bool none_removed = device_.peers_removed() == removed_at_start_;
  for (std::size_t written = 0; written < kPeersPerPart && next_peer_ < peers_.size(); ++written) {
    const Entry& entry = peers_[next_peer_];
    tunnel::Peer* peer = none_removed ? entry.peer : device_.find_peer(entry.key);
    if (peer != nullptr && !append_peer(out, peer)) return true;
    ++next_peer_;
  }
  if (next_peer_ < peers_.size()) return true;
  if (!room(out, status_.size())) return true;
  out.append(status_);
  return false;
}

}  // namespace sluice::daemon
