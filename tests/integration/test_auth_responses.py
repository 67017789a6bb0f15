"""The RFC 6750 answers (docs/directives.md, "Responses"): every header and body, AuthName,
ErrorDocument, never echoing request data, and the 401 description of each kind
of bad token (expired, wrong aud/iss, alg not allowed, tampered, unknown kid...)."""

import json
import time

import pytest

import ajtest
import tokens as T

SNIPPET = T.AUTH0 + "LimitRequestFieldSize 40000\n" + T.QUICKSTART + """
<Location /realm/>
    SetHandler auth0-demo
    AuthType Auth0
    AuthName "My API"
    Require auth0-scope read:messages
</Location>

<Location /quoted/>
    SetHandler auth0-demo
    AuthType Auth0
    AuthName "a \\"b\\" c"
    Require valid-user
</Location>

<Location /errdoc/>
    SetHandler auth0-demo
    AuthType Auth0
    Require auth0-scope read:messages
    ErrorDocument 401 "custom 401 text"
    ErrorDocument 403 "custom 403 text"
</Location>

Alias /errors/ ${AJ_SERVERROOT}/htdocs/errors/
<Location /errurl/>
    SetHandler auth0-demo
    AuthType Auth0
    Require auth0-scope read:messages
    ErrorDocument 401 /errors/401.json
    ErrorDocument 403 /errors/403.json
</Location>
"""

FILES = dict(T.server_files())
FILES["htdocs/errors/401.json"] = '{"custom":"401 document"}\n'
FILES["htdocs/errors/403.json"] = '{"custom":"403 document"}\n'


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="responses", files=FILES) as server:
        yield server


# ---- 401 without a token --------------------------------------------------

@pytest.mark.parametrize("path", ["/api/private", "/api/private-scoped"])
def test_401_no_token_exact(srv, path):
    r = srv.get(path)
    T.assert_no_token(r)
    # exactly one challenge, no error attribute, no scope attribute
    assert r.headers.get_all("WWW-Authenticate") == [T.no_token_challenge()]
    assert r.header("Content-Length") == str(len(r.body))


def test_401_invalid_exact(srv):
    r = srv.get("/api/private", headers=[("Authorization", "Bearer invalidToken")])
    T.assert_invalid(r, "The token is not a signed JWT")
    assert r.header("WWW-Authenticate") == (
        'Bearer realm="api", error="invalid_token", '
        'error_description="The token is not a signed JWT"')
    assert r.json() == {"error": "invalid_token",
                        "error_description": "The token is not a signed JWT"}


@pytest.mark.parametrize("how", T.MINTERS)
def test_403_exact(srv, expect_log, how):
    expect_log(r"AH01630")
    r = srv.get("/api/private-scoped", headers=T.bearer(T.mint(how, scope="write:messages")))
    T.assert_forbidden(r)
    assert r.header("WWW-Authenticate") == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The token lacks a required scope", scope="read:messages"')
    assert r.json() == {"error": "insufficient_scope",
                        "error_description": "The token lacks a required scope"}


def test_403_plain_config_without_authz_send_forbidden(srv, expect_log):
    """The snippet has no AuthzSendForbiddenOnFailure, and yet 403."""
    expect_log(r"AH01630")
    assert "AuthzSendForbiddenOnFailure" not in srv.snippet
    r = srv.get("/api/private-scoped", headers=T.bearer(T.pyjwt()))
    assert r.status == 403


# ---- AuthName ---------------------------------------------------------------

def test_authname_changes_realm(srv, expect_log):
    expect_log(r"AH01630")
    T.assert_no_token(srv.get("/realm/api/private"), realm="My API")
    T.assert_invalid(srv.get("/realm/api/private", headers=T.bearer("a.b")),
                     "The token is not a signed JWT", realm="My API")
    T.assert_forbidden(srv.get("/realm/api/private", headers=T.bearer(T.pyjwt(scope="x"))),
                       realm="My API")
    r = srv.get("/realm/api/private", headers=T.bearer(T.cli(scope="read:messages")))
    assert r.status == 200


