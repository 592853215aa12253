#!/usr/bin/env bash
# Runs shellcheck over every shell script of the repository, with the settings of its .shellcheckrc;
# any finding (style included) fails. The folders are globbed here, so a new script is checked
# without touching CMake.
# Usage: shellcheck.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v shellcheck >/dev/null || { echo "lint.shellcheck: needs shellcheck (see README.md)" >&2; exit 1; }
shopt -s nullglob
files=(.ci/run scripts/*.sh tests/*.sh tests/lint/*.sh tests/net/*.sh tests/interop/*.sh tests/package/*.sh
  packaging/*.bash-completion)
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p') on ${#files[@]} scripts"
shellcheck "${files[@]}"
