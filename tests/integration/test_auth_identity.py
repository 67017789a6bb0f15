"""What a valid token gives the request (docs/directives.md, "What a valid token gives the request"): REMOTE_USER, AUTH_TYPE
and AUTH0_* for a CGI (mod_cgid); X-Auth0-* request headers for a proxied
loopback backend (mod_proxy_http); and no client-forged X-Auth0-* header ever."""

import base64
import http.server
import json
import socketserver
import threading

import pytest

import ajtest
import tokens as T

CGI = r"""#!/usr/bin/python3
import json, os
names = ("REMOTE_USER", "AUTH_TYPE", "AUTH0_SUB", "AUTH0_SCOPE", "AUTH0_PERMISSIONS",
         "AUTH0_CLAIMS")
env = {k: v for k, v in os.environ.items()
       if k in names or k.startswith("AUTH0") or "AUTH0" in k.upper()
       or k == "HTTP_AUTHORIZATION"}
print("Content-Type: application/json")
print()
print(json.dumps(env))
"""

SNIPPET = T.AUTH0 + T.CGI_BIN + """
<Location /cgi/>
    AuthType Auth0
    Require valid-user
</Location>
<Location /cgi/none.cgi>
    Auth0PassClaims none
</Location>
<Location /cgi/headers.cgi>
    Auth0PassClaims headers
</Location>
<Location /cgi/both.cgi>
    Auth0PassClaims both
</Location>
<Location /cgi/email.cgi>
    Auth0RemoteUserClaim email
</Location>
<Location /cgi/scoped.cgi>
    Require auth0-scope read:messages
</Location>
<Location /cgi/open.cgi>
    AuthType None
    Require all granted
</Location>

ProxyRequests Off
ProxyPass /backend/ http://127.0.0.1:%(port)d/
<Location /backend/>
    AuthType Auth0
    Require valid-user
</Location>
<Location /backend/headers/>
    Auth0PassClaims headers
</Location>
<Location /backend/both/>
    Auth0PassClaims both
</Location>
<Location /backend/none/>
    Auth0PassClaims none
</Location>
<Location /backend/scoped/>
    Auth0PassClaims headers
    Require auth0-scope read:messages
</Location>
<Location /backend/public/>
    AuthType Auth0
    Require all granted
</Location>
ProxyPass /unprotected/ http://127.0.0.1:%(port)d/
"""

CGI_NAMES = ("env.cgi", "none.cgi", "headers.cgi", "both.cgi", "email.cgi", "scoped.cgi",
             "open.cgi")


