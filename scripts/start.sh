#!/usr/bin/env bash
# Quick start: install what is missing, build, and run `fwd standalone` in the foreground.
# Any arguments are passed to `fwd standalone` (e.g. --listen 127.0.0.1:3233 --data-dir DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh"
build=${FW_BUILD_DIR:-$root/build}
# Put fwctl and fwd on the PATH for the other terminal of the quick start, when allowed.
if [[ -w /usr/local/bin ]]; then
    ln -sf "$build/cli/fwctl" /usr/local/bin/fwctl
    ln -sf "$build/fwd/fwd" /usr/local/bin/fwd
fi
exec "${FW_BUILD_DIR:-$root/build}/fwd/fwd" standalone "$@"
