"""The auth0-jwt-status handler (docs/status.md): counts summed over every child
process, the keys of each source (after a rotation too), JSON and HTML, and
access only for clients the administrator allows."""

import html.parser
import re
import time

import pytest

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, PID_LOG, bearer, fire, jwks, jwks_of, location, mpm_lines, pid_log,
    pki, signing_keys)

STATUS = """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
<Location /status-denied>
    SetHandler auth0-jwt-status
    Require ip 192.0.2.1
</Location>
"""


@pytest.fixture
def srv(httpd_factory, jwks, pki):
    import ajtest  # pylint: disable=import-outside-toplevel
    mpm = ajtest.current_mpm()
    snippet = "\n".join([mpm_lines(mpm, 4 if mpm == "prefork" else 2), PID_LOG,
                         location("/api/", pki.ca_file, domain=jwks.domain, ttl=600,
                                  cooldown=1),
                         STATUS])
    return httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])


def status(srv, accept="application/json"):
    r = srv.get("/status", headers=[("Accept", accept)])
    assert r.status == 200, r.text
    return r


def test_counts_match_the_requests_sent(srv, jwks, signing_keys):
    """Sent concurrently so that several children answer; the page sums them all."""
    A = signing_keys["A"]
    good = bearer(A.mint(jwks.issuer))
    expired = bearer(A.mint(jwks.issuer, ttl=-300))
    tampered = bearer(A.mint(jwks.issuer)[:-4] + "AAAA")
    plan = [good] * 60 + [expired] * 25 + [tampered] * 15 + [{}] * 10
    results = fire(srv, len(plan), lambda i: plan[i], threads=40)
    statuses = [st for st, _, _ in results]
    assert statuses.count(200) == 60 and statuses.count(401) == 50, statuses
    pids = {pid for pid, _, _ in pid_log(srv)}
    j = status(srv).json()
    assert j["module"] == "mod_auth0_jwt" and j["version"]
    req = j["requests"]
    assert req["accepted"] == 60
    assert req["refused"]["expired"] == 25
    assert req["refused"]["signature_invalid"] + req["refused"].get("signature_length", 0) == 15
    assert req["refused"]["no_token"] == 10
    assert req["refused_total"] == 50
    tc = j["token_cache"]
    assert tc["hits"] + tc["misses"] == 100          # every request with a token looked
    assert 1 <= tc["entries"] <= len(pids)           # one good token, cached per process
    assert tc["processes"] >= 1
    if len(pids) > 1:
        assert tc["processes"] >= len(pids) - 1      # (the status request's own child counts)


def test_keys_listed_and_follow_a_rotation(srv, jwks, signing_keys):
    A, B = signing_keys["A"], signing_keys["B"]
    assert srv.get("/api/private", headers=bearer(A.mint(jwks.issuer))).status == 200
    src = status(srv).json()["key_sources"]
    assert [s["uri"] for s in src] == [jwks.url()]
    s = src[0]
    assert [k["kid"] for k in s["keys"]] == ["kA"]
    assert s["keys"][0]["kty"] == "RSA" and s["keys"][0]["bits"] == 2048
    assert s["keys"][0]["alg"] == "RS256"
    assert s["fetched_at"] and s["next_refresh"] and s["last_error"] is None
    assert s["fetch_failures"] == 0
    # rotation: B appears (forced by its unknown kid), A goes
    jwks.set_jwks(jwks_of(B))
    assert srv.get("/api/private", headers=bearer(B.mint(jwks.issuer))).status == 200
    s = status(srv).json()["key_sources"][0]
    assert [k["kid"] for k in s["keys"]] == ["kB"]
    assert s["fetch_successes"] >= 1


def test_start_up_fetch_counted_and_health_shown(srv, jwks):
    """The fetch the server makes as it starts is a fetch: before any request,
    the page counts it (it used to say fetch_successes 0 beside the keys that
    fetch brought), calls the source fresh, and says how old its keys are and
    how long the counts have run."""
    j = status(srv).json()
    s = j["key_sources"][0]
    assert s["fetch_successes"] == 1 and s["fetch_failures"] == 0, s
    assert s["health"] == "fresh" and s["usable_keys"] == 1, s
    assert 0 <= s["age_seconds"] < 60 and s["refresh_seconds"] == 600, s
    assert j["counting_since"] and 0 <= j["uptime_seconds"] < 120, j


