"""mod_auth_basic (+ mod_authn_file) on one location and AuthType Auth0 on another
in the same server: both work, each refusing the other's credentials, and our
module stays out of the Basic location's way (check_authn DECLINED there)."""

import base64
import hashlib
import shutil
import subprocess

import pytest

import ajtest
import tokens as T

SNIPPET = T.AUTH0 + """
<Location /api/>
    SetHandler auth0-demo
    Require all granted
</Location>
<Location /api/private>
    AuthType Auth0
    Require valid-user
</Location>
<Location /basic/>
    SetHandler auth0-demo
    AuthType Basic
    AuthName "basic area"
    AuthBasicProvider file
    AuthUserFile conf/htpasswd
    Require valid-user
</Location>
<Location /basic/alice/>
    Require user alice
</Location>
"""

USERS = {"alice": "alice-pw", "bob": "bob-pw"}
PRIVATE = "/api/private"
BASIC = "/basic/api/private"


def _htpasswd_lines():
    """alice with {SHA}, bob with bcrypt, made by htpasswd (apache2-utils) when
    present; {SHA} computed here otherwise."""
    tool = shutil.which("htpasswd")
    lines = []
    for user, flag in (("alice", "-nbs"), ("bob", "-nbB")):
        if tool:
            out = subprocess.run([tool, flag, user, USERS[user]], capture_output=True,
                                 text=True, timeout=30, check=True)
            lines.append(out.stdout.strip())
        else:
            digest = base64.b64encode(hashlib.sha1(USERS[user].encode()).digest()).decode()
            lines.append("%s:{SHA}%s" % (user, digest))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def srv():
    files = dict(T.server_files())
    files["conf/htpasswd"] = _htpasswd_lines()
    with ajtest.Httpd(SNIPPET, name="coexist", files=files,
                      allow_log=[r"AH0161[0-9]|AH0163[01]|AH01797"]) as server:
        yield server


def basic(user, password):
    return [("Authorization", "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode())]


def assert_basic_401(r):
    assert r.status == 401, (r.status, r.body)
    assert r.header("WWW-Authenticate") == 'Basic realm="basic area"'
    assert "Bearer" not in (r.header("WWW-Authenticate") or "")
    assert r.header("Content-Type") != "application/json"


def test_htpasswd_lines_are_sha_and_bcrypt(srv):
    with open(srv.path("conf", "htpasswd")) as f:
        text = f.read()
    assert "alice:{SHA}" in text
    assert "bob:$2" in text or "bob:{SHA}" in text


@pytest.mark.parametrize("user", sorted(USERS))
def test_basic_works(srv, user):
    r = srv.get(BASIC, headers=basic(user, USERS[user]))
    assert r.status == 200 and r.json()["message"].startswith("Hello from a private")


def test_basic_require_user(srv):
    assert srv.get("/basic/alice" + PRIVATE, headers=basic("alice", "alice-pw")).status == 200
    r = srv.get("/basic/alice" + PRIVATE, headers=basic("bob", "bob-pw"))
    assert r.status in (401, 403)
    assert "Bearer" not in (r.header("WWW-Authenticate") or "")


BASIC_REFUSALS = [
    ("no-credentials", []),
    ("wrong-password", basic("alice", "nope")),
    ("unknown-user", basic("mallory", "x")),
    ("bearer-token", T.bearer("placeholder")),
]


@pytest.mark.parametrize("case,headers", BASIC_REFUSALS, ids=[c[0] for c in BASIC_REFUSALS])
def test_basic_refuses(srv, case, headers):
    if case == "bearer-token":
        headers = T.bearer(T.pyjwt(scope="read:messages"))
    assert_basic_401(srv.get(BASIC, headers=headers))


@pytest.mark.parametrize("how", T.MINTERS)
def test_auth0_works(srv, how):
    r = srv.get(PRIVATE, headers=T.bearer(T.mint(how)))
    assert r.status == 200 and r.json()["message"].startswith("Hello from a private")


@pytest.mark.parametrize("user", sorted(USERS))
def test_auth0_refuses_basic_credentials(srv, user):
    """Basic is another scheme: for the Auth0 location that is no bearer token."""
    T.assert_no_token(srv.get(PRIVATE, headers=basic(user, USERS[user])))


def test_auth0_location_identity_vs_basic_location(srv):
    """X-Auth0-* stripping and identity belong to the Auth0 scope only; the Basic
    location sees its own REMOTE_USER (checked through the access log)."""
    assert srv.get(BASIC, headers=basic("alice", "alice-pw")).status == 200
    assert srv.get(PRIVATE, headers=T.bearer(T.pyjwt(sub="auth0|coexist"))).status == 200
    srv._barrier()  # pylint: disable=protected-access
    with open(srv.access_log) as f:
        log = f.read()
    assert " alice [" in log
    assert " auth0|coexist [" in log


def test_both_alternating(srv):
    token = T.cli()
    for _ in range(3):
        assert srv.get(PRIVATE, headers=T.bearer(token)).status == 200
        assert srv.get(BASIC, headers=basic("bob", "bob-pw")).status == 200
        assert_basic_401(srv.get(BASIC, headers=T.bearer(token)))
        T.assert_no_token(srv.get(PRIVATE, headers=basic("bob", "bob-pw")))