class _Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        body = json.dumps({"method": self.command, "path": self.path,
                           "headers": list(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_OPTIONS = _answer

    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def backend():
    server = _Server(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def srv(backend):
    files = dict(T.server_files())
    snippet = SNIPPET % {"port": backend}
    with ajtest.Httpd(snippet, name="identity", files=files) as server:
        for name in CGI_NAMES:
            server.write_file("cgi-bin/" + name, CGI, mode=0o755)
        yield server


ROLES = "https://example.com/roles"

FORGED = [("X-Auth0-Sub", "forged-sub"), ("x-auth0-scope", "forged-scope"),
          ("X-AUTH0-PERMISSIONS", "forged-perm"), ("X-Auth0-Claims", "Zm9yZ2Vk"),
          ("X-Auth0-Email", "forged@example.com"), ("X-Auth0-Sub", "forged-sub-2")]


def _payload(token):
    return T.decode_unverified(token)


def _hdrs(resp):
    """Backend-seen headers as {lowercase name: [values]}."""
    seen = {}
    for name, value in resp.json()["headers"]:
        seen.setdefault(name.lower(), []).append(value)
    return seen


def _auth0_headers(resp):
    return {n: v for n, v in _hdrs(resp).items() if n.startswith("x-auth0-")}


# ---- CGI -----------------------------------------------------------------------

@pytest.mark.parametrize("how", T.MINTERS)
def test_cgi_sees_identity_env(srv, how):
    token = T.mint(how, scope="read:messages write:messages",
                   permissions=["read:reports", "write:reports"],
                   extra={ROLES: ["admin"], "email": "u@example.com"})
    r = srv.get("/cgi/env.cgi", headers=T.bearer(token))
    assert r.status == 200, r.body
    env = r.json()
    assert env["REMOTE_USER"] == T.SUB
    assert env["AUTH_TYPE"] == "Auth0"
    assert env["AUTH0_SUB"] == T.SUB
    assert env["AUTH0_SCOPE"] == "read:messages write:messages"
    assert env["AUTH0_PERMISSIONS"] == "read:reports write:reports"
    claims = json.loads(env["AUTH0_CLAIMS"])
    assert claims == _payload(token)
    # compact JSON: no whitespace outside the strings
    assert "\n" not in env["AUTH0_CLAIMS"] and '", "' not in env["AUTH0_CLAIMS"]
    assert '": ' not in env["AUTH0_CLAIMS"]
    assert "HTTP_AUTHORIZATION" not in env
    assert not [k for k in env if k.startswith("HTTP_X_AUTH0")]


def test_cgi_forged_headers_gone(srv):
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/cgi/env.cgi", headers=FORGED + T.bearer(token))
    env = r.json()
    assert not [k for k in env if k.startswith("HTTP_X_AUTH0")], env
    assert env["AUTH0_SUB"] == T.SUB and env["AUTH0_SCOPE"] == "read:messages"
    assert "forged" not in r.text


def test_cgi_pass_none(srv):
    r = srv.get("/cgi/none.cgi", headers=FORGED + T.bearer(T.pyjwt(scope="read:messages")))
    env = r.json()
    assert env["REMOTE_USER"] == T.SUB and env["AUTH_TYPE"] == "Auth0"
    assert not [k for k in env if k.startswith("AUTH0_") or k.startswith("HTTP_X_AUTH0")], env


def test_cgi_pass_headers(srv):
    """headers mode: the CGI sees them only as HTTP_X_AUTH0_*; no AUTH0_* env."""
    token = T.cli(scope="read:messages", permissions=["p1", "p2"])
    r = srv.get("/cgi/headers.cgi", headers=FORGED + T.bearer(token))
    env = r.json()
    assert not [k for k in env if k.startswith("AUTH0_")], env
    assert env["HTTP_X_AUTH0_SUB"] == T.SUB
    assert env["HTTP_X_AUTH0_SCOPE"] == "read:messages"
    assert env["HTTP_X_AUTH0_PERMISSIONS"] == "p1 p2"
    assert "HTTP_X_AUTH0_EMAIL" not in env


def test_cgi_pass_both(srv):
    token = T.pyjwt(scope="read:messages", permissions=["p1"])
    env = srv.get("/cgi/both.cgi", headers=FORGED + T.bearer(token)).json()
    assert env["AUTH0_SUB"] == env["HTTP_X_AUTH0_SUB"] == T.SUB
    assert env["AUTH0_PERMISSIONS"] == env["HTTP_X_AUTH0_PERMISSIONS"] == "p1"
    assert json.loads(env["AUTH0_CLAIMS"]) == _payload(token)


def test_cgi_remote_user_claim(srv):
    token = T.pyjwt(extra={"email": "someone@example.com"})
    env = srv.get("/cgi/email.cgi", headers=T.bearer(token)).json()
    assert env["REMOTE_USER"] == "someone@example.com"
    assert env["AUTH0_SUB"] == T.SUB


def test_cgi_remote_user_claim_integer(srv):
    """A numeric user claim becomes its decimal text, not a format string."""
    token = T.pyjwt(extra={"email": 1234567890123})
    env = srv.get("/cgi/email.cgi", headers=T.bearer(token)).json()
    assert env["REMOTE_USER"] == "1234567890123"


def test_cgi_401_403_not_run(srv, expect_log):
    expect_log(r"AH01630")
    T.assert_no_token(srv.get("/cgi/env.cgi"))
    T.assert_invalid(srv.get("/cgi/env.cgi", headers=T.bearer(T.pyjwt(aud="x"))),
                     "The token audience is not accepted")
    T.assert_forbidden(srv.get("/cgi/scoped.cgi", headers=T.bearer(T.pyjwt(scope="x"))))
    assert srv.get("/cgi/scoped.cgi",
                   headers=T.bearer(T.pyjwt(scope="read:messages"))).status == 200


def test_cgi_outside_auth0_untouched(srv):
    """Where AuthType Auth0 is off, the module leaves the request alone."""
    env = srv.get("/cgi/open.cgi", headers=[("X-Auth0-Sub", "whatever")]).json()
    assert "REMOTE_USER" not in env and "AUTH0_SUB" not in env
    assert env.get("HTTP_X_AUTH0_SUB") == "whatever"


# ---- proxied backend -----------------------------------------------------------

@pytest.mark.parametrize("how", T.MINTERS)
@pytest.mark.parametrize("mode", ["headers", "both"])
def test_backend_sees_identity_headers(srv, how, mode):
    token = T.mint(how, scope="read:messages write:messages", permissions=["a:b", "c:d"],
                   extra={ROLES: ["admin", "user"]})
    r = srv.get("/backend/%s/x?y=1" % mode, headers=T.bearer(token))
    assert r.status == 200, r.body
    assert r.json()["path"] == "/%s/x?y=1" % mode
    seen = _auth0_headers(r)
    assert seen["x-auth0-sub"] == [T.SUB]
    assert seen["x-auth0-scope"] == ["read:messages write:messages"]
    assert seen["x-auth0-permissions"] == ["a:b c:d"]
    (claims,) = seen["x-auth0-claims"]
    assert "=" not in claims and "+" not in claims and "/" not in claims
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded == _payload(token)
    assert set(seen) == {"x-auth0-sub", "x-auth0-scope", "x-auth0-permissions",
                         "x-auth0-claims", "x-auth0-token-type"}
    assert seen["x-auth0-token-type"] == ["Bearer"]


def test_backend_no_optional_claims(srv):
    """A token without scope/permissions: only Sub and Claims reach the backend."""
    token = T.pyjwt()
    seen = _auth0_headers(srv.get("/backend/headers/", headers=FORGED + T.bearer(token)))
    assert seen["x-auth0-sub"] == [T.SUB]
    assert "x-auth0-scope" not in seen and "x-auth0-permissions" not in seen
    assert "forged" not in json.dumps(seen)


@pytest.mark.parametrize("mode", ["env", "headers", "both", "none", "scoped"])
def test_backend_never_sees_forged_headers_valid_token(srv, mode):
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/backend/%s/" % mode, headers=FORGED + T.bearer(token))
    assert r.status == 200
    seen = _auth0_headers(r)
    assert "forged" not in json.dumps(r.json()), seen
    assert "x-auth0-email" not in seen
    if mode in ("env", "none"):
        assert seen == {}
    else:
        assert seen["x-auth0-sub"] == [T.SUB]
        assert seen["x-auth0-scope"] == ["read:messages"]
        assert len(seen["x-auth0-claims"]) == 1


def test_backend_forged_headers_without_token_on_open_scope(srv):
    """/backend/public/ has AuthType Auth0 but lets everyone in: forged headers
    are still removed, even with no token at all."""
    r = srv.get("/backend/public/", headers=FORGED)
    assert r.status == 200
    assert _auth0_headers(r) == {}


def test_backend_forged_headers_raw_variants(srv):
    """Odd spellings of the names and folded whitespace still count as X-Auth0-*."""
    r = srv.get("/backend/none/", headers=T.bearer(T.pyjwt()),
                raw_headers=["x-AuTh0-sUb: forged1", "X-Auth0-Sub:forged2",
                             "X-Auth0-Sub:   forged3   ", "X-Auth0-:forged4",
                             "X-Auth0-Whatever-Else: forged5"])
    assert r.status == 200
    assert "forged" not in json.dumps(r.json()), _hdrs(r)


def test_backend_forged_underscore_variant(srv):
    """X_Auth0_Sub reaches a proxied backend as a distinct header, and many
    backends (CGI/WSGI/PHP environ) read it as HTTP_X_AUTH0_SUB, the same key
    as X-Auth0-Sub. Removing it too closes that spoofing path."""
    r = srv.get("/backend/headers/", headers=T.bearer(T.pyjwt()),
                raw_headers=["X_Auth0_Sub: forged-underscore"])
    assert r.status == 200
    assert "forged" not in json.dumps(r.json()), _hdrs(r)


def test_backend_cors_preflight_forged_headers_gone(srv):
    """A CORS preflight passes without a token, to the backend: still no forged
    X-Auth0-* header, and no identity."""
    r = srv.options("/backend/headers/", headers=FORGED + [
        ("Origin", "https://spa.example.com"), ("Access-Control-Request-Method", "GET")])
    assert r.status == 200 and r.json()["method"] == "OPTIONS"
    assert _auth0_headers(r) == {}


def test_backend_not_reached_without_token(srv):
    T.assert_no_token(srv.get("/backend/headers/", headers=FORGED))
    T.assert_invalid(srv.get("/backend/headers/", headers=FORGED + T.bearer("a.b.c")),
                     "The token is not correctly encoded")


def test_backend_header_values_single_line(srv):
    """Claim values with control characters cannot split the header."""
    token = T.pyjwt(sub="auth0|a\r\nX-Injected: 1", scope="read:messages\nX-Other: 2")
    r = srv.get("/backend/headers/", headers=T.bearer(token))
    assert r.status == 200
    seen = _hdrs(r)
    assert "x-injected" not in seen and "x-other" not in seen
    assert "\n" not in seen["x-auth0-sub"][0] and "\r" not in seen["x-auth0-sub"][0]
    assert seen["x-auth0-sub"][0].startswith("auth0|a")


def test_unprotected_proxy_untouched(srv):
    """Outside AuthType Auth0 the module does not touch X-Auth0-* (docs/directives.md
    scopes the removal to where the module is on)."""
    r = srv.get("/unprotected/", headers=[("X-Auth0-Sub", "passes")])
    assert _hdrs(r).get("x-auth0-sub") == ["passes"]
