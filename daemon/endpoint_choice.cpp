#include "daemon/endpoint_choice.hpp"

#include <algorithm>
#include <stdexcept>
#include <variant>

namespace sluice::daemon {

EndpointChoice::EndpointChoice(const std::vector<std::string>& texts, tunnel::Instant now, EndpointChoiceLimits limits)
    : limits_(limits) {
  if (texts.empty()) throw std::invalid_argument("no endpoint");
  for (const std::string& text : texts) {
    Entry& entry = entries_.emplace_back();
    entry.text = text;
    auto parsed = platform::parse_endpoint_text(text);
    if (auto* numeric = std::get_if<tunnel::Endpoint>(&parsed)) {
      entry.address = *numeric;
    } else {
      entry.name = std::get<platform::EndpointName>(std::move(parsed));
      entry.next_lookup = now;
    }
  }
  in_use_ = entries_[current_].address;
}

std::vector<std::size_t> EndpointChoice::lookups_due(tunnel::Instant now) {
  std::vector<std::size_t> due;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    Entry& entry = entries_[i];
    if (!entry.name || entry.in_flight || entry.next_lookup > now) continue;
    entry.in_flight = true;
    entry.looked_up = now;
    due.push_back(i);
  }
  return due;
}

std::optional<tunnel::Endpoint> EndpointChoice::answered(std::size_t index,
                                                         const std::vector<tunnel::IpAddress>& addresses,
                                                         tunnel::Duration ttl, tunnel::Instant now) {
  Entry& entry = entries_.at(index);
  entry.in_flight = false;
  entry.failing = false;
  entry.backoff = {};
  entry.next_lookup = now + std::clamp(ttl, limits_.ttl_floor, limits_.ttl_ceiling);
  if (addresses.empty() || !entry.name) return std::nullopt;

  // The address in use while the answers still hold it, so that round-robin records or a
  // changed order do not move the tunnel; else the preferred family's first.
  const auto held = [&](const tunnel::IpAddress& address) {
    return entry.address && entry.address->address == address;
  };
  auto pick = std::find_if(addresses.begin(), addresses.end(), held);
  if (pick == addresses.end() && preferred_family_) {
    pick = std::find_if(addresses.begin(), addresses.end(),
                        [this](const tunnel::IpAddress& address) { return address.family() == *preferred_family_; });
  }
  if (pick == addresses.end()) pick = addresses.begin();
  const tunnel::Endpoint found{*pick, entry.name->port};
  if (entry.address == found) return std::nullopt;
  entry.address = found;
  if (index == current_) return use(index);
  // The entry in use has no address and cannot get one for now: this one can stand in.
  if (!entries_[current_].address && entries_[current_].failing) return use(index);
  return std::nullopt;
}

std::optional<tunnel::Endpoint> EndpointChoice::lookup_failed(std::size_t index, tunnel::Instant now) {
  Entry& entry = entries_.at(index);
  entry.in_flight = false;
  entry.failing = true;
  entry.backoff =
      entry.backoff == tunnel::Duration{} ? limits_.first_backoff : std::min(entry.backoff * 2, limits_.max_backoff);
  entry.next_lookup = now + entry.backoff;
  if (index != current_ || entry.address) return std::nullopt;
  if (const auto next = next_entry()) return use(*next);
  return std::nullopt;
}

std::optional<tunnel::Endpoint> EndpointChoice::initiation_sent(int attempt) {
  const bool failing = attempt > 1 || unanswered_;
  unanswered_ = true;
  return failing ? handshake_failing() : std::nullopt;
}

std::optional<tunnel::Endpoint> EndpointChoice::handshake_failing() {
  // Names are looked up again (no sooner than the floor after the last lookup): the peer may
  // have moved without its TTL having run out yet. A failing name keeps its backoff.
  for (Entry& entry : entries_) {
    if (entry.name && !entry.failing)
      entry.next_lookup = std::min(entry.next_lookup, entry.looked_up + limits_.ttl_floor);
  }
  // The core reports a retry after sending it: the first retry after a switch went to the new
  // endpoint, which gets its REKEY_TIMEOUT before the next switch.
  if (just_switched_) {
    just_switched_ = false;
    return std::nullopt;
  }
  if (const auto next = next_entry()) {
    just_switched_ = true;
    return use(*next);
  }
  // Only one entry: back to its address, if the peer roamed away from it.
  if (entries_[current_].address && in_use_ != entries_[current_].address) return use(current_);
  return std::nullopt;
}

void EndpointChoice::handshake_completed() {
  just_switched_ = false;
  unanswered_ = false;
  if (!in_use_) return;
  preferred_family_ = in_use_->address.family();
  // The answer may have come from an entry tried earlier (it roamed the endpoint back there).
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].address == in_use_) current_ = i;
  }
}

std::vector<std::string> EndpointChoice::texts() const {
  std::vector<std::string> out;
  for (const Entry& entry : entries_) out.push_back(entry.text);
  return out;
}

std::optional<std::size_t> EndpointChoice::next_entry() const {
  const std::size_t n = entries_.size();
  for (const bool by_family : {true, false}) {
    if (by_family && !preferred_family_) continue;
    for (std::size_t k = 1; k < n; ++k) {
      const std::size_t j = (current_ + k) % n;
      const auto& address = entries_[j].address;
      if (address && (!by_family || address->address.family() == *preferred_family_)) return j;
    }
  }
  return std::nullopt;
}

std::optional<tunnel::Endpoint> EndpointChoice::use(std::size_t index) {
  current_ = index;
  in_use_ = entries_[index].address;
  return in_use_;
}

}  // namespace sluice::daemon
