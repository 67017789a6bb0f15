"""Client vs backend: no client-forged X-Auth0-* header reaches a backend, in main
requests, subrequests and internal redirects alike (docs/security.md, "The
request around the token")."""

import pytest

import tokens as T

CGI = r"""#!/usr/bin/python3
import json, os
print("Content-Type: application/json")
print()
print(json.dumps({k: v for k, v in os.environ.items() if "AUTH0" in k.upper()
                  or k in ("REMOTE_USER", "AUTH_TYPE")}))
"""

SNIPPET = T.AUTH0 + T.CGI_BIN + """
<Location /cgi/>
    AuthType Auth0
    Require valid-user
</Location>
<Location /cgi/headers.cgi>
    Auth0PassClaims headers
</Location>
<Location /cgi/both.cgi>
    Auth0PassClaims both
</Location>
<Location /cgi/admin.cgi>
    Auth0PassClaims both
    Require auth0-scope admin
</Location>

# an open page that includes a protected CGI (a subrequest)
<Directory ${AJ_SERVERROOT}/htdocs/ssi>
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    Require all granted
</Directory>

# an open URL sent to a protected CGI by an internal redirect
RewriteEngine On
RewriteRule ^/redirected/(.*)$ /cgi/$1 [PT]
"""

FORGED = [("X-Auth0-Sub", "admin"), ("X-Auth0-Roles", "admin"), ("X_Auth0_Admin", "yes"),
          ("x-auth0-permissions", "delete:everything")]


@pytest.fixture(scope="module")
def srv():
    import ajtest  # pylint: disable=import-outside-toplevel
    files = dict(T.server_files())
    for name in ("env.cgi", "headers.cgi", "both.cgi", "admin.cgi"):
        files["cgi-bin/" + name] = CGI
    for name in ("env", "headers", "both"):
        files["htdocs/ssi/%s.shtml" % name] = (
            'before<!--#include virtual="/cgi/%s.cgi" -->after\n' % name)
    with ajtest.Httpd(SNIPPET, name="trust-headers", files=files,
                      modules=("include", "rewrite")) as server:
        for name in ("env.cgi", "headers.cgi", "both.cgi", "admin.cgi"):
            server.write_file("cgi-bin/" + name, CGI, mode=0o755)
        yield server


def _included_env(r):
    import json  # pylint: disable=import-outside-toplevel
    body = r.body.decode()
    assert body.startswith("before") and body.rstrip().endswith("after"), body
    return json.loads(body[len("before"):body.rstrip().rindex("after")])


def _assert_no_forgery(env, mode):
    leaked = {k: v for k, v in env.items() if v in ("admin", "yes", "delete:everything")}
    assert not leaked, "forged identity reached the backend: %s" % leaked
    names = {k for k in env if k.startswith("HTTP_X_AUTH0_")}
    expected = {"HTTP_X_AUTH0_SUB", "HTTP_X_AUTH0_SCOPE", "HTTP_X_AUTH0_CLAIMS",
                "HTTP_X_AUTH0_TOKEN_TYPE"}
    assert names == (expected if mode in ("headers", "both") else set()), names
    assert env.get("REMOTE_USER") == T.SUB


@pytest.mark.parametrize("mode", ["env", "headers", "both"])
def test_ssi_include_of_protected_cgi_strips_forged_headers(srv, mode):
    """Attack: an open SSI page includes a protected CGI (`include virtual`, a
    subrequest); the client sends a valid token and `X-Auth0-Sub: admin`, plus
    names the module never sets (`X-Auth0-Roles`, `X_Auth0_Admin`). The CGI sees
    only what the token says."""
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/ssi/%s.shtml" % mode, headers=FORGED + T.bearer(token))
    assert r.status == 200, r.text
    _assert_no_forgery(_included_env(r), mode)


@pytest.mark.parametrize("mode", ["env", "headers", "both"])
def test_internal_redirect_to_protected_cgi_strips_forged_headers(srv, mode):
    """Attack: an open URL rewritten (passed through) to a protected CGI, with forged
    X-Auth0-* headers beside a valid token."""
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/redirected/%s.cgi" % mode, headers=FORGED + T.bearer(token))
    assert r.status == 200, r.text
    _assert_no_forgery(r.json(), mode)


@pytest.mark.parametrize("mode", ["env", "headers", "both"])
def test_main_request_strips_every_forged_name(srv, mode):
    """The plain case, every mode: names beyond the four the module sets are gone too."""
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/cgi/%s.cgi" % mode, headers=FORGED + T.bearer(token))
    assert r.status == 200, r.text
    _assert_no_forgery(r.json(), mode)


def test_preflight_carries_no_identity(srv):
    """Attack: a CORS preflight (no token by design) to a scope under
    `Require auth0-scope admin` reached the backend with REMOTE_USER defined but
    empty, which a backend testing "is REMOTE_USER set" reads as logged in. The
    token requirement is waived for a preflight, and nothing of an identity
    reaches the backend: no REMOTE_USER, no AUTH_TYPE, no AUTH0_*, even with
    forged headers."""
    r = srv.request("OPTIONS", "/cgi/admin.cgi",
                    headers=FORGED + [("Origin", "https://app.example"),
                                      ("Access-Control-Request-Method", "GET")])
    assert r.status == 200, r.text
    env = r.json()
    assert env == {}, "a preflight carried an identity: %s" % env


def test_preflight_then_token_gets_identity(srv):
    """The same scope with a token holding the scope: the identity is there."""
    token = T.pyjwt(scope="admin")
    env = srv.get("/cgi/admin.cgi", headers=T.bearer(token)).json()
    assert env["REMOTE_USER"] == T.SUB and env["AUTH_TYPE"] == "Auth0"
    assert env["AUTH0_SUB"] == T.SUB
