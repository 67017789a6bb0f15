#!/usr/bin/env bash
# demo.sh: run the demo API (the README's demo command).
#
# Installs missing Debian packages (scripts/deps.sh), builds what is missing,
# then runs httpd in the foreground on 127.0.0.1:8080 with the quickstart's
# three endpoints (conf/auth0-demo.conf) and prints curl lines that show
# 200, 401 and 403. Ctrl-C stops it.
#
# Offline (the default): a key pair and its JWKS are made with auth0-jwt, and a
# second virtual host of the same httpd serves that JWKS over real HTTPS with a
# certificate from a CA made on the spot, so the module fetches its keys exactly
# as it would from Auth0. The printed tokens are minted with the demo key.
#
# Against a real tenant: put AUTH0_DOMAIN and AUTH0_AUDIENCE (or
# API_IDENTIFIER) in the environment or in a .env file at the repository top,
# as in Auth0's quickstart; then the endpoints accept that tenant's tokens.
#
#   AJ_DEMO_PORT=9090 scripts/demo.sh     # another port (JWKS on port + 363)
#   AJ_MPM=prefork scripts/demo.sh        # another MPM (event, worker, prefork)
#   AJ_DEMO_STATE=/tmp/demo scripts/demo.sh   # state folder (default .state/demo)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/deps.sh
# AJ_TOP_BUILDDIR: a build tree of its own (make check in make distcheck's
# separate, read-only source tree); else the repository is its own build tree.
build=${AJ_TOP_BUILDDIR:-$top}
if [ "$build" = "$top" ]; then
    [ -x configure ] || autoreconf -fi
    [ -f Makefile ] || ./configure
fi
make -C "$build" -j2 >/dev/null

port=${AJ_DEMO_PORT:-8080}
mpm=${AJ_MPM:-event}
case "$port" in '' | *[!0-9]*) echo "demo.sh: AJ_DEMO_PORT must be a number" >&2; exit 1 ;; esac
case "$mpm" in event | worker | prefork) ;; *) echo "demo.sh: AJ_MPM must be event, worker or prefork" >&2; exit 1 ;; esac
jwks_port=${AJ_DEMO_JWKS_PORT:-$((port + 363))}

# AUTH0_DOMAIN / AUTH0_AUDIENCE / API_IDENTIFIER from the environment, else .env
if [ -z "${AUTH0_DOMAIN:-}" ] && [ -f "$top/.env" ]; then
    while IFS='=' read -r k v; do
        v=${v%$'\r'}
        v=${v#\"}
        v=${v%\"}
        case "$k" in
            AUTH0_DOMAIN) AUTH0_DOMAIN=$v ;;
            AUTH0_AUDIENCE) AUTH0_AUDIENCE=$v ;;
            API_IDENTIFIER) API_IDENTIFIER=$v ;;
        esac
    done < <(grep -E '^(AUTH0_DOMAIN|AUTH0_AUDIENCE|API_IDENTIFIER)=' "$top/.env")
fi
AUTH0_AUDIENCE=${AUTH0_AUDIENCE:-${API_IDENTIFIER:-}}
tenant=${AUTH0_DOMAIN:-}
if [ -n "$tenant" ] && [ -z "$AUTH0_AUDIENCE" ]; then
    echo "demo.sh: AUTH0_DOMAIN is set but not AUTH0_AUDIENCE (or API_IDENTIFIER)" >&2
    exit 1
fi

apxs=$(command -v apxs || command -v apxs2) || { echo "demo.sh: apxs not found" >&2; exit 1; }
httpd="$("$apxs" -q SBINDIR)/$("$apxs" -q TARGET)"
moddir=$("$apxs" -q LIBEXECDIR)
module="$build/.libs/mod_auth0_jwt.so"
cli="$build/auth0-jwt"
[ -f "$module" ] && [ -x "$cli" ] || { echo "demo.sh: the build did not produce $module and $cli" >&2; exit 1; }

state=${AJ_DEMO_STATE:-$top/.state/demo}
mkdir -p "$state/conf" "$state/run" "$state/htdocs"
chmod 755 "$state"
conf="$state/conf/httpd.conf"

# One demo at a time: refuse if the last one still runs, forget it otherwise.
pidfile="$state/run/httpd.pid"
if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$state"; then
        echo "demo.sh: a demo already runs (pid $pid); stop it first: kill $pid" >&2
        exit 1
    fi
    rm -f "$pidfile"
