// Drives cni/container_link.hpp from the command line for tests/net/cni_link.sh: each subcommand
// prints its result as JSON on stdout; a LinkError prints {"error": KIND, "msg": TEXT} and exits 1.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cni/container_link.hpp"

namespace {

using sluice::cni::LinkError;
using sluice::tunnel::IpAddress;
using sluice::tunnel::IpPrefix;

const char* kind_name(LinkError::Kind kind) {
  switch (kind) {
    case LinkError::Kind::no_netns:
      return "no_netns";
    case LinkError::Kind::exists:
      return "exists";
    case LinkError::Kind::os:
      return "os";
  }
  return "?";
}

template <typename T>
nlohmann::json texts(const std::vector<T>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& value : values) list.push_back(value.to_string());
  return list;
}

nlohmann::json observed_json(const sluice::cni::ObservedVeth& o) {
  return {{"host_exists", o.host_exists},
          {"host_up", o.host_up},
          {"host_mtu", o.host_mtu},
          {"host_routes", texts(o.host_routes)},
          {"container_exists", o.container_exists},
          {"container_up", o.container_up},
          {"container_mtu", o.container_mtu},
          {"container_mac", o.container_mac},
          {"container_addresses", texts(o.container_addresses)},
          {"container_default_gateways", texts(o.container_default_gateways)}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Creates, observes, lists and deletes sluice CNI container links");
  app.require_subcommand(1);
  sluice::cni::VethPlan plan;
  std::vector<std::string> addresses, gateways;
  std::string host, netns, ifname;

  CLI::App* create = app.add_subcommand("create", "create_veth");
  create->add_option("--netns", plan.netns_path)->required();
  create->add_option("--ifname", plan.container_ifname)->required();
  create->add_option("--host", plan.host_ifname)->required();
  create->add_option("--alias", plan.host_alias)->required();
  create->add_option("--mtu", plan.mtu)->required();
  create->add_option("--address", addresses, "container address, e.g. 10.244.3.5/32")->required();
  create->add_option("--gateway", gateways, "one per family")->required();
  for (CLI::App* command :
       {app.add_subcommand("delete", "delete_veth"), app.add_subcommand("observe", "observe_veth")}) {
    command->add_option("--host", host)->required();
    command->add_option("--netns", netns)->required();
    command->add_option("--ifname", ifname)->required();
  }
  app.add_subcommand("list", "list_host_veths");
  CLI11_PARSE(app, argc, argv);

  try {
    nlohmann::json out;
    if (create->parsed()) {
      for (const auto& text : addresses) plan.container_addresses.push_back(IpPrefix::parse(text));
      for (const auto& text : gateways) plan.gateways.push_back(IpAddress::parse(text));
      const auto made = sluice::cni::create_veth(plan);
      out = {{"host_mac", made.host_mac}, {"container_mac", made.container_mac}};
    } else if (app.got_subcommand("delete")) {
      out = {{"removed", sluice::cni::delete_veth(host, netns, ifname)}};
    } else if (app.got_subcommand("observe")) {
      out = observed_json(sluice::cni::observe_veth(host, netns, ifname));
    } else {
      out = nlohmann::json::array();
      for (const auto& veth : sluice::cni::list_host_veths())
        out.push_back({{"name", veth.name}, {"alias", veth.alias}});
    }
    std::cout << out.dump() << '\n';
    return 0;
  } catch (const LinkError& e) {
    std::cout << nlohmann::json{{"error", kind_name(e.kind())}, {"msg", e.what()}}.dump() << '\n';
    return 1;
  }
}
