# Shared by scripts/demo, scripts/test and scripts/fuzz (sourced, not run).
# shellcheck shell=bash disable=SC2034 # the variables are used by the callers
# Requires bash with `set -euo pipefail` already set by the caller.

# The repository root: the parent of the scripts/ folder.
MAILAUTH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Build jobs: the number of CPUs, at most 2 unless MAILAUTH_JOBS says otherwise.
mailauth_jobs() {
    if [[ -n "${MAILAUTH_JOBS:-}" ]]; then
        echo "$MAILAUTH_JOBS"
        return
    fi
    local n
    n="$(nproc 2>/dev/null || echo 1)"
    if ((n > 2)); then n=2; fi
    echo "$n"
}

# True if the Debian package is installed (not merely known to dpkg).
mailauth_have_pkg() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# Install the Debian packages given as arguments that are missing. Runs
# apt-get update first, and only when something is to be installed. Uses
# sudo when not root. Without dpkg (not Debian), only warns.
mailauth_install_pkgs() {
    local missing=() pkg sudo=()
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "note: not a Debian system; make sure these are installed: $*" >&2
        return 0
    fi
    for pkg in "$@"; do
        mailauth_have_pkg "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ "$(id -u)" -ne 0 ]]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "error: missing packages (${missing[*]}) and not root; install them first" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    echo "==> installing ${missing[*]}"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "${missing[@]}"
}

# Packages needed to build the library and mailauth-check.
MAILAUTH_BUILD_PKGS=(build-essential cmake pkg-config libssl-dev libc-ares-dev libidn2-dev
                     libpsl-dev publicsuffix libcmocka-dev)
