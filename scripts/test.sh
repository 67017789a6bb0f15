#!/usr/bin/env bash
# test.sh: build mod_auth0_jwt and run every test (the README's test command).
#
# From the repository top or anywhere: installs missing Debian packages
# (scripts/deps.sh), bootstraps autotools and configures when needed, builds,
# runs `make check` (C unit tests, with and without sanitizers, then the
# integration tests against a real httpd under each MPM), and ends with the
# line `N passed, N failed`. Exits non-zero when anything failed or no test ran.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

bash scripts/deps.sh || { echo "test.sh: installing dependencies failed" >&2; exit 1; }

if [ ! -x configure ]; then
    autoreconf -fi || { echo "test.sh: autoreconf failed" >&2; exit 1; }
fi
if [ ! -f Makefile ]; then
    ./configure || { echo "test.sh: configure failed (see config.log)" >&2; exit 1; }
fi
if ! make -j2; then
    echo "test.sh: build failed" >&2
    echo "0 passed, 0 failed"
    exit 1
fi

# results of earlier runs must not be counted again
while IFS= read -r trs; do
    rm -f "$trs" "${trs%.trs}.log"
done < <(find tests -name '*.trs')

make -j2 check
check_rc=$?

# Line coverage of the validation code (issue 3: at least 90 %), one more test.
cov_passed=0
cov_failed=0
echo
echo "==== line coverage of the token-validation files (make coverage) ===="
if make coverage; then
    cov_passed=1
else
    cov_failed=1
fi

# Tail of the log of every test program that did not pass.
failing=0
while IFS= read -r trs; do
    if grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs"; then
        failing=$((failing + 1))
        log=${trs%.trs}.log
        echo
        echo "==== ${log} (last 80 lines) ===="
        tail -n 80 "$log"
    fi
done < <(find tests -name '*.trs' | sort)

passed=0
failed=0
mapfile -t logs < <(find tests -name '*.trs' | sort | sed 's/\.trs$/.log/')

# Check: "100%: Checks: 16, Failures: 0, Errors: 0"
for log in "${logs[@]}"; do
    [ -f "$log" ] || continue
    while read -r n f e; do
        passed=$((passed + n - f - e))
        failed=$((failed + f + e))
    done < <(sed -nE 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+)$/\1 \2 \3/p' "$log")
done

# pytest: "===== 3 failed, 40 passed, 1 error in 2.05s =====" (or without the
# rulers under -q)
summary='^(=+ )?([0-9]+ [a-z]+(, [0-9]+ [a-z]+)*|no tests ran) in [0-9.]+s( \([0-9:]+\))?( =+)?$'
for log in "${logs[@]}"; do
    [ -f "$log" ] || continue
    while IFS= read -r line; do
        echo "${log}: ${line}"
        for word in passed failed error errors; do
            n=$(sed -nE "s/(^|.*[ =])([0-9]+) ${word}([ ,].*|$)/\\2/p" <<<"$line")
            [ -n "$n" ] || continue
            if [ "$word" = passed ]; then
                passed=$((passed + n))
            else
                failed=$((failed + n))
            fi
        done
    done < <(grep -E "$summary" "$log")
done

# A test program that failed without saying how many cases (a crash, a
# sanitizer report at exit, a broken harness) still counts.
if [ "$failed" -lt "$failing" ]; then
    failed=$failing
fi
if [ "$check_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi

passed=$((passed + cov_passed))
failed=$((failed + cov_failed))

# ---- robustness (issue 8): each step ends with its own counts -------------
# Counts come from the step's "N passed, N failed" line or its pytest
# summaries; a step that fails without saying how many counts as one failure.
step() { # label, log file, command...
    local label=$1 log=$2 rc p=0 f=0 line n word
    shift 2
    echo
    echo "==== $label ===="
    "$@" >"$log" 2>&1
    rc=$?
    tail -n 25 "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    else
        while IFS= read -r line; do
            for word in passed failed error errors; do
                n=$(sed -nE "s/(^|.*[ =])([0-9]+) ${word}([ ,].*|$)/\\2/p" <<<"$line")
                [ -n "$n" ] || continue
                if [ "$word" = passed ]; then p=$((p + n)); else f=$((f + n)); fi
            done
        done < <(grep -E "$summary" "$log")
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    echo "$label: $p passed, $f failed (exit $rc)"
    passed=$((passed + p))
    failed=$((failed + f))
}

mkdir -p tests/logs
step "fuzzing: each libFuzzer target for ${AJ_FUZZ_SECONDS:-60} s" tests/logs/fuzz.log \
    bash scripts/fuzz.sh "${AJ_FUZZ_SECONDS:-60}"
step "valgrind memcheck: the CLI's verify path and the unit suite" tests/logs/valgrind.log \
    bash scripts/valgrind-cli.sh --no-build
step "integration suite, module built with ASan+UBSan inside httpd" tests/logs/sanitize.log \
    bash scripts/sanitize-httpd.sh
step "soak: ${AJ_SOAK_SECONDS:-60} s of mixed load, rotation, flapping key host, graceful restarts" \
    tests/logs/soak.log bash scripts/soak.sh "${AJ_SOAK_SECONDS:-60}"

echo
echo "$passed passed, $failed failed"
if [ "$check_rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
exit 0
