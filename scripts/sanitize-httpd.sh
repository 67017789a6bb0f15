#!/usr/bin/env bash
# sanitize-httpd.sh: the integration suite against the module built with
# AddressSanitizer + UndefinedBehaviorSanitizer, loaded into Debian's httpd with
# the sanitizer runtime preloaded. Any sanitizer report lands in the server's
# error log, which the harness fails on.
#   scripts/sanitize-httpd.sh                    # event, worker, prefork
#   AJ_MPMS=prefork scripts/sanitize-httpd.sh -k auth   # extra args go to pytest
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -f Makefile ] || { echo "sanitize-httpd.sh: configure and make first" >&2; exit 1; }
make -j2 >/dev/null

apxs=$(command -v apxs || command -v apxs2)
# the version, as configure.ac gives it (the Makefile carries it)
version=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)
out="$top/.asan"
mkdir -p "$out/obj"
cflags=(-std=gnu11 -O1 -g -fPIC -fno-omit-frame-pointer -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -DLINUX -D_REENTRANT -D_GNU_SOURCE
    -DAUTH0_JWT_VERSION="\"$version\""
    -I"$top/src" -I"$("$apxs" -q INCLUDEDIR)"
    $(apr-1-config --cppflags --includes) $(apu-1-config --includes)
    $(pkg-config --cflags openssl jansson))
objs=()
# shellcheck disable=SC2012 # plain file names
newest_header=$(ls -t "$top"/mod_auth0_jwt*.h "$top"/src/*.h | head -n 1)
for c in "$top"/mod_auth0_jwt*.c "$top"/src/aj_*.c; do
    o="$out/obj/$(basename "${c%.c}").o"
    if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then
        gcc "${cflags[@]}" -c "$c" -o "$o"
    fi
    objs+=("$o")
done
gcc -shared -fsanitize=address,undefined -o "$out/mod_auth0_jwt.so" "${objs[@]}" \
    $(pkg-config --libs openssl jansson)

runtime=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
echo "sanitize-httpd.sh: module $out/mod_auth0_jwt.so, preloading $runtime $ubsan"
export AJ_MODULE="$out/mod_auth0_jwt.so"
export AJ_HTTPD_PRELOAD="$runtime $ubsan"
# httpd frees its pools at exit only in part: leak reports there are httpd's,
# not ours (leaks are checked by valgrind on the CLI and by the soak's RSS).
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=stderr"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec tests/integration/run.sh "$@"
