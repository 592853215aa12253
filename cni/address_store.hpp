// sluice's own IPAM: address reservations of one network on this node, in the manner of
// host-local. DATADIR/NETWORK/ holds one file per reserved address, named by the address and
// holding "CONTAINERID\nIFNAME\n"; last_reserved_ip.0 (IPv4) and .1 (IPv6) make the search
// round-robin, so a released address is not handed out again at once. Every verb holds an
// exclusive flock on DATADIR/NETWORK/lock for as long as the store is open, so concurrent plugin
// runs for different containers never reserve the same address.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cni/plugin_config.hpp"
#include "platform/unique_fd.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::cni {

struct Reservation {
  tunnel::IpAddress address;
  Attachment attachment;
};

class AddressStore {
 public:
  // Creates DATADIR/NETWORK when missing and waits for its lock. Throws CniError(5) naming the path.
  AddressStore(const std::filesystem::path& data_dir, const std::string& network);

  // The address of `family` the attachment holds, if any.
  [[nodiscard]] std::optional<tunnel::IpAddress> find(const Attachment& attachment, tunnel::IpFamily family) const;

  // A free host of `subnet` (never its network address, `gateway`, nor IPv4's broadcast), the
  // first after the one last reserved, recorded for the attachment. Throws CniError(100) when the
  // subnet is full, CniError(5) when the file cannot be written.
  tunnel::IpAddress reserve(const Attachment& attachment, const tunnel::IpPrefix& subnet,
                            const tunnel::IpAddress& gateway);

  // Removes one reservation; false when there was none.
  bool release(const tunnel::IpAddress& address);
  // Removes every reservation of the attachment; how many there were.
  std::size_t release(const Attachment& attachment);

  // Every reservation, in no particular order.
  [[nodiscard]] std::vector<Reservation> list() const;

  [[nodiscard]] const std::filesystem::path& folder() const noexcept { return folder_; }

 private:
  [[nodiscard]] std::filesystem::path last_reserved_file(tunnel::IpFamily family) const;

  std::filesystem::path folder_;
  platform::UniqueFd lock_;
};

}  // namespace sluice::cni
