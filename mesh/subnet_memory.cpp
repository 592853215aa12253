#include "mesh/subnet_memory.hpp"

#include <string>
#include <string_view>
#include <system_error>

#include "mesh/atomic_file.hpp"
#include "platform/small_file.hpp"

namespace sluice::mesh {
namespace {

constexpr std::string_view kFileName = "subnet";
// A dual-stack name is under 100 characters; anything much longer is not ours.
constexpr std::size_t kFileLimit = 256;

}  // namespace

void remember_subnets(const std::filesystem::path& state_dir, const SubnetKey& subnets) {
  write_file_atomically(state_dir / kFileName, subnet_key_name(subnets) + "\n", 0644);
}

std::optional<SubnetKey> recall_subnets(const std::filesystem::path& state_dir) noexcept {
  try {
    const std::string text = platform::read_small_file(state_dir / kFileName, kFileLimit);
    std::string_view name = text;
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r' || name.back() == ' ')) name.remove_suffix(1);
    return parse_subnet_key_name(name);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace sluice::mesh
