// Masquerading for the mesh (mesh/masquerade_rules.hpp) through iptables and ip6tables, in a nat
// chain of its own that POSTROUTING jumps to: the tools every distribution has, which keep working
// beside the other managers of the nat table (podman, Docker, kube-proxy).
#pragma once

#include <vector>

#include "mesh/masquerade_rules.hpp"

namespace sluice::mesh {

// Makes the chains hold exactly these rules and POSTROUTING jump to them. Throws
// std::runtime_error with the program's own message when one fails.
void apply_masquerade(const std::vector<MasqueradeRules>& families);

// Takes the chains and POSTROUTING's jumps away (`sluice-mesh leave`); a chain that is not there
// is no error. Throws std::runtime_error as above.
void remove_masquerade();

}  // namespace sluice::mesh
