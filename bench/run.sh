#!/bin/sh
# Firework performance harness (issue 4): fwd vs serverless-offline, side by side, one run.
#   bench/run.sh [--quick] [--build DIR] [--parts a,b,c] [--no-sls] [--rounds N] ...  (--help)
# Installs what it needs (wrk from apt; serverless 3 + serverless-offline 13 from npm into
# bench/node_modules, pinned by bench/package-lock.json), then runs bench/harness.py in a clean
# environment. Needs root (fwd runs functions in fw-sandbox). See bench/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk (apt)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi

# npm ci only when the lock changed since the last install (a stamp inside node_modules).
lock_sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp="$here/node_modules/.fwbench-lock.sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "installing serverless + serverless-offline (npm ci in bench/)" >&2
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$lock_sum" > "$stamp"
fi

# A clean environment: NODE_EXTRA_CA_CERTS alone triples Node's start-up time, and pyenv shims
# would put a shell script in front of python3 (docs/performance.md).
exec env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="${HOME:-/root}" LANG=C.UTF-8 \
    /usr/bin/python3 "$here/harness.py" "$@"
