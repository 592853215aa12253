// The daemon's warning about key files others can read: which modes earn it, and its one line.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "platform/secret_file_mode.hpp"

namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(daemon_secret_file_mode)

BOOST_AUTO_TEST_CASE(readable_by_group_or_others) {
  std::string pattern = (fs::temp_directory_path() / "sluice-mode-test-XXXXXX").string();
  BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path dir = pattern;
  const fs::path key = dir / "wg0.key";
  std::ofstream(key) << "secret\n";
  const struct {
    mode_t mode;
    bool warned;
  } cases[] = {{0600, false}, {0400, false}, {0620, false}, {0602, false}, {0700, false},
               {0640, true},  {0604, true},  {0644, true},  {0660, true},  {0666, true}};
  for (const auto& c : cases) {
    BOOST_TEST_REQUIRE(::chmod(key.c_str(), c.mode) == 0);
    const auto warning = sluice::platform::exposed_secret_warning(key);
    BOOST_TEST(warning.has_value() == c.warned, "mode " << std::oct << c.mode);
  }
  BOOST_TEST_REQUIRE(::chmod(key.c_str(), 0644) == 0);
  BOOST_TEST(sluice::platform::exposed_secret_warning(key).value_or("") ==
             key.string() + " holds a secret key and is readable by group or others (mode 0644); chmod 600 " +
                 key.string());
  BOOST_TEST(!sluice::platform::exposed_secret_warning(dir / "missing.key").has_value());
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
