#!/usr/bin/env bash
# run.sh: the browser tests (pytest, tests/browser): the HTML status page as
# headless Chromium renders it, against a real httpd with the built module.
#
# Run by `scripts/test.sh --full` (suite "browser"), or by hand from the
# repository top after `make`:
#   tests/browser/run.sh                      # extra args go to pytest
#   AJ_STATUS_SCREENSHOT=docs/status-page.png tests/browser/run.sh
#       also keeps the screenshot the test takes (how docs/status-page.png is made)
# Chromium missing is a failure, not a skip. Loopback only: the browser is
# told that every other host name does not exist.
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
: "${AJ_MPM:=event}"
export AJ_TOP_SRCDIR AJ_TOP_BUILDDIR AJ_APXS AJ_HTTPD AJ_MPM
export PYTHONDONTWRITEBYTECODE=1
if [ -n "${AJ_STATUS_SCREENSHOT:-}" ]; then
    case "$AJ_STATUS_SCREENSHOT" in
    /*) ;;
    *) AJ_STATUS_SCREENSHOT="$PWD/$AJ_STATUS_SCREENSHOT" ;;
    esac
    export AJ_STATUS_SCREENSHOT
fi

tmp=$(mktemp -d /tmp/aj-browser.XXXXXX) || exit 99
chmod 755 "$tmp"
# Stop any httpd a killed pytest left behind: only ours, found by pid file and
# checked against its command line (which names its ServerRoot under $tmp).
# shellcheck disable=SC2317  # (called from the EXIT trap)
cleanup() {
    local pidfile pid
    for pidfile in "$tmp"/*/logs/httpd.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile" 2>/dev/null) || continue
        case "$pid" in '' | *[!0-9]*) continue ;; esac
        if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$tmp/"; then
            kill -TERM "$pid" 2>/dev/null
            sleep 2
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

AJ_TMPDIR="$tmp" timeout -k 10 600 "${AJ_PYTHON:-/usr/bin/python3}" -m pytest -q \
    -p no:cacheprovider "$here" "$@"
