#!/bin/sh
# Cold-start cost of fw-sandbox vs plain spawning (bench/sandbox_start.cpp). Needs root.
#   bench/sandbox_start.sh [build-dir] [runs] [idle-ms before each sample, default 20; 0 = back to back]
# The fw-sandbox variants go through the SandboxLauncher and its spawner, as fwd does.
# Results and the machine they came from are recorded in docs/sandbox.md.
set -eu
build=$(cd "${1:-build}" && pwd)
runs=${2:-150}
gap=${3:-20}
cmake --build "$build" --target fw-sandbox fw-sandbox-start-bench >/dev/null
sandbox=$build/sandbox/fw-sandbox
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$(dirname "$0")" rev-parse --short HEAD), kernel $(uname -r)"
echo "cgroup2 favordynmods: $("$sandbox" favordynmods)"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$build/tests/sandbox/fw-sandbox-start-bench" "$sandbox" "$runs" "$gap"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