def test_authname_with_quotes_escaped(srv):
    r = srv.get("/quoted/api/private")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == T.no_token_challenge('a \\"b\\" c')


# ---- ErrorDocument ------------------------------------------------------------

def test_errordocument_401_no_token(srv):
    r = srv.get("/errdoc/api/private")
    assert r.status == 401
    assert r.body == b"custom 401 text"
    assert r.header("WWW-Authenticate") == T.no_token_challenge()


def test_errordocument_401_invalid(srv):
    r = srv.get("/errdoc/api/private", headers=T.bearer(T.pyjwt(aud="other")))
    assert r.status == 401
    assert r.body == b"custom 401 text"
    assert r.header("WWW-Authenticate") == (
        'Bearer realm="api", error="invalid_token", '
        'error_description="The token audience is not accepted"')


def test_errordocument_403(srv, expect_log):
    expect_log(r"AH01630")
    r = srv.get("/errdoc/api/private", headers=T.bearer(T.pyjwt(scope="write:messages")))
    assert r.status == 403
    assert r.body == b"custom 403 text"
    assert r.header("WWW-Authenticate") == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The token lacks a required scope", scope="read:messages"')


def test_errordocument_ok_untouched(srv):
    r = srv.get("/errdoc/api/private", headers=T.bearer(T.pyjwt(scope="read:messages")))
    assert r.status == 200 and r.json()["message"].startswith("Hello from a private")


def test_errordocument_local_url_401(srv):
    """ErrorDocument 401 /local/url: Apache serves that document by an internal
    redirect; the 401 must still carry its WWW-Authenticate (RFC 7235 3.1)."""
    r = srv.get("/errurl/api/private")
    assert r.status == 401
    assert r.json() == {"custom": "401 document"}
    assert r.header("WWW-Authenticate") == T.no_token_challenge()
    r = srv.get("/errurl/api/private", headers=T.bearer("x.y.z"))
    assert r.status == 401
    assert r.json() == {"custom": "401 document"}
    assert (r.header("WWW-Authenticate") or "").startswith(
        'Bearer realm="api", error="invalid_token"')


def test_errordocument_local_url_403(srv, expect_log):
    expect_log(r"AH01630")
    r = srv.get("/errurl/api/private", headers=T.bearer(T.pyjwt(scope="nope")))
    assert r.status == 403
    assert r.json() == {"custom": "403 document"}
    assert (r.header("WWW-Authenticate") or "").startswith(
        'Bearer realm="api", error="insufficient_scope"')


# ---- never echo request data ---------------------------------------------------

MARK = "Zq7MarkerXw"


def _marked_requests():
    """(id, path, headers, raw) of requests full of marker strings."""
    good = T.pyjwt(scope="write:messages", sub=MARK + "sub",
                   extra={MARK + "claim": MARK + "value"})
    wrong_aud = T.pyjwt(scope="read:messages", aud=MARK + "aud", sub=MARK + "sub2")
    wrong_iss = T.cli(scope="read:messages", iss="https://" + MARK + ".example/")
    expired = T.pyjwt(scope="read:messages", sub=MARK + "exp", ttl=-600)
    common = [("X-Marker", MARK + "hdr"), ("User-Agent", MARK + "ua"),
              ("Referer", "http://" + MARK + "ref/"), ("Origin", "http://" + MARK + "origin"),
              ("X-Auth0-Sub", MARK + "forged"), ("Cookie", "c=" + MARK + "cookie")]
    return [
        ("no-token", "/api/private-scoped?q=" + MARK + "query", common, []),
        ("segments", "/api/private", common + [("Authorization", "Bearer " + MARK + "tok")], []),
        ("syntax", "/api/private",
         common + [("Authorization", "Bearer %stok1 %stok2" % (MARK, MARK))], []),
        ("quote", "/api/private", common,
         ['Authorization: Bearer "%s\\"quoted' % MARK]),
        ("other-scheme", "/api/private",
         common + [("Authorization", "Basic " + MARK + "basic")], []),
        ("json-in-token", "/api/private", common,
         ['Authorization: Bearer {"error":"%s"}' % MARK]),
        ("bad-b64", "/api/private",
         common + [("Authorization", "Bearer %s.%s.%s" % (MARK, MARK, MARK))], []),
        ("wrong-aud", "/api/private", common + T.bearer(wrong_aud), []),
        ("wrong-iss", "/api/private", common + T.bearer(wrong_iss), []),
        ("expired", "/api/private", common + T.bearer(expired), []),
        ("insufficient", "/api/private-scoped" + "?" + MARK, common + T.bearer(good), []),
        ("insufficient-realm", "/realm/api/private", common + T.bearer(good), []),
        ("path", "/api/private/" + MARK + "path", common, []),
    ]


