"""Auth0CORSPreflight (docs/directives.md): a genuine CORS preflight (OPTIONS with
Origin and Access-Control-Request-Method) passes without a token and the demo
handler answers it; any other OPTIONS needs a token; Off turns the pass off."""

import pytest

import ajtest
import tokens as T

SNIPPET = T.AUTH0 + T.QUICKSTART + """<Location /off/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0CORSPreflight Off
    Require valid-user
</Location>
<Location /on/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0CORSPreflight On
    Require auth0-scope read:messages
</Location>
<Location /denied/>
    SetHandler auth0-demo
    AuthType Auth0
    Require all denied
</Location>
<Location /local-only/>
    SetHandler auth0-demo
    AuthType Auth0
    <RequireAll>
        Require valid-user
        Require ip 192.0.2.1
    </RequireAll>
</Location>
<Location /none/>
    SetHandler auth0-demo
    AuthType Auth0
    <RequireAll>
        Require valid-user
        <RequireNone>
            Require auth0-scope banned
        </RequireNone>
    </RequireAll>
</Location>
<Location /cors/>
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Headers "Authorization"
    Header always set Access-Control-Expose-Headers "WWW-Authenticate"
</Location>
"""

ORIGIN = ("Origin", "https://spa.example.com")
ACRM = ("Access-Control-Request-Method", "GET")
ACRH = ("Access-Control-Request-Headers", "authorization")


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="cors", files=T.server_files()) as server:
        yield server


def allowed(r):
    return {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}


TABLE = [
    # id, method, path, headers, expected (204 / 200 / "401" no token)
    ("preflight-private", "OPTIONS", "/api/private", [ORIGIN, ACRM], 204),
    ("preflight-private-acrh", "OPTIONS", "/api/private", [ORIGIN, ACRM, ACRH], 204),
    ("preflight-scoped", "OPTIONS", "/api/private-scoped", [ORIGIN, ACRM, ACRH], 204),
    ("preflight-delete", "OPTIONS", "/api/private",
     [ORIGIN, ("Access-Control-Request-Method", "DELETE")], 204),
    ("preflight-on", "OPTIONS", "/on/api/private-scoped", [ORIGIN, ACRM], 204),
    ("plain-options", "OPTIONS", "/api/private", [], "401"),
    ("plain-options-scoped", "OPTIONS", "/api/private-scoped", [], "401"),
    ("options-origin-only", "OPTIONS", "/api/private", [ORIGIN], "401"),
    ("options-acrm-only", "OPTIONS", "/api/private", [ACRM], "401"),
    ("get-with-preflight-headers", "GET", "/api/private", [ORIGIN, ACRM], "401"),
    ("head-with-preflight-headers", "HEAD", "/api/private", [ORIGIN, ACRM], "401"),
    ("off-preflight", "OPTIONS", "/off/api/private", [ORIGIN, ACRM, ACRH], "401"),
    ("off-plain-options", "OPTIONS", "/off/api/private", [], "401"),
    ("public-options", "OPTIONS", "/api/public", [], 204),
    # a token requirement under <RequireNone> is not "matched" by a preflight
    ("preflight-require-none", "OPTIONS", "/none/api/private", [ORIGIN, ACRM], 204),
]


@pytest.mark.parametrize("case,method,path,headers,expected", TABLE, ids=[c[0] for c in TABLE])
def test_cors_table(srv, case, method, path, headers, expected):
    r = srv.request(method, path, headers=headers)
    if expected == 204:
        assert r.status == 204, (r.status, r.body)
        assert {"GET", "HEAD", "OPTIONS"} <= allowed(r)
        assert r.body == b"" and r.extra == b""
        assert r.header("WWW-Authenticate") is None
    else:
        if method == "HEAD":
            assert r.status == 401 and r.header("WWW-Authenticate") == T.no_token_challenge()
        else:
            T.assert_no_token(r)


@pytest.mark.parametrize("path", ["/api/private", "/api/private-scoped", "/off/api/private"])
def test_plain_options_with_token(srv, path):
    r = srv.options(path, headers=T.bearer(T.pyjwt(scope="read:messages")))
    assert r.status == 204 and {"GET", "OPTIONS"} <= allowed(r)


def test_options_invalid_token(srv):
    r = srv.options("/off/api/private", headers=[ORIGIN, ACRM] + T.bearer("invalidToken"))
    T.assert_invalid(r, "The token is not a signed JWT")


def test_preflight_then_actual_request(srv):
    """What a browser does: preflight without a token, then the call with one."""
    pre = srv.options("/cors/api/private", headers=[ORIGIN, ACRM, ACRH])
    assert pre.status == 204
    assert pre.header("Access-Control-Allow-Origin") == "*"
    assert pre.header("Access-Control-Allow-Headers") == "Authorization"
    r = srv.get("/cors/api/private", headers=[ORIGIN] + T.bearer(T.cli()))
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "*"


def test_cors_headers_on_401(srv):
    """The administrator's `Header always` CORS headers also reach a 401, so a
    browser app can read the error."""
    r = srv.get("/cors/api/private", headers=[ORIGIN])
    T.assert_no_token(r)
    assert r.header("Access-Control-Allow-Origin") == "*"
    assert r.header("Access-Control-Expose-Headers") == "WWW-Authenticate"


@pytest.mark.parametrize("path", ["/denied/api/private", "/local-only/api/private"])
def test_preflight_does_not_skip_other_require_lines(srv, expect_log, path):
    """Only the token is waived for a preflight: `Require all denied` or an IP
    rule still denies it (attack: using OPTIONS to get past access rules)."""
    expect_log(r"AH01630")
    r = srv.options(path, headers=[ORIGIN, ACRM])
    assert r.status == 403, (r.status, r.body)
    assert r.header("Content-Type") == "application/json"
    assert r.json()["error"] == "access_denied"
