// The CNI verbs on one checked invocation and config. Each throws CniError with the spec's code;
// ADD's result goes to standard output, the others print nothing on success.
#pragma once

#include <nlohmann/json.hpp>

#include "cni/invocation.hpp"
#include "cni/plugin_config.hpp"

namespace sluice::cni {

// All or nothing: a reservation, then the veth pair; any failure removes both.
[[nodiscard]] nlohmann::json run_add(const Invocation& invocation, const PluginConfig& config);
// Idempotent: a missing namespace, veth or reservation is success.
void run_del(const Invocation& invocation, const PluginConfig& config);
// Compares the attachment the kernel holds with prevResult, and with the reservation.
void run_check(const Invocation& invocation, const PluginConfig& config);
// Removes reservations and host veths of this network whose attachment is not valid any more.
void run_gc(const PluginConfig& config);
// Ready for ADD: the node has its subnet, the data dir is usable and, with a "policy" key, sluiced
// answers. Codes 50 otherwise.
void run_status(const PluginConfig& config);

}  // namespace sluice::cni
