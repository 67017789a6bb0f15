#!/usr/bin/env bash
# valgrind-cli.sh: the CLI's verify path and the unit tests under valgrind memcheck.
#
#   scripts/valgrind-cli.sh [--no-build] [--keep-logs] [--track-origins]
#
# Runs each case under
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
# (so only memory errors and definite/indirect leaks count; "still reachable"
# memory of OpenSSL, jansson or glibc does not):
#   ./auth0-jwt keygen, mint (RSA, EC, HMAC) to make the tokens, then
#   verify: valid tokens (RS256, ES256, HS256, from stdin), an invalid token,
#   a tampered one, an expired one, a wrong audience, the real Auth0 fixture
#   with --now 1781724900 (valid) and without (expired), --signature-only, a
#   usage error; decode: a valid and a malformed token;
#   tests/unit/unit_tests with CK_FORK=no (every check in one process).
# A case fails on any valgrind error (exit 99), a leak, or an exit status other
# than the one expected. Ends with `N passed, N failed`; exits non-zero when
# any case failed. Logs: a temporary directory, kept (and named) on failure
# or with --keep-logs.
#
# --track-origins: where uninitialised values come from (about 2.5x slower).
# Unless --no-build, first runs `make auth0-jwt tests/unit/unit_tests`.
# The real Auth0 token and its JWKS come from tests/fixtures/auth0-real/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

build=1
keep=0
origins=()
for arg in "$@"; do
    case "$arg" in
    --no-build) build=0 ;;
    --keep-logs) keep=1 ;;
    --track-origins) origins=(--track-origins=yes) ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "valgrind-cli.sh: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done

command -v valgrind >/dev/null || { echo "valgrind-cli.sh: valgrind not found" >&2; exit 2; }
if [ $build -eq 1 ] && ! make -s auth0-jwt tests/unit/unit_tests >/dev/null; then
    echo "valgrind-cli.sh: build failed" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
cli=$top/auth0-jwt
unit=$top/tests/unit/unit_tests
for bin in "$cli" "$unit"; do
    [ -x "$bin" ] || { echo "valgrind-cli.sh: $bin not built" >&2; exit 2; }
done

real_token=$top/tests/fixtures/auth0-real/token.jwt
real_jwks=$top/tests/fixtures/auth0-real/jwks.json
real_iss=https://dev-1zzve41p1cec7x1j.us.auth0.com/
real_aud=ZHTZrfntfPjYZDJiIMB1keb0HHA9AKEv
keys=$top/tests/fuzz/keys

logs=$(mktemp -d "${TMPDIR:-/tmp}/valgrind-cli.XXXXXX")
work=$logs/work
mkdir -p "$work"

# shellcheck disable=SC2054 # the commas are valgrind's
vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --num-callers=40 --quiet "${origins[@]}")

passed=0
failed=0
n=0
results=()

# run NAME EXPECTED_EXIT COMMAND...  (stdin from $stdin_file when set)
# Leaves the command's stdout in $work/NAME.out.
stdin_file=
run() {
    local name=$1 want=$2 rc why="" log
    shift 2
    n=$((n + 1))
    log=$logs/$(printf '%02d' $n)-$name.log
    if [ -n "$stdin_file" ]; then
        "${vg[@]}" --log-file="$log" "$@" <"$stdin_file" >"$work/$name.out" 2>"$work/$name.err"
    else
        "${vg[@]}" --log-file="$log" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err"
    fi
    rc=$?
    stdin_file=
    if [ $rc -eq 99 ]; then
        why="valgrind reported errors"
    elif [ -s "$log" ] && grep -Eq 'definitely lost|indirectly lost|Invalid (read|write|free)|uninitialised|Mismatched free|overlap' "$log"; then
        why="valgrind report in the log"
    elif [ "$rc" != "$want" ]; then
        why="exit $rc, expected $want"
    fi
    if [ -z "$why" ]; then
        passed=$((passed + 1))
        results+=("PASS $name")
        echo "PASS $name (exit $rc)"
    else
        failed=$((failed + 1))
        results+=("FAIL $name: $why")
        echo "FAIL $name: $why (log $log)"
        grep -v '^==[0-9]*== *$' "$log" | head -n 60
        tail -n 5 "$work/$name.err"
    fi
}

# ---- tokens (minting runs under valgrind too) ------------------------------

run keygen-es256 0 "$cli" keygen --out "$work/ec" --alg ES256 --kid vg-ec
iss=https://issuer.valgrind.example/
aud=https://api.valgrind.example/
mint_common=(--iss "$iss" --aud "$aud" --scope "read:messages" --permissions "a b")
run mint-rs256 0 "$cli" mint --key "$keys/rsa.pem" --kid fz-rsa "${mint_common[@]}"
rs256=$(cat "$work/mint-rs256.out")
run mint-es256 0 "$cli" mint --key "$work/ec/private.pem" --kid vg-ec "${mint_common[@]}" \
    --claim 'roles=["admin"]'
es256=$(cat "$work/mint-es256.out")
run mint-hs256 0 "$cli" mint --secret-file "$keys/hs.secret" --alg HS256 --kid fz-hs \
    "${mint_common[@]}"
hs256=$(cat "$work/mint-hs256.out")
run mint-expired 0 "$cli" mint --key "$keys/rsa.pem" --kid fz-rsa --ttl -3600 "${mint_common[@]}"
expired=$(cat "$work/mint-expired.out")

