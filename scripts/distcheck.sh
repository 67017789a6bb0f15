#!/usr/bin/env bash
# distcheck.sh: the release check. Runs `make distcheck` in this (already
# configured) tree: the tarball is made, unpacked read-only, configured and
# built in a separate tree, `make check` runs there (unit, CLI, docs and
# integration tests; the integration suite under the event MPM only, as
# AJ_MPMS says), then install, uninstall and distclean are checked.
#
#   scripts/distcheck.sh              # from the repository top, after ./configure
#   AJ_MPMS="event prefork" scripts/distcheck.sh
#
# Counts the checks it makes and ends with "N passed, N failed"; exits non-zero
# when one fails. The tree is left as it was: the tarball is removed at the end.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export AJ_MPMS=${AJ_MPMS:-event}
export VERBOSE=yes # a failed suite's log goes into this one
passed=0
failed=0

check() { # check NAME STATUS: count one result and say it
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS: $1"
    else
        failed=$((failed + 1))
        echo "FAIL: $1"
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

if [ ! -f Makefile ]; then
    echo "distcheck.sh: $top is not configured (run autoreconf -fi && ./configure first)"
    check "configured tree" 1
    finish
fi
name=$(sed -n 's/^PACKAGE_TARNAME = //p' Makefile)
version=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)
distdir="$name-$version"
tarball="$distdir.tar.gz"
case "$name$version" in '' | *[!A-Za-z0-9._-]*)
    echo "distcheck.sh: no PACKAGE_TARNAME/PACKAGE_VERSION in Makefile"
    check "configured tree" 1
    finish
    ;;
esac

# What git sees before (untracked files included, ignored ones not).
state() { git -C "$top" status --porcelain --untracked-files=all 2>/dev/null; }
before=$(state)

echo "==== make distcheck ($distdir, integration tests under: $AJ_MPMS) ===="
t0=$(date +%s)
out=$(mktemp /tmp/aj-distcheck.XXXXXX) || exit 2
trap 'rm -f "$out"' EXIT
timeout -k 30 2400 make -j2 distcheck 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
echo "==== make distcheck: exit $rc, $(($(date +%s) - t0)) s ===="

check "make distcheck exits 0" "$rc"

# The tarball: made, with what the checks need and no build output.
if [ -f "$tarball" ]; then
    check "tarball $tarball made" 0
    list=$(tar -tzf "$tarball")
    missing=""
    for f in configure Makefile.in NEWS.md README.md LICENSE man/auth0-jwt.1.in \
        cli/auth0_jwt_cli.c tests/docs/run.sh tests/cli/run.sh tests/integration/run.sh \
        tests/fixtures/auth0-real/jwks.json scripts/distcheck.sh conf/auth0_jwt.load; do
        grep -qx "$distdir/$f" <<<"$list" || missing="$missing $f"
    done
    [ -z "$missing" ] || echo "the tarball lacks:$missing"
    check "tarball carries the sources, tests, docs and scripts" "$([ -z "$missing" ]; echo $?)"
    extra=$(grep -E '(\.o|\.lo|\.la|\.so|\.pyc|\.log|\.trs|/__pycache__/|/man/auth0-jwt\.1)$' \
        <<<"$list" | head -n 10)
    [ -z "$extra" ] || printf 'the tarball carries build output:\n%s\n' "$extra"
    check "tarball carries no build output" "$([ -z "$extra" ]; echo $?)"
else
    check "tarball $tarball made" 1
fi

# What make check ran in the read-only tree: automake's summary, with every
# suite passed or skipped, none failed, and at least the unit, CLI and docs ones.
count() { sed -n "s/^# $1: *\([0-9]*\)$/\1/p" "$out" | tail -n 1; }
npass=$(count PASS)
nfail=$(count FAIL)
nerr=$(count ERROR)
echo "make check in the unpacked tarball: ${npass:-no} suites passed, ${nfail:-?} failed, ${nerr:-?} errors"
grep -E '^(PASS|FAIL|SKIP|ERROR): ' "$out"
ok=1
if [ "${npass:-0}" -ge 3 ] && [ "${nfail:-1}" -eq 0 ] && [ "${nerr:-1}" -eq 0 ]; then
    ok=0
fi
check "make check passes out of tree, with a read-only source tree" "$ok"
# (distcheck reaches its uninstall and distclean checks only once make check passed)
left=0
grep -q "files left" "$out" && left=1
check "uninstall and distclean leave no files behind" $((rc != 0 || left))
grep -q "archives ready for distribution" "$out"
check "the release archive is declared ready" "$?"

# Leave the tree as it was: no tarball, no unpacked copy.
rm -f "$tarball"
if [ -d "$distdir" ]; then
    chmod -R u+w "$distdir" 2>/dev/null
    rm -rf "$distdir"
fi
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    after=$(state)
    if [ "$before" != "$after" ]; then
        echo "the tree changed:"
        diff <(echo "$before") <(echo "$after")
    fi
    check "the tree is left as it was" "$([ "$before" = "$after" ]; echo $?)"
fi
finish
