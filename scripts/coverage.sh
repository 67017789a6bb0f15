#!/usr/bin/env bash
# Line coverage of the token-validation files of src/, from gcov data left by
# tests/unit/unit_tests_cov (make coverage). Usage: coverage.sh OBJDIR MIN_PERCENT
set -euo pipefail
objdir=$1
min=$2
files=(aj_reason aj_b64 aj_json aj_alg aj_jwk aj_jws aj_claims aj_token aj_tcache aj_dpop aj_replay aj_pkey_memo aj_proof_memo aj_jwe aj_siphash)
total=0
hit=0
printf '%-14s %8s %8s\n' file lines covered
for f in "${files[@]}"; do
    obj="$objdir/tests_unit_unit_tests_cov-$f.o"
    line=$(gcov -n -o "$objdir" "$obj" 2>/dev/null | awk -v f="$f.c" '
        /^File / { cur = ($0 ~ f "\x27$") }
        cur && /^Lines executed:/ { print; exit }')
    pct=$(sed -E 's/Lines executed:([0-9.]+)% of ([0-9]+)/\1/' <<<"$line")
    n=$(sed -E 's/Lines executed:([0-9.]+)% of ([0-9]+)/\2/' <<<"$line")
    if [ -z "$line" ]; then
        echo "no coverage data for $f.c (run make coverage)" >&2
        exit 1
    fi
    h=$(awk -v p="$pct" -v n="$n" 'BEGIN { printf "%d", p * n / 100 + 0.5 }')
    total=$((total + n))
    hit=$((hit + h))
    printf '%-14s %8d %7.1f%%\n' "$f.c" "$n" "$pct"
done
pct=$(awk -v h="$hit" -v t="$total" 'BEGIN { printf "%.1f", 100 * h / t }')
printf '%-14s %8d %7s%%\n' total "$total" "$pct"
if awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p < m) }'; then
    echo "coverage: FAILED: $pct% of validation lines ran, below $min%"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "coverage: ok: $pct% of validation lines ran (at least $min% required)"
echo "1 passed, 0 failed"
