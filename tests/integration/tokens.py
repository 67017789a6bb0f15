"""tokens: keys, key sets and access tokens for the integration tests.

Two independent ways to mint a token, both used by the tests:
  pyjwt(...)  python3-jwt (PyJWT), with keys made by python3-cryptography
  cli(...)    our own `auth0-jwt mint` (built from src/)
  mint(how, ...) picks one by name ("pyjwt" or "cli"); MINTERS lists both.

The key material is made once per pytest process (keys()): one RSA 2048 key
whose public half is in the JWKS file the servers load (KID), a second RSA key
that is NOT in the JWKS (for unknown-kid and wrong-key cases), and a 48-byte
HMAC secret for Auth0SigningSecretFile.

Servers get the files through `Httpd(..., files=server_files())`, and the
Auth0 directives through AUTH0 (Auth0Domain, Auth0Audience, Auth0JWKSFile),
with paths relative to the ServerRoot.
"""

import base64
import functools
import json
import os
import shutil
import subprocess
import tempfile
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import ajtest

DOMAIN = "some.tenant.example"
ISSUER = "https://some.tenant.example/"
AUDIENCE = "https://quickstarts/api"
KID = "itest-rsa-1"
OTHER_KID = "itest-rsa-other"
SUB = "auth0|itest-user"

JWKS_REL = "conf/jwks.json"
SECRET_REL = "conf/hs256.secret"

# The directives every protected scope needs (server config, <Location> or .htaccess).
AUTH0 = ("Auth0Domain %s\nAuth0Audience %s\nAuth0JWKSFile %s\n"
         % (DOMAIN, AUDIENCE, JWKS_REL))

MINTERS = ("pyjwt", "cli")

# The quickstart's three endpoints, protected as Auth0's quickstart protects them.
# CGI scripts in the ServerRoot's cgi-bin/, under /cgi/.
CGI_BIN = """
ScriptAlias /cgi/ ${AJ_SERVERROOT}/cgi-bin/
<Directory ${AJ_SERVERROOT}/cgi-bin>
    Options +ExecCGI
    Require all granted
</Directory>
"""

QUICKSTART = """
<Location /api/>
    SetHandler auth0-demo
    Require all granted
</Location>
<Location /api/private>
    AuthType Auth0
    Require valid-user
</Location>
<Location /api/private-scoped>
    AuthType Auth0
    Require auth0-scope read:messages
</Location>
"""