@pytest.mark.parametrize("case,path,headers,raw", _marked_requests(),
                         ids=[c[0] for c in _marked_requests()])
def test_never_echo_request_data(srv, expect_log, case, path, headers, raw):
    expect_log(r"AH01630")
    r = srv.get(path, headers=headers, raw_headers=raw)
    assert r.status in (401, 403), (r.status, r.body)
    assert MARK.encode() not in r.raw, r.raw
    assert MARK.lower().encode() not in r.raw.lower()
    # nothing from the token either (header, payload or signature segments)
    for name, value in headers:
        if name == "Authorization" and value.startswith("Bearer ") and "." in value:
            for seg in value[7:].split("."):
                if len(seg) >= 8:
                    assert seg.encode() not in r.raw
    assert r.header("Content-Type") == "application/json"
    json.loads(r.body)


# ---- each kind of invalid token: 401 with its description ----------------------

def _now():
    return int(time.time())


INVALID = [
    # id, token maker (how -> token), description
    ("expired", lambda how: T.mint(how, scope="read:messages", extra={"exp": _now() - 600}),
     "The token has expired"),
    ("wrong-aud", lambda how: T.mint(how, aud="https://other/api"),
     "The token audience is not accepted"),
    ("aud-prefix", lambda how: T.mint(how, aud="https://quickstarts/api/"),
     "The token audience is not accepted"),
    ("wrong-iss-no-slash", lambda how: T.mint(how, iss="https://some.tenant.example"),
     "The token issuer is not accepted"),
    ("wrong-iss-http", lambda how: T.mint(how, iss="http://some.tenant.example/"),
     "The token issuer is not accepted"),
    ("wrong-iss-case", lambda how: T.mint(how, iss="https://SOME.tenant.example/"),
     "The token issuer is not accepted"),
    ("other-tenant", lambda how: T.mint(how, iss="https://evil.tenant.example/"),
     "The token issuer is not accepted"),
    ("unknown-kid", lambda how: (T.pyjwt(kid=T.OTHER_KID, key=T.keys().other_pem)
                                 if how == "pyjwt" else
                                 T.cli(kid=T.OTHER_KID, key_path=T.keys().other_pem_path)),
     "The token signing key is unknown"),
    ("right-kid-wrong-key", lambda how: (T.pyjwt(key=T.keys().other_pem)
                                         if how == "pyjwt" else
                                         T.cli(key_path=T.keys().other_pem_path)),
     "The token signature is invalid"),
    ("tampered-signature", lambda how: T.tamper_signature(T.mint(how, scope="read:messages")),
     "The token signature is invalid"),
    ("tampered-payload", lambda how: T.tamper_payload(T.mint(how, scope="x"),
                                                      scope="read:messages"),
     "The token signature is invalid"),
    ("hs256", lambda how: (T.pyjwt(alg="HS256") if how == "pyjwt"
                           else T.cli(secret=True, alg="HS256")),
     "The token signing algorithm is not accepted"),
    ("rs384", lambda how: (T.pyjwt(alg="RS384") if how == "pyjwt"
                           else T.cli(alg="RS384")),
     "The token signing algorithm is not accepted"),
    ("ps256", lambda how: (T.pyjwt(alg="PS256") if how == "pyjwt"
                           else T.cli(alg="PS256")),
     "The token signing algorithm is not accepted"),
    ("alg-none", lambda how: T.unsigned(alg="none"), "Unsigned tokens are not accepted"),
    ("alg-None", lambda how: T.unsigned(alg="None"), "Unsigned tokens are not accepted"),
    ("alg-NONE", lambda how: T.unsigned(alg="NONE"), "Unsigned tokens are not accepted"),
    ("no-exp", lambda how: T.pyjwt(payload={k: v for k, v in T.claims().items() if k != "exp"}),
     "The token has no expiry"),
    ("nbf-future", lambda how: T.mint(how, extra={"nbf": _now() + 600}),
     "The token is not valid yet"),
    ("iat-future", lambda how: T.mint(how, extra={"iat": _now() + 600}),
     "The token was issued in the future"),
    ("no-sub", lambda how: T.pyjwt(payload={k: v for k, v in T.claims().items() if k != "sub"}),
     "The token has no user identifier"),
    ("no-aud", lambda how: T.pyjwt(payload={k: v for k, v in T.claims().items() if k != "aud"}),
     "The token has no audience"),
    ("no-iss", lambda how: T.pyjwt(payload={k: v for k, v in T.claims().items() if k != "iss"}),
     "The token has no issuer"),
    ("crit", lambda how: T.pyjwt(headers={"crit": ["exp"]}),
     "The token uses unsupported critical extensions"),
    ("typ-jose", lambda how: T.pyjwt(headers={"typ": "JOSE"}),
     "The token type is not accepted"),
    ("five-segments", lambda how: T.mint(how) + ".AAAA.BBBB",
     "The token is not a signed JWT"),
    ("padding", lambda how: T.mint(how) + "==",
     "The token is not correctly encoded"),
    ("too-large", lambda how: T.pyjwt(extra={"pad": "x" * 17000}),
     "The token is too large"),
]


