#!/usr/bin/env bash
# deps.sh: install the Debian packages mod_auth0_jwt needs to build, test and
# run its demo. Does nothing when they are all installed; otherwise runs
# `apt-get update` and installs the missing ones (root, or sudo).
# Used by scripts/test.sh and scripts/demo.sh; add packages to the list below.
set -euo pipefail

packages=(
    build-essential autoconf automake libtool pkg-config make
    apache2 apache2-dev libssl-dev libjansson-dev
    check
    python3 python3-pytest python3-jwt python3-cryptography python3-jwcrypto acl
    python3-prometheus-client
    curl ca-certificates openssl
    apache2-utils
    clang libclang-rt-14-dev valgrind
    redis-server memcached
)

# Only the full tier needs these (scripts/test.sh --full runs `deps.sh --full`).
full_packages=(
    chromium
    debhelper dpkg-dev fakeroot lintian
    man-db groff-base
)
if [ "${1:-}" = "--full" ]; then
    packages+=("${full_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
# Debian's mod_ssl is built against the newest OpenSSL 3.0 update and warns at
# every start when an older libssl3 is loaded: bring libssl3 up to date too.
if [ "${#missing[@]}" -gt 0 ] || ! apt-cache policy libssl3 2>/dev/null |
    awk '/Installed:/ {i=$2} /Candidate:/ {c=$2} END {exit !(i == c)}'; then
    missing+=(libssl3)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "deps.sh: not root and no sudo: install these Debian packages: ${missing[*]}" >&2
        exit 1
    fi
fi

# Installing apache2 would start the stock server on port 80 (where no init
# system stops it); the tests and the demo run their own httpd, so forbid
# service starts for the duration of the install unless a policy already exists.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
