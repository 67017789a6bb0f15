#!/usr/bin/env bash
# soak.sh: mixed load (64 connections: valid, no-scope, expired, tampered and
# missing tokens, public requests) on a real httpd while the JWKS rotates every
# 30 s, its host flaps between 500s, stalls, garbage and normal, and httpd
# restarts gracefully ten times. Checks: every answer as its token deserves, no
# 5xx, no crash line, child RSS flat. Ends with `N passed, N failed`.
#   scripts/soak.sh              # 10 minutes
#   scripts/soak.sh 60           # one minute (the test command's version)
#   AJ_MPM=prefork scripts/soak.sh 120
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -f .libs/mod_auth0_jwt.so ] || { echo "soak.sh: build first (scripts/test.sh or make)" >&2; exit 1; }
exec /usr/bin/python3 tests/soak/soak.py --seconds "${1:-600}" --restarts "${AJ_SOAK_RESTARTS:-10}"
