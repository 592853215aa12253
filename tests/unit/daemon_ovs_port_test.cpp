#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <string>
#include <vector>

#include "daemon/ovs_port.hpp"

namespace {

using sluice::daemon::OvsPortSettings;
using Arguments = std::vector<std::string>;

// A wait status as waitpid reports it.
int exited(int code) { return code << 8; }
int killed_by(int signal) { return signal; }

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_ovs_port)

BOOST_AUTO_TEST_CASE(trunk_port_on_the_default_database) {
  const OvsPortSettings trunk{"br-int", "sl100", std::nullopt, ""};
  // The tag is cleared, not left out: a port a former start made an access port becomes a trunk.
  BOOST_TEST(
      sluice::daemon::ovs_add_port_arguments(trunk) == (Arguments{"--timeout=5", "--may-exist", "add-port", "br-int",
                                                                  "sl100", "--", "set", "port", "sl100", "tag=[]"}),
      boost::test_tools::per_element());
  BOOST_TEST(sluice::daemon::ovs_del_port_arguments(trunk) ==
                 (Arguments{"--timeout=5", "--no-wait", "--if-exists", "del-port", "br-int", "sl100"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(access_port_on_a_named_database) {
  const OvsPortSettings access{"br0", "sl200", 30U, "unix:/tmp/ovs/db.sock"};
  BOOST_TEST(sluice::daemon::ovs_add_port_arguments(access) ==
                 (Arguments{"--timeout=5", "--db=unix:/tmp/ovs/db.sock", "--may-exist", "add-port", "br0", "sl200",
                            "--", "set", "port", "sl200", "tag=30"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failures_name_their_cause) {
  const OvsPortSettings settings{"br-int", "sl100", std::nullopt, "unix:/x/db.sock"};
  BOOST_TEST(sluice::daemon::ovs_failure_text(
                 settings, exited(1),
                 "ovs-vsctl: unix:/run/openvswitch/db.sock: database connection failed (No such file or directory)") ==
             "ovsdb-server is not running (unix:/run/openvswitch/db.sock): ovs-vsctl: unix:/run/openvswitch/db.sock: "
             "database connection failed (No such file or directory)");
  BOOST_TEST(sluice::daemon::ovs_failure_text(
                 settings, exited(1), "ovs-vsctl: unix:/x/db.sock: database connection failed (Permission denied)")
                 .starts_with("the daemon's user may not use the ovsdb-server socket (unix:/x/db.sock)"));
  BOOST_TEST(sluice::daemon::ovs_failure_text(settings, killed_by(SIGALRM), "")
                 .starts_with("ovs-vswitchd did not apply the change within 5 s: is it running? "
                              "(database unix:/x/db.sock): ovs-vsctl ended by signal"));
  BOOST_TEST(sluice::daemon::ovs_failure_text(settings, exited(1), "ovs-vsctl: no bridge named br-int") ==
             "no such bridge (create it: ovs-vsctl add-br br-int): ovs-vsctl: no bridge named br-int");
  BOOST_TEST(sluice::daemon::ovs_failure_text(settings, exited(1), "") == "ovs-vsctl exited with status 1");
}

BOOST_AUTO_TEST_SUITE_END()