def test_last_error_shown(srv, jwks, signing_keys, expect_log):
    expect_log(r"cannot refresh the keys of .*status 500")
    jwks.set_mode("500")
    # an unknown kid forces a refresh, which fails
    assert srv.get("/api/private", headers=bearer(signing_keys["C"].mint(jwks.issuer))).status \
        in (401, 503)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        s = status(srv).json()["key_sources"][0]
        if s["last_error"]:
            break
        time.sleep(0.1)
    assert "status 500" in s["last_error"]
    assert s["fetch_failures"] >= 1 and s["failure_streak"] >= 1
    assert s["health"] == "failing"  # the last good keys still served


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ok, self.text = [], True, []

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.ok = False

    def handle_data(self, data):
        self.text.append(data)


def test_html_for_browsers_json_otherwise(srv, jwks, signing_keys):
    assert srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer))).status \
        == 200
    r = status(srv, accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert r.header("Content-Type").startswith("text/html")
    p = _Tags()
    p.feed(r.text)
    p.close()
    assert p.ok and not p.stack, "well-formed HTML"
    text = " ".join(p.text)
    assert "mod_auth0_jwt status" in text and "kA" in text and "accepted" in text
    for accept in ("application/json", "*/*", None):
        r = srv.get("/status", headers=[("Accept", accept)] if accept else [])
        assert r.header("Content-Type") == "application/json"
        assert r.json()["module"] == "mod_auth0_jwt"
    assert r.header("Cache-Control") == "no-store"


def test_denied_unless_allowed(srv, expect_log):
    expect_log(r"AH01630")
    r = srv.get("/status-denied")
    assert r.status == 403
    assert "key_sources" not in r.text


def test_no_token_or_key_ever_shown(srv, jwks, signing_keys):
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    text = status(srv).text
    assert token.split(".")[2] not in text and token.split(".")[1] not in text
    assert not re.search(r'"n"\s*:', text), "no key material, only kid/kty/alg/bits"


def test_server_status_section(httpd_factory, jwks, pki, signing_keys):
    """With mod_status loaded, server-status carries our counters (HTML and ?auto)."""
    import ajtest  # pylint: disable=import-outside-toplevel
    snippet = "\n".join([
        "LoadModule status_module %s/mod_status.so" % ajtest.modules_dir(),
        location("/api/", pki.ca_file, domain=jwks.domain, ttl=600, cooldown=1),
        "<Location /server-status>\n    SetHandler server-status\n    Require local\n"
        "</Location>"])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    for _ in range(3):
        assert srv.get("/api/private", headers=bearer(token)).status == 200
    assert srv.get("/api/private").status == 401
    auto = srv.get("/server-status?auto").text
    assert "Auth0JWTAccepted: 3" in auto
    assert "Auth0JWTRefused: 1" in auto
    page = srv.get("/server-status").text
    assert "mod_auth0_jwt" in page and "tokens accepted: 3" in page


def test_file_source_shows_its_error(httpd_factory):
    """A key file that cannot be read (removed after start-up, say) shows why on
    the status page; processes that loaded it keep their keys, new ones answer
    503 (docs/troubleshooting.md, "503: no signing keys")."""
    import os  # pylint: disable=import-outside-toplevel
    import tokens as T  # pylint: disable=import-outside-toplevel
    snippet = ("Auth0Issuer %s\nAuth0Audience %s\n<Location /api/>\n    SetHandler auth0-demo\n"
               "    AuthType Auth0\n    Auth0JWKSFile conf/jwks.json\n    Require valid-user\n"
               "</Location>\n" % (T.ISSUER, T.AUDIENCE)) + STATUS
    srv = httpd_factory(snippet, files=T.server_files())
    src = status(srv).json()["key_sources"][0]
    assert src["kind"] == "file" and src["last_error"] is None and src["keys"], src
    os.unlink(srv.path("conf", "jwks.json"))
    src = status(srv).json()["key_sources"][0]
    assert src["last_error"] == "cannot read it: No such file or directory", src
    assert src["keys"] == [], src
    with open(srv.path("conf", "jwks.json"), "w") as f:
        f.write('{"keys": []}')
    src = status(srv).json()["key_sources"][0]
    assert src["last_error"] == "no usable key", src
