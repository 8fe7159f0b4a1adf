#!/usr/bin/env bash
# Installs the npm packages the compat tests need (the official `openwhisk` client, pinned in
# package-lock.json) into tests/compat/node_modules. Idempotent: does nothing when node_modules
# already matches the committed lock. Called by scripts/test.sh before the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if ! command -v npm >/dev/null 2>&1; then
    echo "tests/compat/install.sh: npm is not installed; the compat tests need Node.js >= 20 with npm" >&2
    echo "  (Debian: apt-get install nodejs npm, or the NodeSource packages)" >&2
    exit 1
fi

# node_modules is up to date when it was installed from exactly this package.json and lock.
# The stamp holds their hash; npm's own node_modules/.package-lock.json is not enough because
# it does not notice a package.json edit that the lock has not caught up with yet.
stamp=node_modules/.fw-compat-stamp
want=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ -f package-lock.json && -f $stamp && "$(cat "$stamp")" == "$want" && -d node_modules/openwhisk ]]; then
    exit 0
fi

if [[ -f package-lock.json ]]; then
    echo "tests/compat/install.sh: npm ci (node_modules is missing or stale)"
    # npm ci removes node_modules first and fails if package.json and the lock disagree.
    npm ci --no-audit --no-fund --loglevel=error
else
    echo "tests/compat/install.sh: no package-lock.json; npm install creates it (commit it)" >&2
    npm install --no-audit --no-fund --loglevel=error
fi

want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
echo "$want" > "$stamp"
echo "tests/compat/install.sh: installed openwhisk $(node -p "require('./node_modules/openwhisk/package.json').version")"