# An oct JWKS for the HMAC secret (k = base64url of the file).
k=$(base64 -w0 <"$keys/hs.secret" | tr '+/' '-_' | tr -d '=')
printf '{"keys":[{"kty":"oct","kid":"fz-hs","alg":"HS256","k":"%s"}]}\n' "$k" >"$work/oct.json"
# The token with one payload character changed.
tampered=$(printf '%s' "$rs256" | awk -F. '{ p = $2; c = substr(p, 5, 1);
    r = (c == "A") ? "B" : "A"; printf "%s.%s%s%s.%s", $1, substr(p, 1, 4), r, substr(p, 6), $3 }')
[ "$tampered" != "$rs256" ] || { echo "valgrind-cli.sh: tampering failed" >&2; exit 2; }

# ---- verify -----------------------------------------------------------------

vopts=(--iss "$iss" --aud "$aud")
run verify-valid-rs256 0 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" "$rs256"
run verify-valid-es256 0 "$cli" verify --jwks "$work/ec/jwks.json" --alg ES256 "${vopts[@]}" "$es256"
run verify-valid-hs256 0 "$cli" verify --jwks "$work/oct.json" --alg HS256 "${vopts[@]}" "$hs256"
printf '%s\n' "$rs256" >"$work/token.txt"
stdin_file=$work/token.txt
run verify-valid-stdin 0 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" -
run verify-invalid 1 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" "not.a.token"
run verify-garbage 1 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" '!!'
run verify-tampered 1 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" "$tampered"
run verify-expired 1 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" "$expired"
run verify-wrong-aud 1 "$cli" verify --jwks "$keys/rsa.jwks.json" --iss "$iss" --aud other "$rs256"
run verify-wrong-alg 1 "$cli" verify --jwks "$keys/rsa.jwks.json" --alg PS256 "${vopts[@]}" "$rs256"
run verify-auth0-real-now 0 "$cli" verify --jwks "$real_jwks" --iss "$real_iss" --aud "$real_aud" \
    --now 1781724900 "$(cat "$real_token")"
run verify-auth0-real-expired 1 "$cli" verify --jwks "$real_jwks" --iss "$real_iss" \
    --aud "$real_aud" "$(cat "$real_token")"
run verify-auth0-real-signature-only 0 "$cli" verify --jwks "$real_jwks" --signature-only \
    "$(cat "$real_token")"
run verify-usage-error 2 "$cli" verify "$rs256"
run verify-bad-jwks 2 "$cli" verify --jwks "$keys/hs.secret" "$rs256"

# ---- decode -----------------------------------------------------------------

run decode-valid 0 "$cli" decode "$rs256"
run decode-auth0-real 0 "$cli" decode "$(cat "$real_token")"
run decode-malformed 1 "$cli" decode "no-dots-here"
run decode-not-json 0 "$cli" decode "e30.bm90IGpzb24.x"

# ---- DPoP and bound tokens --------------------------------------------------

run dpop-proof 0 "$cli" dpop --key "$work/ec/private.pem" --method GET \
    --url "https://api.example.com/api/private?q=1" --token "$es256"
run dpop-usage-error 2 "$cli" dpop --key "$work/ec/private.pem" --method GET --url /relative
run thumbprint-key 0 "$cli" thumbprint "$work/ec/private.pem"
run thumbprint-jwks 0 "$cli" thumbprint "$work/ec/jwks.json"
run thumbprint-junk 2 "$cli" thumbprint "$keys/hs.secret"
run mint-cnf-jkt 0 "$cli" mint --key "$work/ec/private.pem" --kid vg-ec --cnf-jkt-of \
    "$work/ec/private.pem" "${mint_common[@]}"

# ---- encrypted tokens (JWE) -------------------------------------------------

run keygen-enc 0 "$cli" keygen --out "$work/enc" --alg RS256 --kid vg-enc
jwe=$("$cli" encrypt --key "$work/enc/private.pem" --kid vg-enc "$rs256")
jwe_cbc=$("$cli" encrypt --key "$work/enc/private.pem" --enc A128CBC-HS256 "$rs256")
run encrypt-gcm 0 "$cli" encrypt --key "$work/enc/private.pem" --kid vg-enc "$rs256"
run encrypt-cbc 0 "$cli" encrypt --key "$work/enc/private.pem" --alg RSA-OAEP --enc A256CBC-HS512 \
    "$rs256"
run encrypt-usage-error 2 "$cli" encrypt --key "$work/enc/private.pem" --alg RSA1_5 "$rs256"
run verify-jwe-gcm 0 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" \
    --decryption-key "$work/enc/private.pem" "$jwe"
run verify-jwe-cbc 0 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" \
    --decryption-key "$work/enc/private.pem" "$jwe_cbc"
run verify-jwe-wrong-key 1 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" \
    --decryption-key "$keys/rsa.pem" "$jwe"
run verify-jwe-tampered 1 "$cli" verify --jwks "$keys/rsa.jwks.json" "${vopts[@]}" \
    --decryption-key "$work/enc/private.pem" "${jwe%?????}AAAAA"
run decode-jwe 0 "$cli" decode "$jwe"

# ---- unit tests in one process ---------------------------------------------

export CK_FORK=no AJ_TOP_SRCDIR=$top
run unit-tests 0 "$unit"
unset CK_FORK

echo
echo "valgrind summary:"
printf '  %s\n' "${results[@]}"
if [ $failed -gt 0 ] || [ $keep -eq 1 ]; then
    echo "logs kept in $logs"
else
    rm -rf "$logs"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
