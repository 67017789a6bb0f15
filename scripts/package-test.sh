#!/bin/bash
# The Debian package, end to end, on this machine (the full tier's `package`
# suite; run from anywhere, as root):
#
#   1. copies the tracked files (git ls-files) into a temporary folder, so that
#      a configured or built tree is left alone and uncommitted edits are
#      tested, and builds there with `dpkg-buildpackage -us -uc -b`;
#   2. lintian on the .changes: no E: line;
#   3. installs the .deb with apt-get (a policy-rc.d forbids every service
#      start), then a2enmod auth0_jwt, apache2ctl configtest and -M, the CLI's
#      version, its man page, the files dpkg lists;
#   4. a2dismod, apt-get purge, and a check that /etc/apache2, the module
#      directory, /usr/bin/auth0-jwt, man1 and /var/lib/apache2 are exactly as
#      they were before.
#
# A trap undoes whatever was done (purge, policy-rc.d, temporary folder) on
# any exit. It refuses to run if the package or any file it ships is already
# there: that is not ours to undo. apache2ctl runs with its run, lock and log
# folders moved into the temporary folder, and no server is ever started.
# Each check prints `ok - ...` or `FAIL: ...`; the last line is
# `N passed, N failed` (exit status 1 on failure).

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
pkg=libapache2-mod-auth0-jwt
mods=/etc/apache2/mods-available
# What the package installs; none of it may exist before we start.
owned=("$mods/auth0_jwt.load" "$mods/auth0_jwt.conf" /etc/apache2/mods-enabled/auth0_jwt.load
    /etc/apache2/mods-enabled/auth0_jwt.conf /usr/lib/apache2/modules/mod_auth0_jwt.so
    /usr/bin/auth0-jwt /usr/share/man/man1/auth0-jwt.1.gz)
snapshot_paths=(/etc/apache2 /usr/lib/apache2/modules /usr/bin/auth0-jwt /usr/share/man/man1
    /var/lib/apache2)

