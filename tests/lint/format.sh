#!/usr/bin/env bash
# Checks that every C++ file the repository tracks is formatted as .clang-format says; lists the
# files that are not and how to fix them. clang-format's output differs between major versions, so
# the check names the one the README installs.
# Usage: format.sh SOURCE_DIR
set -euo pipefail
cd "$1"
formatter=clang-format-14
command -v "$formatter" >/dev/null || { echo "lint.format: needs $formatter (see README.md)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build*')
echo "$formatter on ${#files[@]} files"
unformatted=()
for file in "${files[@]}"; do
  "$formatter" --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if ((${#unformatted[@]})); then
  printf 'not formatted: %s\n' "${unformatted[@]}" >&2
  echo "fix with: $formatter -i ${unformatted[*]}" >&2
  exit 1
fi