@pytest.mark.parametrize("how", T.MINTERS)
@pytest.mark.parametrize("case,make,description", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_token_401(srv, how, case, make, description):
    token = make(how)
    for path in ("/api/private", "/api/private-scoped"):
        T.assert_invalid(srv.get(path, headers=T.bearer(token)), description)
    # the refusal is logged at info with its reason code, never the token
    srv.wait_log(r"\[auth0_jwt:info\].*refused ")
    for line in srv.log_lines():
        for seg in token.split("."):
            assert len(seg) < 12 or seg not in line, line


@pytest.mark.parametrize("how", T.MINTERS)
def test_valid_variants_accepted(srv, how):
    """The positive side of the table above: what must still pass."""
    ok = [
        T.mint(how, scope="read:messages"),
        T.mint(how, scope="read:messages", extra={"aud": [T.AUDIENCE, "https://x/userinfo"]}),
        T.mint(how, scope="read:messages", extra={"exp": _now() + 2}),
        T.mint(how, scope="read:messages", extra={"nbf": _now() + 2}),
        T.mint(how, scope="read:messages", extra={"iat": _now() + 2}),
        T.mint(how, scope="read:messages", kid=None),
    ]
    for token in ok:
        r = srv.get("/api/private-scoped", headers=T.bearer(token))
        assert r.status == 200, (T.decode_unverified(token), r.body)


def test_401_logged_at_info_not_error(srv):
    r = srv.get("/api/private", headers=T.bearer(T.pyjwt(aud="nope")))
    assert r.status == 401
    line = srv.wait_log(r"refused aud_mismatch")
    assert "[auth0_jwt:info]" in line
    assert "127.0.0.1" in line
