// The two shapes of answer on the control socket: a whole text, and an answer about every peer
// written a slice of peers at a time (get=1, stats=1), so that 100,000 peers never hold the event
// loop for more than one slice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/memory.hpp"
#include "daemon/control_answer.hpp"
#include "tunnel/device.hpp"

namespace sluice::daemon {

// An answer already complete; its text is wiped once handed over.
class WholeAnswer final : public ControlAnswer {
 public:
  explicit WholeAnswer(std::string text) : text_(std::move(text)) {}
  ~WholeAnswer() override;
  WholeAnswer(const WholeAnswer&) = delete;
  WholeAnswer& operator=(const WholeAnswer&) = delete;
  bool next(std::string& out) override;

 private:
  std::string text_;
};

// A head (the interface's lines), then each peer's section, then the status line. The peers are
// the ones present when the answer was made. While the Device has removed no peer since, their
// pointers are still good; once it has, each is found again by key (one removed meanwhile is left
// out), so a pointer is never used after its peer is gone.
class PeerSlicesAnswer : public ControlAnswer {
 public:
  // Peers per part: about 150 KB and well under a millisecond of work.
  static constexpr std::size_t kPeersPerPart = 512;

  PeerSlicesAnswer(const tunnel::Device& device, std::string head, std::string status);
  ~PeerSlicesAnswer() override;
  PeerSlicesAnswer(const PeerSlicesAnswer&) = delete;
  PeerSlicesAnswer& operator=(const PeerSlicesAnswer&) = delete;
  bool next(std::string& out) override;

 protected:
  // Appends `peer`'s section; false, appending nothing, when it does not fit (room()).
  virtual bool append_peer(std::string& out, tunnel::Peer* peer) const = 0;
  // Whether `bytes` more fit in `out` without growing it; an empty `out` is made to fit.
  static bool room(std::string& out, std::size_t bytes);

 private:
  struct Entry {
    tunnel::Peer* peer;
    crypto::PublicKey key;
  };

  const tunnel::Device& device_;
  std::string head_;
  std::string status_;
  std::vector<Entry> peers_;
  std::uint64_t removed_at_start_;
  std::size_t next_peer_ = 0;
  bool head_written_ = false;
};

}  // namespace sluice::daemon