def b64url(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class KeySet:
    """Key material for one pytest process (see keys())."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="aj-keys-")
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = _pem(self.rsa)
        self.other_pem = _pem(self.other)
        self.pem_path = os.path.join(self.dir, "private.pem")
        self.other_pem_path = os.path.join(self.dir, "other.pem")
        for path, data in ((self.pem_path, self.pem), (self.other_pem_path, self.other_pem)):
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o600)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        jwk.update({"kid": KID, "use": "sig", "alg": "RS256"})
        self.jwks_text = json.dumps({"keys": [jwk]}, indent=2) + "\n"
        self.secret = os.urandom(24).hex().encode("ascii")  # 48 printable bytes
        self.secret_path = os.path.join(self.dir, "hs256.secret")
        with open(self.secret_path, "wb") as f:
            f.write(self.secret)
        os.chmod(self.secret_path, 0o600)

    def cleanup(self):
        shutil.rmtree(self.dir, True)


@functools.lru_cache(maxsize=None)
def keys():
    ks = KeySet()
    import atexit
    atexit.register(ks.cleanup)
    return ks


def server_files():
    """Files every Auth0 server of the tests needs, relative to its ServerRoot."""
    ks = keys()
    return {JWKS_REL: ks.jwks_text, SECRET_REL: ks.secret.decode("ascii") + "\n"}


def claims(scope=None, permissions=None, sub=SUB, iss=ISSUER, aud=AUDIENCE, ttl=3600,
           extra=None, now=None):
    """A payload like Auth0's: iss, sub, aud, iat, exp, scope, permissions, extra."""
    now = int(time.time()) if now is None else now
    payload = {"iss": iss, "sub": sub, "aud": aud, "iat": now, "exp": now + ttl}
    if scope is not None:
        payload["scope"] = scope
    if permissions is not None:
        payload["permissions"] = list(permissions)
    payload.update(extra or {})
    return payload


def pyjwt(scope=None, permissions=None, alg="RS256", kid=KID, key=None, headers=None,
          payload=None, **kw):
    """A token signed by PyJWT. `payload` replaces the claims() payload entirely;
    `key` defaults to the JWKS key for RS*/PS*, to the shared secret for HS*."""
    if payload is None:
        payload = claims(scope=scope, permissions=permissions, **kw)
    if key is None:
        key = keys().secret if alg.startswith("HS") else keys().pem
    hdr = {"typ": "at+jwt"}
    if kid is not None:
        hdr["kid"] = kid
    hdr.update(headers or {})
    return jwt.encode(payload, key, algorithm=alg, headers=hdr)


def cli(scope=None, permissions=None, sub=SUB, iss=ISSUER, aud=AUDIENCE, ttl=3600,
        extra=None, kid=KID, key_path=None, alg=None, secret=False):
    """A token minted by our own `auth0-jwt mint`."""
    ks = keys()
    cmd = [os.path.join(ajtest.top_builddir(), "auth0-jwt"), "mint"]
    if secret:
        cmd += ["--secret-file", ks.secret_path, "--alg", alg or "HS256"]
    else:
        cmd += ["--key", key_path or ks.pem_path]
        if alg:
            cmd += ["--alg", alg]
    if kid is not None:
        cmd += ["--kid", kid]
    cmd += ["--iss", iss, "--aud", aud, "--sub", sub, "--ttl", str(ttl)]
    if scope is not None:
        cmd += ["--scope", scope]
    if permissions is not None:
        cmd += ["--permissions", " ".join(permissions)]
    for name, value in (extra or {}).items():
        cmd += ["--claim", "%s=%s" % (name, json.dumps(value))]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    if out.returncode != 0:
        raise RuntimeError("auth0-jwt mint failed (%d): %s" % (out.returncode, out.stderr))
    token = out.stdout.strip()
    assert token.count(".") == 2, token
    return token


def mint(how, scope=None, permissions=None, sub=SUB, iss=ISSUER, aud=AUDIENCE, ttl=3600,
         extra=None, kid=KID):
    """A token from `how` ("pyjwt" or "cli") with the same claims either way."""
    if how == "pyjwt":
        return pyjwt(scope=scope, permissions=permissions, sub=sub, iss=iss, aud=aud,
                     ttl=ttl, extra=extra, kid=kid)
    if how == "cli":
        return cli(scope=scope, permissions=permissions, sub=sub, iss=iss, aud=aud,
                   ttl=ttl, extra=extra, kid=kid)
    raise ValueError(how)


def unsigned(scope="read:messages", alg="none", **kw):
    """An unsigned token (`alg: none`, empty signature)."""
    head = b64url(json.dumps({"alg": alg, "typ": "JWT", "kid": KID}, separators=(",", ":")))
    body = b64url(json.dumps(claims(scope=scope, **kw), separators=(",", ":")))
    return "%s.%s." % (head, body)


def tamper_signature(token):
    """The same token with one character in the middle of its signature changed
    (still strict base64url, same length)."""
    head, body, sig = token.split(".")
    i = len(sig) // 2
    sig = sig[:i] + ("A" if sig[i] != "A" else "B") + sig[i + 1:]
    return "%s.%s.%s" % (head, body, sig)


def tamper_payload(token, **changes):
    """The token with its payload changed (scope raised, ...) and the old signature."""
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    return "%s.%s.%s" % (head, b64url(json.dumps(payload, separators=(",", ":"))), sig)


def decode_unverified(token):
    return jwt.decode(token, options={"verify_signature": False})


def bearer(token):
    return [("Authorization", "Bearer " + token)]


# --------------------------------------------------------------------------
# What the RFC 6750 answers look like (docs/directives.md, "Responses")
# --------------------------------------------------------------------------

D_SCOPE = "The token lacks a required scope"
D_PERMISSION = "The token lacks a required permission"
D_CLAIM = "The token lacks a required claim value"


def _error_common(r, status):
    assert r.status == status, (r.status, r.headers.items(), r.body)
    assert r.header("Content-Type") == "application/json", r.headers.items()
    assert r.header("Cache-Control") == "no-store", r.headers.items()
    assert r.extra == b""
    body = r.json()
    assert isinstance(body, dict) and set(body) == {"error", "error_description"}, body
    assert len(r.headers.get_all("WWW-Authenticate") or []) <= 1, r.headers.items()
    return body


def no_token_challenge(realm="api", algs="ES256"):
    """The challenge of a 401 without a token where both schemes are accepted
    (Auth0DPoP Allowed, the default): Bearer and DPoP (RFC 9449 section 7.1)."""
    return 'Bearer realm="%s", DPoP realm="%s", algs="%s"' % (realm, realm, algs)


def assert_no_token(r, realm="api"):
    """401 without an `error` attribute (RFC 6750 3.1)."""
    body = _error_common(r, 401)
    assert r.header("WWW-Authenticate") == no_token_challenge(realm)
    assert body["error_description"] == "No bearer token", body
    assert body["error"] and body["error"] != "invalid_token", body
    return body


def assert_invalid(r, description, realm="api"):
    """401 invalid_token with exactly `description`."""
    body = _error_common(r, 401)
    assert r.header("WWW-Authenticate") == (
        'Bearer realm="%s", error="invalid_token", error_description="%s"'
        % (realm, description)), r.header("WWW-Authenticate")
    assert body == {"error": "invalid_token", "error_description": description}, body
    return body


def assert_forbidden(r, description=D_SCOPE, scope="read:messages", realm="api"):
    """403 insufficient_scope; `scope` None: no scope attribute expected."""
    body = _error_common(r, 403)
    want = ('Bearer realm="%s", error="insufficient_scope", error_description="%s"'
            % (realm, description))
    if scope is not None:
        want += ', scope="%s"' % scope
    assert r.header("WWW-Authenticate") == want, r.header("WWW-Authenticate")
    assert body == {"error": "insufficient_scope", "error_description": description}, body
    return body
