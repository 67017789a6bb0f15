"""Configuration from .htaccess under AllowOverride AuthConfig (docs/directives.md):
AuthType Auth0, the Auth0* directives and Require lines in .htaccess, inner
scopes overriding outer ones, and what happens when overrides are not allowed."""

import pytest

import ajtest
import tokens as T

OTHER_AUD = "https://other-api.example/"

SNIPPET = """
# server-wide defaults, overridden by some .htaccess files below
Auth0Domain some.tenant.example
Auth0Audience %(aud)s
Auth0JWKSFile conf/jwks.json

<Directory ${AJ_SERVERROOT}/htdocs/static>
    AllowOverride AuthConfig
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/demo>
    AllowOverride AuthConfig FileInfo
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/cgi>
    Options +ExecCGI
    AllowOverride AuthConfig FileInfo
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/aud>
    AllowOverride AuthConfig
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/off>
    AllowOverride None
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/limit>
    AllowOverride Limit
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/bad>
    AllowOverride AuthConfig
</Directory>
""" % {"aud": T.AUDIENCE}

# everything in .htaccess; the files are static
HT_STATIC = """
AuthType auth0
AuthName "static files"
Auth0Domain some.tenant.example
Auth0Audience %s
Auth0JWKSFile conf/jwks.json
Auth0ClockSkew 10
Auth0AcceptToken header query
Require auth0-scope read:messages
""" % T.AUDIENCE

HT_STATIC_SUB = """
# inherits AuthType, AuthName and the Auth0 settings; replaces the Require
<RequireAll>
    Require auth0-permission read:reports
    Require auth0-claim https://example.com/roles admin
</RequireAll>
"""

HT_DEMO = """
SetHandler auth0-demo
AuthType Auth0
Require auth0-scope read:messages
"""

HT_AUD = """
AuthType Auth0
Auth0Audience %s
Auth0RemoteUserClaim email
Require valid-user
""" % OTHER_AUD

HT_ON = """
AuthType Auth0
Require valid-user
"""

HT_CGI = """
SetHandler cgi-script
AuthType Auth0
Auth0PassClaims both
Require auth0-scope read:messages
"""

CGI = r"""#!/usr/bin/python3
import json, os
print("Content-Type: application/json")
print()
print(json.dumps({k: v for k, v in os.environ.items()
                  if k in ("REMOTE_USER", "AUTH_TYPE") or "AUTH0" in k}))
"""

FILES = dict(T.server_files())
FILES.update({
    "htdocs/static/.htaccess": HT_STATIC,
    "htdocs/static/data.json": '{"static":"secret"}\n',
    "htdocs/static/sub/.htaccess": HT_STATIC_SUB,
    "htdocs/static/sub/data.json": '{"static":"sub"}\n',
    "htdocs/demo/.htaccess": HT_DEMO,
    "htdocs/aud/.htaccess": HT_AUD,
    "htdocs/aud/data.json": '{"aud":"other"}\n',
    "htdocs/off/.htaccess": HT_ON,
    "htdocs/off/data.json": '{"off":"open"}\n',
    "htdocs/limit/.htaccess": HT_ON,
    "htdocs/limit/data.json": '{"limit":"x"}\n',
    "htdocs/bad/data.json": '{"bad":"x"}\n',
    "htdocs/cgi/.htaccess": HT_CGI,
})


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="htaccess", files=FILES) as server:
        server.write_file("htdocs/cgi/env.cgi", CGI, mode=0o755)
        yield server


ROLES = "https://example.com/roles"


def test_static_file_protected(srv, expect_log):
    expect_log(r"AH01630")
    T.assert_no_token(srv.get("/static/data.json"), realm="static files")
    T.assert_forbidden(srv.get("/static/data.json", headers=T.bearer(T.pyjwt(scope="x"))),
                       realm="static files")
    for how in T.MINTERS:
        r = srv.get("/static/data.json", headers=T.bearer(T.mint(how, scope="read:messages")))
        assert r.status == 200 and r.json() == {"static": "secret"}


def test_static_htaccess_accept_query(srv):
    token = T.pyjwt(scope="read:messages")
    r = srv.get("/static/data.json?access_token=" + token)
    assert r.status == 200 and r.json() == {"static": "secret"}


def test_static_htaccess_clock_skew(srv):
    """Auth0ClockSkew 10 from .htaccess: expired 7 s ago still passes (default 5 would not)."""
    import time
    token = T.pyjwt(scope="read:messages", extra={"exp": int(time.time()) - 7})
    assert srv.get("/static/data.json", headers=T.bearer(token)).status == 200
    token = T.pyjwt(scope="read:messages", extra={"exp": int(time.time()) - 30})
    T.assert_invalid(srv.get("/static/data.json", headers=T.bearer(token)),
                     "The token has expired", realm="static files")


SUB_TABLE = [
    ("perm-and-claim", dict(permissions=["read:reports"], extra={ROLES: ["admin"]}), 200),
    ("scope-only", dict(scope="read:messages"), (T.D_PERMISSION, "read:reports")),
    ("perm-only", dict(permissions=["read:reports"]), (T.D_CLAIM, None)),
]


