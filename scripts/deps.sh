#!/usr/bin/env bash
# Installs what Firework needs to build, run and test on Debian 12, and nothing when all is there.
# Runs as root (apt-get); safe to run again. The npm packages of the compatibility tests are
# installed by tests/compat/install.sh, called from scripts/test.sh.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    libboost1.81-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsqlite3-dev
    libcurl4-openssl-dev libssl-dev libseccomp-dev libzip-dev libcli11-dev libgtest-dev
    libjemalloc-dev  # fwd's allocator (fwd/CMakeLists.txt)
    zlib1g-dev  # CRC-32 for the completion journal (controller/src/journal.cpp)
    python3 nodejs npm zip unzip curl procps iproute2
    prometheus  # promtool, which checks our /metrics output in a test
)

missing=()
for p in "${packages[@]}"; do
    # Already satisfied by another package name (e.g. node from elsewhere) counts as present.
    case "$p" in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
        python3) command -v python3 >/dev/null 2>&1 && continue ;;
    esac
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
        exit 1
    fi
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
