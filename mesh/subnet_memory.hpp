// The node's subnets remembered across restarts in STATE_DIR/subnet (their lease name), so that a
// node coming back after its lease expired asks for the same subnets again, as Flannel does with
// its subnet.env.
#pragma once

#include <filesystem>
#include <optional>

#include "mesh/subnet_key.hpp"

namespace sluice::mesh {

// Throws std::system_error naming the file (from write_file_atomically).
void remember_subnets(const std::filesystem::path& state_dir, const SubnetKey& subnets);

// nullopt when nothing is remembered: the file is missing, unreadable or garbled. Never throws,
// since a node without memory simply takes a new subnet.
[[nodiscard]] std::optional<SubnetKey> recall_subnets(const std::filesystem::path& state_dir) noexcept;

}  // namespace sluice::mesh
