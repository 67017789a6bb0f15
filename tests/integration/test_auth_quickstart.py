"""Auth0's API-authorization quickstart conformance table, on the quickstart layout
(docs/directives.md: "Require providers", "Responses", "SetHandler auth0-demo"), with tokens minted both by PyJWT and by our
own `auth0-jwt mint`."""

import pytest

import ajtest
import tokens as T

SNIPPET = T.AUTH0 + T.QUICKSTART

PRIVATE = ("/api/private", "/api/private-scoped")

PUBLIC_BODY = (b'{"message":"Hello from a public endpoint! You don\'t need to be '
               b'authenticated to see this."}')
PRIVATE_BODY = (b'{"message":"Hello from a private endpoint! You need to be '
                b'authenticated to see this."}')
SCOPED_BODY = (b'{"message":"Hello from a private endpoint! You need to be '
               b'authenticated and have a scope of read:messages to see this."}')
BODIES = {"/api/public": PUBLIC_BODY, "/api/private": PRIVATE_BODY,
          "/api/private-scoped": SCOPED_BODY}


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="quickstart", files=T.server_files()) as server:
        yield server


# ---- the 401 rows: (id, how to send it, expected error description or None for no token)

def _valid(how):
    return T.mint(how, scope="read:messages")


UNAUTHENTICATED = [
    # id, headers, raw header lines, description (None: no token, no error attribute)
    ("no-header", lambda how: ([], []), None),
    ("bearer-space", lambda how: ([("Authorization", "Bearer ")], []), None),
    ("bearer-only", lambda how: ([("Authorization", "Bearer")], []), None),
    ("blank-header", lambda how: ([], ["Authorization: "]), None),
    ("empty-header", lambda how: ([], ["Authorization:"]), None),
    ("basic-scheme", lambda how: ([("Authorization", "Basic dXNlcjpwYXNz")], []), None),
    ("invalidToken", lambda how: ([("Authorization", "Bearer invalidToken")], []),
     "The token is not a signed JWT"),
    ("invalidToken-abc", lambda how: ([("Authorization", "Bearer invalidToken abc")], []),
     "The Authorization header is malformed"),
    ("tab-separator", lambda how: ([], ["Authorization: Bearer\t" + _valid(how)]),
     "The Authorization header is malformed"),
    ("two-tokens", lambda how: ([("Authorization", "Bearer %s %s" % (_valid(how), _valid(how)))],
                                []), "The Authorization header is malformed"),
    ("valid-plus-string", lambda how: ([("Authorization", "Bearer " + _valid(how) + "string")], []),
     "The token signature is invalid"),
]


@pytest.mark.parametrize("path", PRIVATE)
@pytest.mark.parametrize("case,make,description", UNAUTHENTICATED,
                         ids=[c[0] for c in UNAUTHENTICATED])
def test_401_table(srv, path, case, make, description):
    for how in T.MINTERS if case in ("valid-plus-string", "tab-separator") else ("pyjwt",):
        headers, raw = make(how)
        r = srv.get(path, headers=headers, raw_headers=raw)
        if description is None:
            T.assert_no_token(r)
        else:
            T.assert_invalid(r, description)


SCOPE_TABLE = [
    # scope claim (None: no scope claim at all), path, status
    (None, "/api/private", 200),
    (None, "/api/private-scoped", 403),
    ("write:messages", "/api/private", 200),
    ("write:messages", "/api/private-scoped", 403),
    ("read:messages", "/api/private", 200),
    ("read:messages", "/api/private-scoped", 200),
    ("read:messages write:messages", "/api/private-scoped", 200),
    ("write:messages read:messages", "/api/private-scoped", 200),
    ("read:messages2", "/api/private-scoped", 403),
    ("xread:messages", "/api/private-scoped", 403),
    ("read:messages,write:messages", "/api/private-scoped", 403),
    ("READ:MESSAGES", "/api/private-scoped", 403),
    ("", "/api/private-scoped", 403),
]


@pytest.mark.parametrize("how", T.MINTERS)
@pytest.mark.parametrize("scope,path,status", SCOPE_TABLE,
                         ids=["%s-%s" % (s, p.rsplit("/", 1)[1]) for s, p, _ in SCOPE_TABLE])
def test_scope_table(srv, expect_log, how, scope, path, status):
    token = T.mint(how, scope=scope)
    r = srv.get(path, headers=T.bearer(token))
    if status == 200:
        assert r.status == 200, (r.status, r.body)
        assert r.header("Content-Type") == "application/json"
        assert r.body == BODIES[path]
    else:
        expect_log(r"AH01630")
        T.assert_forbidden(r)


def test_scope_as_array(srv, expect_log):
    """An array of strings is accepted for `scope` too (docs/directives.md, "Require auth0-scope")."""
    expect_log(r"AH01630")
    good = T.pyjwt(extra={"scope": ["write:messages", "read:messages"]})
    assert srv.get("/api/private-scoped", headers=T.bearer(good)).body == SCOPED_BODY
    bad = T.pyjwt(extra={"scope": ["write:messages", "read:messages2"]})
    T.assert_forbidden(srv.get("/api/private-scoped", headers=T.bearer(bad)))


@pytest.mark.parametrize("path", sorted(BODIES))
def test_public_open_private_token(srv, path):
    """Public needs nothing; a good token opens every endpoint; HEAD works too."""
    assert srv.get("/api/public").body == PUBLIC_BODY
    token = T.pyjwt(scope="read:messages")
    r = srv.get(path, headers=T.bearer(token))
    assert r.status == 200 and r.body == BODIES[path]
    h = srv.head(path, headers=T.bearer(token))
    assert h.status == 200 and h.body == b"" and h.extra == b""
    assert h.header("Content-Length") == str(len(BODIES[path]))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "BeArEr"])
def test_scheme_case_insensitive(srv, scheme):
    token = T.cli(scope="read:messages")
    r = srv.get("/api/private-scoped", headers=[("Authorization", "%s %s" % (scheme, token))])
    assert r.status == 200 and r.body == SCOPED_BODY


def test_several_spaces_and_trailing_space(srv):
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/api/private", raw_headers=["Authorization: Bearer    %s   " % token])
    assert r.status == 200 and r.body == PRIVATE_BODY


def test_head_401_has_challenge_no_body(srv):
    r = srv.head("/api/private")
    assert r.status == 401 and r.body == b"" and r.extra == b""
    assert r.header("WWW-Authenticate") == T.no_token_challenge()


def test_same_token_repeated(srv):
    """The verified-token cache (a hit on the second request) changes nothing."""
    token = T.cli(scope="read:messages")
    for _ in range(5):
        assert srv.get("/api/private-scoped", headers=T.bearer(token)).body == SCOPED_BODY
    for _ in range(3):
        T.assert_invalid(srv.get("/api/private", headers=T.bearer(token + "string")),
                         "The token signature is invalid")


def test_post_with_body(srv):
    """A request body does not change the answers (401, then the handler's 405)."""
    body = b'{"hello":"world"}' * 100
    T.assert_no_token(srv.post("/api/private", body=body))
    T.assert_invalid(srv.post("/api/private", body=body, headers=T.bearer("invalidToken")),
                     "The token is not a signed JWT")
    r = srv.post("/api/private", body=body, headers=T.bearer(T.pyjwt()))
    assert r.status == 405
