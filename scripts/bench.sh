#!/usr/bin/env bash
# bench.sh: the benchmark of mod_auth0_jwt (the README's benchmark command).
#
# Installs what it lacks (scripts/deps.sh, then wrk and, for the side-by-side
# comparison, Debian's libapache2-mod-auth-openidc and libapache2-mod-oauth2),
# builds the module, the CLI and the micro-benchmark, then runs
# scripts/bench/bench.py, which starts one httpd (event MPM) on 127.0.0.1 with
# the demo virtual host, measures it with wrk, checks memory, stops httpd and
# runs tests/bench/bench_verify. Everything printed is Markdown, also written to
# .state/bench/results.md (for docs/performance.md). Takes about 8 minutes with
# the defaults; loopback only; run it on an otherwise idle machine.
#
#   BENCH_SECONDS=10          seconds per measured point (and round)
#   BENCH_REPS=3              rounds; the tables give medians
#   BENCH_WARMUP=5            seconds of warm-up per point
#   BENCH_CONNECTIONS=32      wrk connections (keep-alive); BENCH_THREADS=2 wrk threads
#   BENCH_MEMORY_REQUESTS=1000000   requests between the two RSS readings (0: skip)
#   BENCH_VERIFY_SECONDS=1    seconds per micro-benchmark loop (BENCH_VERIFY_REPS: rounds)
#   BENCH_PEERS=0             leave mod_auth_openidc and mod_oauth2 out (not installed either)
#   BENCH_PEERS_APART=1       run each peer in an httpd of its own (same MPM settings)
#   BENCH_PERF=1              also profile the cache-off path with perf (when installed)
#   BENCH_CALLGRIND=1         also count instructions per request under callgrind (valgrind;
#                             deterministic, unlike req/s on a busy machine; ~4 more minutes)
#   BENCH_SENDERS=0           leave out scripts/bench/sender_cost.py (DPoP and JWE over bearer)
#   BENCH_SCALE=0             leave out scripts/bench/cache_scale.py (the token cache at scale:
#                             100,000 tokens, prefork with 32 children; ~8 minutes)
#   BENCH_STATE=DIR           state folder (default .state/bench)
#
# A short trial: BENCH_SECONDS=2 BENCH_REPS=1 BENCH_MEMORY_REQUESTS=20000 scripts/bench.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/deps.sh

# ---- the benchmark's own packages ---------------------------------------------
peers=${BENCH_PEERS:-1}
case "$peers" in 0 | no | '') peers=0 ;; *) peers=1 ;; esac
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
wanted=(wrk)
[ "$peers" = 1 ] && wanted+=(libapache2-mod-auth-openidc libapache2-mod-oauth2)
missing=()
for p in "${wanted[@]}"; do
    installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench.sh: installing ${missing[*]}" >&2
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "bench.sh: not root and no sudo: install these Debian packages: ${missing[*]}" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    # The peers' maintainer scripts would (re)start the stock apache2: forbid
    # service starts for the install, as scripts/deps.sh does.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        made_policy=1
    fi
    "${sudo[@]}" apt-get update
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; then
        # the peers are a comparison, not a requirement: go on with wrk alone
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk || true
    fi
    [ "$made_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"
fi
command -v wrk >/dev/null 2>&1 || { echo "bench.sh: wrk is not installed" >&2; exit 1; }

# ---- build ---------------------------------------------------------------------
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j2 >/dev/null
make tests/bench/bench_verify tests/bench/bench_tcache >/dev/null

# ---- run; httpd is stopped whatever happens ------------------------------------
export BENCH_STATE=${BENCH_STATE:-$top/.state/bench}
case "$BENCH_STATE" in /*) ;; *) BENCH_STATE=$top/$BENCH_STATE ;; esac
export BENCH_PEERS=$peers
mkdir -p "$BENCH_STATE"
# the floor of a miss inside httpd (tests/bench/mod_bench_floor.c): built here,
# loaded by the benchmark's own httpd only
# shellcheck disable=SC2046
gcc -shared -fPIC -O2 -Wall -Werror $(apxs -q CFLAGS) -I"$(apxs -q INCLUDEDIR)" \
    $(pkg-config --cflags apr-1) tests/bench/mod_bench_floor.c -lcrypto \
    -o "$BENCH_STATE/mod_bench_floor.so"

stop_leftovers() {
    # bench.py stops its servers itself; this covers a driver killed outright.
    local pidfile pid
    for pidfile in "$BENCH_STATE"/*/run/httpd.pid "$BENCH_STATE"/callgrind/httpd.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null || true)
        if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$BENCH_STATE"; then
            echo "bench.sh: stopping httpd $pid" >&2
            kill -TERM "$pid" 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
}
stop_leftovers
trap stop_leftovers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rc=0
python3 "$top/scripts/bench/bench.py" || rc=$?

# ---- issue 17's other points, appended to the same results -------------------------
# (Debian's python3: the token tools of the integration tests, PyJWT and cryptography)
results=$BENCH_STATE/results.md
export REPS=${BENCH_REPS:-3} SECS=${BENCH_SECONDS:-10}
if [ "${BENCH_SENDERS:-1}" != 0 ]; then
    {
        echo "## DPoP and JWE over a bearer token (scripts/bench/sender_cost.py)"
        echo
        echo '```'
        /usr/bin/python3 "$top/scripts/bench/sender_cost.py" || rc=1
        echo '```'
        echo
    } | tee -a "$results"
fi
if [ "${BENCH_SCALE:-1}" != 0 ]; then
    /usr/bin/python3 "$top/scripts/bench/cache_scale.py" | tee -a "$results" || rc=1
fi
exit "$rc"
