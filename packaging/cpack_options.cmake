# Read by CPack once per generator (CPACK_PROJECT_CONFIG_FILE). The install(CODE) in
# packaging/CMakeLists.txt picks the systemd unit directory and the Debian-only files from the
# generator; install scripts do not see CPack's variables, but they run in this same process, so
# the generator is passed through the environment.
set(ENV{SLUICE_PACKAGE_FORMAT} "${CPACK_GENERATOR}")
