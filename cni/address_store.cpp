#include "cni/address_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "cni/cni_error.hpp"
#include "mesh/address_math.hpp"

namespace sluice::cni {
namespace {

namespace fs = std::filesystem;
using mesh::Uint128;
using tunnel::IpAddress;
using tunnel::IpFamily;
using tunnel::IpPrefix;

[[noreturn]] void io_failure(const std::string& what, int error = errno) {
  throw CniError(ErrorCode::io_failure, what + ": " + std::strerror(error));
}

std::optional<IpAddress> address_of_name(const std::string& name) {
  try {
    return IpAddress::parse(name);
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // the lock, last_reserved_ip.N, or a stranger's file
  }
}

std::optional<Attachment> read_owner(const fs::path& file) {
  std::ifstream in(file);
  Attachment owner;
  if (!std::getline(in, owner.container_id) || !std::getline(in, owner.ifname)) return std::nullopt;
  return owner;
}

// Writes `text` to a new file; false when the file exists already.
bool create_exclusive(const fs::path& file, const std::string& text) {
  platform::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    if (errno == EEXIST) return false;
    io_failure("cannot create " + file.string());
  }
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    const int error = errno;
    ::unlink(file.c_str());
    io_failure("cannot write " + file.string(), error);
  }
  return true;
}

}  // namespace

AddressStore::AddressStore(const fs::path& data_dir, const std::string& network) : folder_(data_dir / network) {
  std::error_code error;
  fs::create_directories(folder_, error);
  if (error) throw CniError(ErrorCode::io_failure, "cannot create " + folder_.string() + ": " + error.message());
  const fs::path lock_file = folder_ / "lock";
  lock_.reset(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock_.valid()) io_failure("cannot open " + lock_file.string());
  while (::flock(lock_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) io_failure("cannot lock " + lock_file.string());
  }
}

fs::path AddressStore::last_reserved_file(IpFamily family) const {
  return folder_ / (family == IpFamily::v4 ? "last_reserved_ip.0" : "last_reserved_ip.1");
}

std::optional<IpAddress> AddressStore::find(const Attachment& attachment, IpFamily family) const {
  for (const Reservation& reservation : list()) {
    if (reservation.attachment == attachment && reservation.address.family() == family) return reservation.address;
  }
  return std::nullopt;
}

IpAddress AddressStore::reserve(const Attachment& attachment, const IpPrefix& subnet, const IpAddress& gateway) {
  const IpFamily family = subnet.family();
  const unsigned bits = subnet.address().bit_length();
  const Uint128 first = mesh::to_integer(subnet.masked().address());
  const Uint128 hosts_mask = mesh::host_mask(bits, subnet.cidr());
  // Hosts are first+1 .. first+mask-1: the network address and the last one are never handed out.
  if (hosts_mask < 2) {
    throw CniError(ErrorCode::no_free_address, "no free address in " + subnet.to_string() + ": it has no hosts");
  }
  const Uint128 host_count = hosts_mask - 1;
  std::set<Uint128> used;
  for (const Reservation& reservation : list()) {
    if (subnet.contains(reservation.address)) used.insert(mesh::to_integer(reservation.address));
  }
  used.insert(mesh::to_integer(gateway));
  const std::size_t taken = used.size();

  Uint128 offset = 0;  // of the last reserved host, 0 = none yet
  {
    std::ifstream in(last_reserved_file(family));
    std::string text;
    if (in >> text) {
      if (const auto last = address_of_name(text); last && subnet.contains(*last)) {
        offset = mesh::to_integer(*last) - first;
        if (offset >= hosts_mask) offset = 0;
      }
    }
  }
  // Among taken + 1 successive hosts one is free, unless the subnet is full: the walk is bounded.
  const Uint128 steps = host_count < Uint128{taken} + 1 ? host_count : Uint128{taken} + 1;
  const std::string owner = attachment.container_id + "\n" + attachment.ifname + "\n";
  for (Uint128 step = 0; step < steps; ++step) {
    offset = offset % host_count + 1;
    const Uint128 candidate = first + offset;
    if (used.contains(candidate)) continue;
    const IpAddress address = mesh::from_integer(candidate, family);
    if (!create_exclusive(folder_ / address.to_string(), owner)) continue;
    std::ofstream(last_reserved_file(family), std::ios::trunc) << address.to_string();
    return address;
  }
  throw CniError(ErrorCode::no_free_address, "no free address in " + subnet.masked().to_string() + " (" +
                                                 std::to_string(taken) + " reserved in " + folder_.string() + ")");
}

bool AddressStore::release(const IpAddress& address) {
  const fs::path file = folder_ / address.to_string();
  if (::unlink(file.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  io_failure("cannot remove " + file.string());
}

std::size_t AddressStore::release(const Attachment& attachment) {
  std::size_t released = 0;
  for (const Reservation& reservation : list()) {
    if (reservation.attachment == attachment && release(reservation.address)) ++released;
  }
  return released;
}

std::vector<Reservation> AddressStore::list() const {
  std::vector<Reservation> reservations;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder_, error)) {
    const auto address = address_of_name(entry.path().filename().string());
    if (!address) continue;
    if (const auto owner = read_owner(entry.path())) reservations.push_back({*address, *owner});
  }
  if (error) throw CniError(ErrorCode::io_failure, "cannot list " + folder_.string() + ": " + error.message());
  return reservations;
}

}  // namespace sluice::cni
