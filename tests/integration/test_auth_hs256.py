"""Shared-secret tokens: Auth0Algorithms HS256 with Auth0SigningSecretFile works;
HS256 is refused where only RS256 is allowed (the default); no key confusion."""

import base64
import hashlib
import hmac
import json

import pytest

import ajtest
import tokens as T

SNIPPET = T.AUTH0 + """
<Location />
    SetHandler auth0-demo
    AuthType Auth0
    Require auth0-scope read:messages
</Location>
<Location /hs/>
    Auth0Algorithms HS256
    Auth0SigningSecretFile conf/hs256.secret
</Location>
<Location /rs/>
</Location>
<Location /rs-explicit/>
    Auth0Algorithms RS256
    Auth0SigningSecretFile conf/hs256.secret
</Location>
<Location /mixed/>
    Auth0Algorithms RS256 HS256
    Auth0SigningSecretFile conf/hs256.secret
</Location>
<Location /hs384/>
    Auth0Algorithms HS384
    Auth0SigningSecretFile conf/hs256.secret
</Location>
"""

API = "/api/private-scoped"
NOT_ACCEPTED = "The token signing algorithm is not accepted"
BAD_SIG = "The token signature is invalid"


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="hs256", files=T.server_files()) as server:
        yield server


# Auth0's HS256 access tokens carry no kid (the secret has none): nor do ours.

def hs_cli(**kw):
    return T.cli(secret=True, alg="HS256", kid=None, scope="read:messages", **kw)


def hs_pyjwt(**kw):
    kw.setdefault("scope", "read:messages")
    return T.pyjwt(alg=kw.pop("alg", "HS256"), kid=None, **kw)


def hmac_token(secret, alg="HS256", scope="read:messages"):
    head = T.b64url(json.dumps({"alg": alg, "typ": "JWT"}))
    body = T.b64url(json.dumps(T.claims(scope=scope)))
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384}[alg]
    sig = hmac.new(secret, ("%s.%s" % (head, body)).encode(), digest).digest()
    return "%s.%s.%s" % (head, body, T.b64url(sig))


def public_pem():
    from cryptography.hazmat.primitives import serialization
    return T.keys().rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


TABLE = [
    # id, location, token maker, expected (200 or a 401 description)
    ("hs-pyjwt", "/hs", lambda: hs_pyjwt(), 200),
    ("hs-cli", "/hs", hs_cli, 200),
    ("hs-wrong-secret", "/hs",
     lambda: hs_pyjwt(key=b"x" * 48), BAD_SIG),
    ("hs-secret-with-newline", "/hs",
     lambda: hs_pyjwt(key=T.keys().secret + b"\n"), BAD_SIG),
    ("hs-tampered", "/hs", lambda: T.tamper_payload(hs_cli(), sub="auth0|admin"), BAD_SIG),
    ("hs-rs256-token", "/hs", lambda: T.pyjwt(scope="read:messages"), NOT_ACCEPTED),
    ("hs-hs384-token", "/hs", lambda: hs_pyjwt(alg="HS384"), NOT_ACCEPTED),
    ("hs-none", "/hs", lambda: T.unsigned(), "Unsigned tokens are not accepted"),
    ("hs-wrong-aud", "/hs", lambda: hs_pyjwt(aud="x"),
     "The token audience is not accepted"),
    ("rs-default-rs256", "/rs", lambda: T.pyjwt(scope="read:messages"), 200),
    ("rs-default-hs256-pyjwt", "/rs", lambda: hs_pyjwt(), NOT_ACCEPTED),
    ("rs-default-hs256-cli", "/rs", hs_cli, NOT_ACCEPTED),
    ("rs-explicit-hs256", "/rs-explicit", hs_cli, NOT_ACCEPTED),
    ("rs-explicit-rs256", "/rs-explicit", lambda: T.cli(scope="read:messages"), 200),
    ("mixed-rs256", "/mixed", lambda: T.cli(scope="read:messages"), 200),
    ("mixed-hs256", "/mixed", hs_cli, 200),
    # key confusion: HMAC keyed with the RSA public key (PEM or JWKS text)
    ("mixed-confusion-pem", "/mixed", lambda: hmac_token(public_pem()), BAD_SIG),
    ("mixed-confusion-jwks", "/mixed", lambda: hmac_token(T.keys().jwks_text.encode()), BAD_SIG),
    ("hs384-ok", "/hs384", lambda: hmac_token(T.keys().secret, alg="HS384"), 200),
    ("hs384-hs256", "/hs384", hs_cli, NOT_ACCEPTED),
]


@pytest.mark.parametrize("case,prefix,make,expected", TABLE, ids=[c[0] for c in TABLE])
def test_hs_table(srv, case, prefix, make, expected):
    r = srv.get(prefix + API, headers=T.bearer(make()))
    if expected == 200:
        assert r.status == 200, (r.status, r.header("WWW-Authenticate"))
        assert r.json()["message"].endswith("read:messages to see this.")
    else:
        T.assert_invalid(r, expected)


def test_hs_scope_enforced(srv, expect_log):
    expect_log(r"AH01630")
    T.assert_forbidden(srv.get("/hs" + API, headers=T.bearer(
        hs_pyjwt(scope="write:messages"))))
    T.assert_no_token(srv.get("/hs" + API))


def test_hs_secret_never_logged(srv):
    srv.get("/hs" + API, headers=T.bearer(hs_cli()))
    srv.get("/hs" + API, headers=T.bearer(hs_pyjwt(key=b"y" * 48)))
    with open(srv.error_log, "rb") as f:
        log = f.read()
    assert T.keys().secret not in log
    assert base64.b64encode(T.keys().secret) not in log


HS_ONLY = """
Auth0Domain some.tenant.example
Auth0Audience %s
<Location /api/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0Algorithms HS256
    Auth0SigningSecretFile conf/hs256.secret
    Require auth0-scope read:messages
</Location>
""" % T.AUDIENCE


def test_hs_only_server_needs_no_jwks(httpd_factory):
    """A server whose tokens are HS256 only (secret file, no JWKS file) works
    without any key fetch: nothing to fetch, so no warning or error either."""
    srv = httpd_factory(HS_ONLY, files=T.server_files())
    for token in (hs_pyjwt(), hs_cli()):
        r = srv.get(API, headers=T.bearer(token))
        assert r.status == 200, (r.status, r.header("WWW-Authenticate"))
    T.assert_invalid(srv.get(API, headers=T.bearer(T.pyjwt(scope="read:messages"))),
                     NOT_ACCEPTED)