@pytest.mark.parametrize("how", T.MINTERS)
@pytest.mark.parametrize("case,kw,expected", SUB_TABLE, ids=[c[0] for c in SUB_TABLE])
def test_nested_htaccess_replaces_require(srv, expect_log, how, case, kw, expected):
    expect_log(r"AH01630")
    r = srv.get("/static/sub/data.json", headers=T.bearer(T.mint(how, **kw)))
    if expected == 200:
        assert r.status == 200 and r.json() == {"static": "sub"}
    else:
        T.assert_forbidden(r, expected[0], scope=expected[1], realm="static files")


def test_nested_htaccess_no_token(srv):
    T.assert_no_token(srv.get("/static/sub/data.json"), realm="static files")


@pytest.mark.parametrize("path,body_start", [
    ("/demo/api/private-scoped", "Hello from a private endpoint! You need to be authenticated and"),
    ("/demo/api/private", "Hello from a private endpoint! You need to be authenticated to"),
])
def test_demo_handler_from_htaccess(srv, expect_log, path, body_start):
    expect_log(r"AH01630")
    T.assert_no_token(srv.get(path))
    T.assert_forbidden(srv.get(path, headers=T.bearer(T.cli(scope="write:messages"))))
    r = srv.get(path, headers=T.bearer(T.cli(scope="read:messages")))
    assert r.status == 200 and r.json()["message"].startswith(body_start)


def test_htaccess_audience_overrides_server(srv):
    """Inner scope wins, directive by directive: Auth0Audience from .htaccess, the
    domain and JWKS file from the server config."""
    r = srv.get("/aud/data.json", headers=T.bearer(T.pyjwt(extra={"email": "a@example.com"})))
    T.assert_invalid(r, "The token audience is not accepted")
    r = srv.get("/aud/data.json",
                headers=T.bearer(T.pyjwt(aud=OTHER_AUD, extra={"email": "a@example.com"})))
    assert r.status == 200 and r.json() == {"aud": "other"}
    # Auth0RemoteUserClaim email from .htaccess: a token without email is refused
    r = srv.get("/aud/data.json", headers=T.bearer(T.cli(aud=OTHER_AUD)))
    T.assert_invalid(r, "The token has no user identifier")


def test_allowoverride_none_ignores_htaccess(srv):
    r = srv.get("/off/data.json")
    assert r.status == 200 and r.json() == {"off": "open"}


def test_allowoverride_limit_refuses_auth_directives(srv, expect_log):
    expect_log(r"AuthType not allowed here|\.htaccess")
    r = srv.get("/limit/data.json")
    assert r.status == 500
    srv.wait_log(r"not allowed here")


BAD_HTACCESS = [
    ("Auth0ClockSkew abc", "Auth0ClockSkew"),
    ("Auth0PassClaims maybe", "Auth0PassClaims"),
    ("Auth0Cache shmcb", "Auth0Cache"),
    ("Auth0JWKSFile conf/missing.json", "Auth0JWKSFile"),
    ("Require auth0-scope", "auth0-scope"),
    ("Require auth0-claim https://example.com/roles", "auth0-claim"),
]


@pytest.mark.parametrize("line,name", BAD_HTACCESS, ids=[b[1] for b in BAD_HTACCESS])
def test_bad_htaccess_value_is_500(srv, expect_log, line, name):
    """A wrong value in .htaccess: 500 and a log line naming the directive."""
    expect_log(r"\.htaccess")
    srv.write_file("htdocs/bad/.htaccess", "AuthType Auth0\nRequire valid-user\n" + line + "\n")
    r = srv.get("/bad/data.json", headers=T.bearer(T.pyjwt()))
    assert r.status == 500
    srv.wait_log(r"\.htaccess: .*" + name.replace("-", r"\-"))


def test_cgi_configured_by_htaccess(srv, expect_log):
    """AuthType Auth0 and Auth0PassClaims from .htaccess: the CGI sees the identity,
    never the client's forged X-Auth0-* headers."""
    expect_log(r"AH01630")
    forged = [("X-Auth0-Sub", "forged"), ("X-Auth0-Scope", "forged")]
    T.assert_no_token(srv.get("/cgi/env.cgi", headers=forged))
    T.assert_forbidden(srv.get("/cgi/env.cgi", headers=forged + T.bearer(T.pyjwt(scope="x"))))
    token = T.cli(scope="read:messages", permissions=["p"])
    env = srv.get("/cgi/env.cgi", headers=forged + T.bearer(token)).json()
    assert env["REMOTE_USER"] == T.SUB and env["AUTH_TYPE"] == "Auth0"
    assert env["AUTH0_SUB"] == env["HTTP_X_AUTH0_SUB"] == T.SUB
    assert env["AUTH0_SCOPE"] == env["HTTP_X_AUTH0_SCOPE"] == "read:messages"
    assert env["AUTH0_PERMISSIONS"] == "p"
    assert "forged" not in str(env)