fi

audience=${AUTH0_AUDIENCE:-https://auth0-jwt-demo/api}
if [ -z "$tenant" ]; then
    # The demo tenant: a signing key, its JWKS on an HTTPS virtual host, a CA.
    domain="localhost:$jwks_port"
    if [ ! -f "$state/keys/private.pem" ]; then
        "$cli" keygen --out "$state/keys" --kid demo-key >/dev/null
    fi
    # the client's own key pair, for DPoP (RFC 9449)
    if [ ! -f "$state/client/private.pem" ]; then
        "$cli" keygen --out "$state/client" --alg ES256 >/dev/null
    fi
    # the API's encryption key pair, for encrypted tokens (JWE): the private
    # half in a folder only this user can change, as Auth0DecryptionKeyFile wants
    if [ ! -f "$state/jwe/private.pem" ]; then
        mkdir -p "$state/jwe"
        chmod 700 "$state/jwe"
        "$cli" keygen --out "$state/jwe" --kid demo-enc >/dev/null
    fi
    mkdir -p "$state/jwks-root/.well-known" "$state/tls"
    chmod 755 "$state/jwks-root" "$state/jwks-root/.well-known"
    install -m 644 "$state/keys/jwks.json" "$state/jwks-root/.well-known/jwks.json"
    if [ ! -f "$state/tls/localhost.pem" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mod_auth0_jwt demo CA" \
            -keyout "$state/tls/ca.key" -out "$state/tls/ca.pem" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout "$state/tls/localhost.key" -out "$state/tls/localhost.csr" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' \
            >"$state/tls/ext.cnf"
        openssl x509 -req -days 30 -in "$state/tls/localhost.csr" -CA "$state/tls/ca.pem" \
            -CAkey "$state/tls/ca.key" -CAcreateserial -extfile "$state/tls/ext.cnf" \
            -out "$state/tls/localhost.pem" 2>/dev/null
    fi
else
    domain=$tenant
fi

static=$("$httpd" -l)
load() { # LoadModule line for a stock module, unless compiled in or absent
    if ! grep -q "mod_$1\.c" <<<"$static" && [ -f "$moddir/mod_$1.so" ]; then
        echo "LoadModule $1_module $moddir/mod_$1.so"
    fi
}

{
    echo "# generated by scripts/demo.sh; edit conf/auth0-demo.conf instead"
    echo "ServerRoot \"$state\""
    load "mpm_$mpm"
    for m in authn_core authz_core authz_host authz_user mime headers alias env setenvif \
        log_config socache_shmcb ssl; do
        load "$m"
    done
    echo "LoadModule auth0_jwt_module $module"
    echo "ServerName 127.0.0.1"
    if [ "$(id -u)" -eq 0 ]; then
        echo "User www-data"
        echo "Group www-data"
    fi
    cat <<EOF
PidFile $pidfile
DefaultRuntimeDir $state/run
Mutex file:$state/run default
ErrorLog /dev/stderr
LogLevel notice auth0_jwt:info
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog /dev/stdout common
TypesConfig $state/conf/mime.types
DocumentRoot $state/htdocs
<Directory />
    AllowOverride None
    Require all denied
</Directory>

Define AUTH0_DEMO_PORT $port
Define AUTH0_DOMAIN $domain
Define AUTH0_AUDIENCE $audience
EOF
    if [ -z "$tenant" ]; then
        cat <<EOF
Define AUTH0_DEMO_CA $state/tls/ca.pem
Define AUTH0_DEMO_JWKS_PORT $jwks_port
Define AUTH0_DEMO_STATE $state
Define AUTH0_DEMO_JWE_KEY $state/jwe/private.pem
Include $top/conf/auth0-demo-jwks.conf
EOF
    fi
    echo "Include $top/conf/auth0-demo.conf"
} >"$conf"
printf 'application/json json\ntext/plain txt\n' >"$state/conf/mime.types"

"$httpd" -d "$state" -f "$conf" -t 2>&1 | grep -v '^Syntax OK$' || true

base="http://127.0.0.1:$port"
named="http://localhost:$port" # the demo virtual host's ServerName: what a DPoP proof names
echo
echo "mod_auth0_jwt demo on $base (MPM $mpm). Ctrl-C stops it."
if [ -z "$tenant" ]; then
    mint() { "$cli" mint --key "$state/keys/private.pem" --kid demo-key \
        --iss "https://$domain/" --aud "$audience" "$@"; }
    token_dpop=$(mint --scope "read:messages" --cnf-jkt-of "$state/client/private.pem")
    proof() { "$cli" dpop --key "$state/client/private.pem" --method GET --url "$1" \
        --token "$token_dpop"; }
    cat <<EOF
Offline tenant: keys served at https://$domain/.well-known/jwks.json (CA $state/tls/ca.pem).
Tokens minted with the demo key (valid for one hour), paste into another terminal:

TOKEN_SCOPED='$(mint --scope "read:messages")'
TOKEN_PLAIN='$(mint)'
TOKEN_WRITE='$(mint --scope "write:messages")'
TOKEN_EXPIRED='$(mint --scope "read:messages" --ttl -60)'

# expect 200: public, no token
curl -i $base/api/public
# expect 401: private without a token
curl -i $base/api/private
# expect 200: private with any valid token
curl -i -H "Authorization: Bearer \$TOKEN_PLAIN" $base/api/private
# expect 403: private-scoped with a token lacking read:messages
curl -i -H "Authorization: Bearer \$TOKEN_WRITE" $base/api/private-scoped
# expect 200: private-scoped with read:messages
curl -i -H "Authorization: Bearer \$TOKEN_SCOPED" $base/api/private-scoped
# expect 401: an expired token
curl -i -H "Authorization: Bearer \$TOKEN_EXPIRED" $base/api/private
# expect 401: a token with bytes appended
curl -i -H "Authorization: Bearer \${TOKEN_SCOPED}x" $base/api/private

A DPoP-bound token (RFC 9449): bound to the client key $state/client/private.pem.
Each proof is good for one request, for 5 minutes:
TOKEN_DPOP='$token_dpop'
PROOF='$(proof "$named/api/private-scoped")'
# expect 200: private-scoped with the DPoP token and its proof (htu names the ServerName)
curl -i -H "Authorization: DPoP \$TOKEN_DPOP" -H "DPoP: \$PROOF" $named/api/private-scoped
# expect 401: the same token as a bearer token (no downgrade)
curl -i -H "Authorization: Bearer \$TOKEN_DPOP" $base/api/private-scoped
A new proof: PROOF=\$($cli dpop --key $state/client/private.pem --method GET --url $named/api/private-scoped --token \$TOKEN_DPOP)

An encrypted token (JWE), as Auth0 encrypts an API's tokens with JSON Web Encryption
on: the scoped token, encrypted to the API's key ($state/jwe, Auth0DecryptionKeyFile):
TOKEN_JWE='$("$cli" encrypt --key "$state/jwe/private.pem" --kid demo-enc "$(mint --scope "read:messages")")'
# expect 200: private-scoped with the encrypted token
curl -i -H "Authorization: Bearer \$TOKEN_JWE" $base/api/private-scoped
# expect 401: the same token with its authentication tag changed
curl -i -H "Authorization: Bearer \${TOKEN_JWE%?????}AAAAA" $base/api/private
Decrypt and check it yourself: $cli verify --decryption-key $state/jwe/private.pem --jwks $state/keys/jwks.json --aud $audience \$TOKEN_JWE

More tokens: $cli mint --key $state/keys/private.pem --kid demo-key --iss https://$domain/ --aud $audience --scope "read:messages"
EOF
else
    cat <<EOF
Tenant: $tenant, API (audience) $audience.
Get a token as in Auth0's quickstart (a machine-to-machine application authorized
for this API), then call the endpoints:

TOKEN=\$(curl -s --request POST --url https://$tenant/oauth/token \\
  --header 'content-type: application/json' \\
  --data '{"client_id":"YOUR_CLIENT_ID","client_secret":"YOUR_CLIENT_SECRET","audience":"$audience","grant_type":"client_credentials"}' \\
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

# expect 200: public, no token
curl -i $base/api/public
# expect 401: private without a token
curl -i $base/api/private
# expect 200: private with the token
curl -i -H "Authorization: Bearer \$TOKEN" $base/api/private
# expect 200 with scope read:messages granted to the application, else 403
curl -i -H "Authorization: Bearer \$TOKEN" $base/api/private-scoped
EOF
fi
echo "Configuration: $conf (includes conf/auth0-demo.conf)"
echo
exec "$httpd" -d "$state" -f "$conf" -DFOREGROUND
