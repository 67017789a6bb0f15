#!/usr/bin/env bash
# run.sh: the integration tests (pytest, tests/integration) once per MPM.
#
# Run by `make check` (which sets AJ_TOP_SRCDIR, AJ_TOP_BUILDDIR, AJ_HTTPD and
# AJ_APXS) or by hand from the repository top after `make`:
#   tests/integration/run.sh                 # event, worker, prefork
#   AJ_MPMS=prefork tests/integration/run.sh -k demo   # extra args go to pytest
# Exits non-zero when any run fails. AJ_KEEP=1 keeps the ServerRoots.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${AJ_TOP_SRCDIR:=$(cd "$here/../.." && pwd)}"
: "${AJ_TOP_BUILDDIR:=$AJ_TOP_SRCDIR}"
if [ -z "${AJ_APXS:-}" ]; then
    AJ_APXS=$(command -v apxs || command -v apxs2 || echo apxs)
fi
if [ -z "${AJ_HTTPD:-}" ]; then
    AJ_HTTPD="$("$AJ_APXS" -q SBINDIR 2>/dev/null)/$("$AJ_APXS" -q TARGET 2>/dev/null)"
    [ -x "$AJ_HTTPD" ] || AJ_HTTPD=/usr/sbin/apache2
fi
export AJ_TOP_SRCDIR AJ_TOP_BUILDDIR AJ_APXS AJ_HTTPD
export PYTHONDONTWRITEBYTECODE=1

python=${AJ_PYTHON:-/usr/bin/python3}
mpms=${AJ_MPMS:-event worker prefork}
tmp=$(mktemp -d /tmp/aj-itest.XXXXXX) || exit 99
chmod 755 "$tmp"

# Stop any httpd a killed pytest left behind: only ours, found by pid file and
# checked against its command line (which names its ServerRoot under $tmp).
# shellcheck disable=SC2317  # (called from the EXIT trap)
sweep() {
    local pidfile pid
    for pidfile in "$tmp"/*/*/logs/httpd.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null) || continue
        case "$pid" in '' | *[!0-9]*) continue ;; esac
        if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$tmp/"; then
            echo "run.sh: stopping leftover httpd $pid ($pidfile)"
            kill -TERM "$pid" 2>/dev/null
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.5
            done
            kill -KILL -- "-$pid" "$pid" 2>/dev/null
        fi
    done
}

# shellcheck disable=SC2317  # (the EXIT trap)
cleanup() {
    sweep
    if [ "${AJ_KEEP:-0}" = 1 ]; then
        echo "run.sh: kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

status=0
for mpm in $mpms; do
    echo "==== integration tests, MPM $mpm ===="
    t0=$(date +%s%N)
    AJ_MPM=$mpm AJ_TMPDIR="$tmp/$mpm" timeout -k 10 900 \
        "$python" -m pytest -v "$here" "$@"
    rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    printf '==== MPM %s: pytest exit %d, %d.%03d s ====\n' "$mpm" "$rc" $((ms / 1000)) $((ms % 1000))
    [ "$rc" -eq 0 ] || status=1
done
exit "$status"