passed=0
failed=0
ok() {
    echo "ok - $*"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: installing a Debian package needs root"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
for tool in git dpkg-buildpackage lintian apt-get dpkg-query a2enmod a2dismod apache2ctl man; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail "$tool is not installed"
        finish
    fi
done

# ---- refuse what is not ours to undo ------------------------------------------
status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
    fail "refusing to run: $pkg is already on this machine (dpkg status: $status)"
    finish
fi
for f in "${owned[@]}"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
        fail "refusing to run: $f already exists (from make install?); remove it first"
        finish
    fi
done

# ---- undo on any exit ----------------------------------------------------------
tmp=$(mktemp -d /tmp/aj-package.XXXXXX)
chmod 755 "$tmp" # apt's _apt user reads the .deb from here
made_policy=0
installed=0
deps_undone=1 # 0 once apt-get install starts: the trap then undoes a2enmod's dependencies
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$installed" -eq 1 ]; then
        a2dismod -q -f auth0_jwt >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg" >/dev/null 2>&1 ||
            dpkg --purge "$pkg" >/dev/null 2>&1
    fi
    [ "$deps_undone" -eq 0 ] && undo_dependencies >/dev/null
    [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a2enmod auth0_jwt also enables its dependency socache_shmcb, and Debian never
# disables a dependency again (not a2dismod, not the package's purge); a2dismod
# leaves its state folders behind. What this test enabled or created that way
# it undoes itself (a2dismod -m -p drops the module's state too), after the
# purge and before the snapshots are compared.
enabled_before=$(ls /etc/apache2/mods-enabled)
statedirs_before=$(find /var/lib/apache2 -type d 2>/dev/null | sort)
undo_dependencies() {
    local f m d
    for f in /etc/apache2/mods-enabled/*.load; do
        m=$(basename "$f" .load)
        [ -e "$f" ] || continue
        grep -qxF "$m.load" <<<"$enabled_before" && continue
        [ "$m" = auth0_jwt ] && continue # the package's own: purge must handle it
        echo "note - $m: enabled as auth0_jwt's dependency and left enabled by the purge; disabling it"
        a2dismod -q -f -m -p "$m" >/dev/null 2>&1
    done
    find /var/lib/apache2 -depth -type d -empty 2>/dev/null | while read -r d; do
        grep -qxF "$d" <<<"$statedirs_before" || rmdir "$d"
    done
}

# snapshot: every path under the folders above, with its type, mode, owner,
# and its checksum (a file) or target (a link)
snapshot() {
    local p
    for p in "${snapshot_paths[@]}"; do
        [ -e "$p" ] || [ -L "$p" ] || continue
        find "$p" -printf '%y %m %u:%g %p -> %l\n' | sort
        find "$p" -type f -print0 | sort -z | xargs -0 -r sha256sum
    done
}

# ---- 1. build ------------------------------------------------------------------
src="$tmp/mod-auth0-jwt"
mkdir "$src"
(cd "$top" && git ls-files -z) | (cd "$top" && xargs -0 cp --parents -t "$src")
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
t0=$(date +%s)
if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
else
    tail -n 40 "$tmp/build.log"
    fail "dpkg-buildpackage -us -uc -b"
    finish
fi
deb="$tmp/${pkg}_${version}_$(dpkg --print-architecture).deb"
changes="$tmp/mod-auth0-jwt_${version}_$(dpkg --print-architecture).changes"
if [ -f "$deb" ]; then ok "built $(basename "$deb")"; else fail "no $deb" && finish; fi

# ---- 2. lintian ----------------------------------------------------------------
lintian -I "$changes" >"$tmp/lintian.log" 2>&1
sed 's/^/  lintian: /' "$tmp/lintian.log"
if grep -q '^E: ' "$tmp/lintian.log"; then fail "lintian reports errors"; else ok "lintian: no E: line"; fi

# ---- 3. install, enable, check -------------------------------------------------
before=$(snapshot)
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# scripts/package-test.sh: no service starts while it runs\nexit 101\n' \
        >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
fi
installed=1 # from here on the trap purges, whatever apt-get did
deps_undone=0
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" \
    >"$tmp/install.log" 2>&1; then
    ok "apt-get install ./$(basename "$deb")"
else
    tail -n 30 "$tmp/install.log"
    fail "apt-get install ./$(basename "$deb")"
    finish
fi
status=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$pkg" 2>/dev/null)
[ "$status" = "installed $version" ] && ok "dpkg: $pkg $version installed" ||
    fail "dpkg status after install: '$status'"

listed=$(dpkg -L "$pkg")
for f in /usr/lib/apache2/modules/mod_auth0_jwt.so /usr/bin/auth0-jwt \
    /usr/share/man/man1/auth0-jwt.1.gz "$mods/auth0_jwt.load" "$mods/auth0_jwt.conf"; do
    if grep -qx "$f" <<<"$listed" && [ -f "$f" ]; then ok "dpkg -L: $f"; else fail "dpkg -L: no $f"; fi
done

if a2enmod auth0_jwt >"$tmp/a2enmod.log" 2>&1 && [ -L /etc/apache2/mods-enabled/auth0_jwt.load ]; then
    ok "a2enmod auth0_jwt: $(head -n 1 "$tmp/a2enmod.log")"
else
    cat "$tmp/a2enmod.log"
    fail "a2enmod auth0_jwt"
fi

# apache2ctl with Debian's envvars, its run/lock/log folders moved into $tmp
for d in run lock log; do mkdir -p "$tmp/apache/$d"; done
cat >"$tmp/apache/envvars" <<EOF
. /etc/apache2/envvars
export APACHE_RUN_DIR=$tmp/apache/run APACHE_PID_FILE=$tmp/apache/run/apache2.pid
export APACHE_LOCK_DIR=$tmp/apache/lock APACHE_LOG_DIR=$tmp/apache/log
EOF
out=$(APACHE_ENVVARS="$tmp/apache/envvars" apache2ctl configtest 2>&1)
if grep -q '^Syntax OK$' <<<"$out"; then ok "apache2ctl configtest: Syntax OK"; else
    echo "$out"
    fail "apache2ctl configtest"
fi
out=$(APACHE_ENVVARS="$tmp/apache/envvars" apache2ctl -M 2>&1)
if grep -q ' auth0_jwt_module (shared)' <<<"$out"; then
    ok "apache2ctl -M lists auth0_jwt_module"
else
    echo "$out"
    fail "apache2ctl -M does not list auth0_jwt_module"
fi

out=$(/usr/bin/auth0-jwt --version 2>&1)
[ "$out" = "auth0-jwt (mod_auth0_jwt) $version" ] && ok "auth0-jwt --version: $out" ||
    fail "auth0-jwt --version says '$out', the package is $version"
out=$(man -w auth0-jwt 2>&1)
[ "$out" = /usr/share/man/man1/auth0-jwt.1.gz ] && ok "man -w auth0-jwt: $out" ||
    fail "man -w auth0-jwt: '$out'"

# ---- 4. disable, purge, compare --------------------------------------------------
if a2dismod auth0_jwt >"$tmp/a2dismod.log" 2>&1 && [ ! -e /etc/apache2/mods-enabled/auth0_jwt.load ]; then
    ok "a2dismod auth0_jwt"
else
    cat "$tmp/a2dismod.log"
    fail "a2dismod auth0_jwt"
fi
if DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg" >"$tmp/purge.log" 2>&1; then
    ok "apt-get purge $pkg"
else
    tail -n 30 "$tmp/purge.log"
    fail "apt-get purge $pkg"
fi
status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
if [ -z "$status" ] || [ "$status" = not-installed ]; then
    installed=0
    ok "dpkg: $pkg not installed"
else
    fail "dpkg status after purge: '$status'"
fi
if [ "$made_policy" -eq 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    made_policy=0
fi
undo_dependencies
deps_undone=1
after=$(snapshot)
if [ "$before" = "$after" ]; then
    ok "after purge, ${snapshot_paths[*]} are as before"
else
    diff <(echo "$before") <(echo "$after") | head -n 40
    fail "purge left ${snapshot_paths[*]} changed"
fi

finish
