#!/usr/bin/env bash
# test.sh: build mod_auth0_jwt and run its tests (the README's test command).
#
#   scripts/test.sh          the quick tier, for after every change (a few minutes):
#                            unit tests, CLI tests (with the Wycheproof vectors), the
#                            docs and code-structure checks (tests/docs), the
#                            integration suite under the event MPM, and a replay of
#                            the fuzz corpora and reproducers (no new fuzzing)
#   scripts/test.sh --full   everything (what .ci/run calls): the quick tier, then the
#                            unit tests under ASan+UBSan, line coverage, the
#                            integration suite under worker and prefork, the same suite
#                            with the module built with ASan+UBSan, 60 s of fuzzing
#                            per target, valgrind, a 60-second soak, the status
#                            page in headless Chromium, `make distcheck`, and the
#                            Debian package built, installed and purged
#
# Installs missing Debian packages first (scripts/deps.sh), bootstraps autotools
# and configures when needed, then builds. Each suite prints its own counts; the
# run ends with `N passed, N failed, N skipped`, where skipped counts every test
# and every whole suite that did not run. A suite that cannot run (a tool is
# missing) is a skip in the quick tier and a failure in --full. Exits non-zero
# when anything failed or nothing passed. Logs: tests/logs/SUITE.log.
#
# Environment: AJ_FUZZ_SECONDS (default 60) and AJ_SOAK_SECONDS (default 60) for --full.
# The quick tier exports AJ_TIER=quick: a few long integration tests (marked with
# ajtest.full_tier_only) skip there, and run in --full under every MPM.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

full=0
case "${1:-}" in
--full) full=1 ;;
'') ;;
-h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
*)
    echo "test.sh: unknown argument '$1' (scripts/test.sh [--full])" >&2
    exit 2
    ;;
esac

passed=0
failed=0
skipped=0
results=()
failures=() # "suite: test id" for each failed test a log names
logs=tests/logs
t_start=$(date +%s)

finish() {
    local secs=$(($(date +%s) - t_start))
    echo
    echo "==== summary ($([ $full -eq 1 ] && echo full || echo quick) tier, ${secs} s) ===="
    printf '  %s\n' "${results[@]}"
    if [ ${#failures[@]} -gt 0 ]; then
        echo "failed tests:"
        printf '  %s\n' "${failures[@]}"
    fi
    echo "$passed passed, $failed failed, $skipped skipped"
    if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
        exit 1
    fi
    exit 0
}

bash scripts/deps.sh $([ $full -eq 1 ] && echo --full) || {
    echo "test.sh: installing dependencies failed" >&2
    failed=1
    results+=("FAIL dependencies (scripts/deps.sh)")
    finish
}
if [ ! -x configure ]; then
    autoreconf -fi || { echo "test.sh: autoreconf failed" >&2; failed=1; finish; }
fi
# warnings are errors in the project's own runs (a packager's build leaves them warnings)
if [ ! -f Makefile ] || ! grep -q '^WERROR_CFLAGS = -Werror' Makefile; then
    ./configure --enable-werror ||
        { echo "test.sh: configure failed (see config.log)" >&2; failed=1; finish; }
fi
mkdir -p "$logs"
echo "==== build ===="
if ! make -j2 >"$logs/build.log" 2>&1 || ! make -j2 tests/unit/unit_tests >>"$logs/build.log" 2>&1; then
    tail -n 40 "$logs/build.log"
    echo "test.sh: build failed (see $logs/build.log)" >&2
    failed=1
    results+=("FAIL build")
    finish
fi
echo "build: ok"

# counts LOG: "P F S" from a suite's log. A line "N passed, N failed[, N skipped]"
# (our own scripts) wins; otherwise the sum of every Check summary
# ("100%: Checks: 16, Failures: 0, Errors: 0") and pytest summary
# ("== 3 failed, 40 passed, 2 skipped, 1 error in 2.05s ==").
counts() {
    local log=$1 line p=0 f=0 s=0 n word
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
        s=$(sed -nE 's/.*, ([0-9]+) skipped$/\1/p' <<<"$line")
        echo "$p $f ${s:-0}"
        return
    fi
    while read -r n f2 e; do
        p=$((p + n - f2 - e))
        f=$((f + f2 + e))
    done < <(sed -nE 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+)$/\1 \2 \3/p' "$log")
    while IFS= read -r line; do
        for word in passed failed error errors skipped; do
            n=$(sed -nE "s/(^|.*[ =])([0-9]+) ${word}([ ,].*|$)/\\2/p" <<<"$line")
            [ -n "$n" ] || continue
            case $word in
            passed) p=$((p + n)) ;;
            skipped) s=$((s + n)) ;;
            *) f=$((f + n)) ;;
            esac
        done
    done < <(grep -E '^(=+ )?([0-9]+ [a-z]+(, [0-9]+ [a-z]+)*|no tests ran) in [0-9.]+s( \([0-9:]+\))?( =+)?$' "$log")
    echo "$p $f $s"
}

