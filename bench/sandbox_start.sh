#!/bin/sh
# Cold-start cost of fw-sandbox vs plain spawning (bench/sandbox_start.cpp). Needs root.
#   bench/sandbox_start.sh [build-dir] [runs]
# Results and the machine they came from are recorded in docs/sandbox.md.
set -eu
build=${1:-build}
runs=${2:-150}
here=$(cd "$(dirname "$0")" && pwd)
sandbox=$(cd "$build" && pwd)/sandbox/fw-sandbox
[ -x "$sandbox" ] || { echo "no $sandbox: build fw-sandbox first" >&2; exit 1; }
out=$(mktemp -d)
g++ -O2 -std=c++20 -o "$out/sandbox_start" "$here/sandbox_start.cpp"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$out/sandbox_start" "$sandbox" "$runs"
rm -rf "$out"
