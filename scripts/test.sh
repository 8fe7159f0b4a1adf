#!/usr/bin/env bash
# Install what is missing, build with warnings as errors, and run every test (ctest).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FW_BUILD_DIR:-$root/build}
"$root/scripts/deps.sh"
"$root/tests/compat/install.sh"
FW_BUILD_DIR=$build "$root/scripts/build.sh" -DFW_WERROR=ON
cd "$build"
ctest --output-on-failure --timeout 600 -j 2 "$@"