# suite NAME TOOLS COMMAND...: run COMMAND (logging to tests/logs/NAME.log) when
# every tool in TOOLS (space-separated, may be empty) is on PATH, and add its
# counts. A suite that exits non-zero without a counted failure counts one.
suite() {
    local name=$1 tools=$2 log="$logs/$1.log" rc t0 secs p f s tool missing=""
    shift 2
    echo
    echo "==== $name ===="
    for tool in $tools; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    if [ -n "$missing" ]; then
        if [ $full -eq 1 ]; then
            echo "$name: cannot run, missing:$missing (a failure in --full)"
            failed=$((failed + 1))
            results+=("FAIL $name: cannot run, missing:$missing")
        else
            echo "$name: skipped, missing:$missing"
            skipped=$((skipped + 1))
            results+=("SKIP $name: missing:$missing")
        fi
        return
    fi
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    read -r p f s < <(counts "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then
        f=$((f + 1)) # a suite that ran nothing has tested nothing
    fi
    if [ "$f" -ne 0 ]; then
        tail -n 60 "$log"
        # pytest's "FAILED id - msg", our scripts' "FAIL: name", Check's ":F:"
        while IFS= read -r line; do
            failures+=("$name: ${line:0:200}")
        done < <(grep -E '^(FAILED|ERROR) |^FAIL[: ]|:[FE]:' "$log" | head -n 20)
    else
        tail -n 3 "$log"
    fi
    echo "$name: $p passed, $f failed, $s skipped (exit $rc, ${secs} s, log $log)"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    results+=("$([ "$f" -eq 0 ] && echo PASS || echo FAIL) $name: $p passed, $f failed, $s skipped, ${secs} s")
}

export AJ_TOP_SRCDIR="$top" AJ_TOP_BUILDDIR="$top" AJ_CLI="$top/auth0-jwt"
# the few long integration tests (ajtest.full_tier_only) run in the full tier only
AJ_TIER=$([ $full -eq 1 ] && echo full || echo quick)
export AJ_TIER
export CK_VERBOSITY=normal

# ---- the quick tier ------------------------------------------------------------
suite unit "" ./tests/unit/unit_tests
suite cli "" tests/cli/run.sh
suite docs "" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/docs
suite integration-event "" env AJ_MPMS=event tests/integration/run.sh -q -p no:cacheprovider
suite fuzz-replay "clang" bash scripts/fuzz.sh --replay

# ---- the full tier -------------------------------------------------------------
if [ $full -eq 1 ]; then
    suite unit-asan "" sh -c 'make -j2 tests/unit/unit_tests_asan && \
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./tests/unit/unit_tests_asan'
    suite coverage "gcov" make coverage
    suite integration-worker "" env AJ_MPMS=worker tests/integration/run.sh -q -p no:cacheprovider
    suite integration-prefork "" env AJ_MPMS=prefork tests/integration/run.sh -q -p no:cacheprovider
    suite integration-sanitizers "gcc" bash scripts/sanitize-httpd.sh -q -p no:cacheprovider
    # a fixed seed: every run makes the same mutations, so a run that passed
    # passes again until the code changes; it cannot fail at random
    suite fuzzing "clang" env FUZZ_SEED="${FUZZ_SEED:-20261203}" \
        bash scripts/fuzz.sh "${AJ_FUZZ_SECONDS:-60}"
    suite valgrind "valgrind" bash scripts/valgrind-cli.sh --no-build
    suite soak "" bash scripts/soak.sh "${AJ_SOAK_SECONDS:-60}"
    # the status page in a real browser (headless Chromium)
    suite browser "chromium" bash tests/browser/run.sh
    # the release tarball builds and passes its tests out of tree
    suite distcheck "" bash scripts/distcheck.sh
    # the Debian package: build, lintian, install, a2enmod, configtest, purge
    suite package "dpkg-buildpackage lintian" bash scripts/package-test.sh
else
    # what only --full runs: each counts as one skipped suite
    for name in unit-asan coverage integration-worker integration-prefork \
        integration-sanitizers fuzzing valgrind soak browser distcheck package; do
        skipped=$((skipped + 1))
    done
    results+=("SKIP 11 suites of the full tier (scripts/test.sh --full)")
fi

finish
