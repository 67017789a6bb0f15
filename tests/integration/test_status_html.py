"""The HTML status page (docs/status.md, "The HTML page"): what an operator sees
at a glance after known traffic, `?refresh=N`, and outside text (a hostile key
id, a file name with markup in it) drawn as text, never as markup."""

import json
import time

import pytest

import status_page
from jwks_server import (  # noqa: F401  (fixtures)
    AUDIENCE, CONFIG_WARNINGS, MPM_FULL, bearer, jwks, jwks_of, location, mpm_lines, pki,
    signing_keys)

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
HOSTILE_KID = "<img src=x onerror=alert(1)>"
# a key file whose very name is markup: the page shows its path as text
HOSTILE_FILE = "conf/<b>keys</b>&amp;.json"
CSP = "default-src 'none'; style-src 'unsafe-inline'"

STATUS = """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""


def hostile_jwks(signing_keys):
    """Key A, and key B under a kid that is an HTML tag, marked for encryption
    (so the page shows it unusable, with why)."""
    bad = signing_keys["B"].jwk()
    bad.update(kid=HOSTILE_KID, use="enc")
    return {"keys": [signing_keys["A"].jwk(), bad]}


@pytest.fixture
def srv(httpd_factory, jwks, pki, signing_keys):
    import ajtest  # pylint: disable=import-outside-toplevel
    jwks.set_jwks(hostile_jwks(signing_keys))
    files_scope = ("<Location /files/>\n    SetHandler auth0-demo\n    AuthType Auth0\n"
                   "    Auth0Issuer %s\n    Auth0Audience %s\n    Auth0JWKSFile \"%s\"\n"
                   "    Require valid-user\n</Location>\n"
                   % (jwks.issuer, AUDIENCE, HOSTILE_FILE))
    snippet = "\n".join([mpm_lines(ajtest.current_mpm(), 2), location(
        "/api/", pki.ca_file, domain=jwks.domain, ttl=600, cooldown=1), files_scope, STATUS])
    return httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL],
                         files={HOSTILE_FILE: json.dumps(jwks_of(signing_keys["C"]))})


def page(srv, query=""):
    r = srv.get("/status" + query, headers=[("Accept", HTML)])
    assert r.status == 200, r.text
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    return r


def report(srv):
    r = srv.get("/status", headers=[("Accept", "application/json")])
    assert r.status == 200, r.text
    return r.json()


def traffic(srv, jwks, signing_keys):
    """Sent one by one: 6 accepted (one token), then refusals of three reasons
    in three different numbers."""
    A = signing_keys["A"]
    good = bearer(A.mint(jwks.issuer))
    plan = ([(good, 200)] * 6 + [({}, 401)] * 5
            + [(bearer(A.mint(jwks.issuer, ttl=-300)), 401)] * 3
            + [(bearer(A.mint(jwks.issuer)[:-4] + "AAAA"), 401)] * 2)
    for headers, want in plan:
        assert srv.get("/api/private", headers=headers).status == want


def test_page_after_known_traffic(srv, jwks, signing_keys):
    traffic(srv, jwks, signing_keys)
    rep = report(srv)
    r = page(srv)
    assert r.header("Content-Security-Policy") == CSP
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("Cache-Control") == "no-store"
    got = status_page.facts(status_page.parse(r.text))
    status_page.check(got, rep)
    # what this traffic must give, whatever child answered
    assert got["accepted"] == "6" and got["refused"] == "10"
    assert [(n, c) for n, c, _ in got["refusals"]][:2] == [("no_token", 5), ("expired", 3)]
    assert got["refusals"][2][1] == 2 and got["refusals"][2][0].startswith("signature_")
    assert got["refusals"][1][2] == "width:60.0%"  # 3 of the largest 5
    assert got["zeros"][0] == "%d reasons at zero" % (len(rep["requests"]["refused"]) - 3)
    tc = rep["token_cache"]
    assert tc["hits"] + tc["misses"] == 11   # every request with a token looked
    assert tc["hits"] >= 3                   # 6 of one token, at most 2 processes
    assert got["hit-rate"] == "%.1f %%" % (100.0 * tc["hits"] / 11)
    # the URL source: fresh, both keys in one table, the hostile kid as text
    url, path = got["sources"]
    assert url["badge"] == "fresh" and url["uri"] == jwks.url()
    assert "fetched" in url["line"] and "next refresh in 10 min" in url["line"]
    assert "1 of 2 keys usable" in url["line"] and "fetches: 1 good, 0 failed" in url["line"]
    assert url["keys"] == [["kA", "RSA", "RS256", "2048 bits", "\u2713 usable"],
                           [HOSTILE_KID, "RSA", "RS256", "2048 bits",
                            "\u2717 key_use \u2014 its use is not sig"]]
    assert path["badge"] == "fresh" and path["uri"].endswith(HOSTILE_FILE)
    assert [k[0] for k in path["keys"]] == ["kC"]
    assert "img" not in got["tags"] and "onerror" not in r.text.replace(
        "&lt;img src=x onerror=alert(1)&gt;", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text
    assert "&lt;b&gt;keys&lt;/b&gt;&amp;amp;.json" in r.text and "<b>keys</b>" not in r.text


def test_quiet_server(srv):
    """No traffic yet: no refusal table, every reason folded, no hit rate."""
    rep = report(srv)
    got = status_page.facts(status_page.parse(page(srv).text))
    status_page.check(got, rep)
    assert got["refusals"] == [] and got["hit-rate"] == "\u2014"
    assert got["zeros"][0] == "%d reasons at zero" % len(rep["requests"]["refused"])


@pytest.mark.parametrize("query,meta", [
    ("?refresh=5", "5"), ("?refresh=1", "1"), ("?refresh=86400", "86400"),
    ("?x=1&refresh=30", "30"), ("?refresh=7&refresh=9", "7"),
    ("?refresh=0", None), ("?refresh=abc", None), ("?refresh=99999999999", None),
    ("?refresh=86401", None), ("?refresh=-5", None), ("?refresh=+5", None),
    ("?refresh=5x", None), ("?refresh=", None), ("?refresh", None), ("?REFRESH=5", None),
    ("?refresh=%35", None), ("", None)])
def test_refresh(srv, query, meta):
    r = page(srv, query)
    root = status_page.parse(r.text)
    assert status_page.facts(root)["meta_refresh"] == meta
    links = [a.attrs["href"] for a in root.find_all("a") if a.attrs["href"].startswith("?")]
    # the reload link keeps the period; the others pick one
    assert links[-1] == "?refresh=%s" % (meta or "0")
    assert sorted(links[:-1]) == sorted({"?refresh=0", "?refresh=5", "?refresh=30",
                                         "?refresh=60"} - {"?refresh=%s" % (meta or "0")})


def test_failing_source(srv, jwks, signing_keys, expect_log):
    """The JWKS host answers 500: the source turns red and says why."""
    expect_log(r"cannot refresh the keys of .*status 500")
    jwks.set_mode("500")
    assert srv.get("/api/private", headers=bearer(signing_keys["C"].mint(jwks.issuer))).status \
        in (401, 503)
    deadline = time.monotonic() + 5
    while True:
        got = status_page.facts(status_page.parse(page(srv).text))
        if got["sources"][0]["badge"] == "failing" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    src = got["sources"][0]
    assert src["badge"] == "failing" and "failing" in src["badge_class"], src
    assert src["error"].startswith("1 failed fetch in a row, the last at "), src
    assert src["error"].endswith("status 500"), src
    assert "fetches: 1 good, 1 failed" in src["line"], src


def test_head_and_json_untouched(srv):
    r = srv.head("/status", headers=[("Accept", HTML)])
    assert r.status == 200 and r.body == b""
    r = srv.get("/status?refresh=5", headers=[("Accept", "application/json")])
    assert r.header("Content-Type") == "application/json" and "requests" in r.json()


def test_unreadable_key_file(srv):
    """A key file removed after start-up: its source turns grey ("none"), the
    error says why, and its table says there is no key."""
    import os  # pylint: disable=import-outside-toplevel
    os.unlink(srv.path(HOSTILE_FILE))
    root = status_page.parse(page(srv).text)
    src = status_page.facts(root)["sources"][1]
    assert src["badge"] == "none" and "none" in src["badge_class"], src
    assert src["error"] == "cannot read it: No such file or directory", src
    assert src["keys"] == [] and src["tables"] == 1, src
    table = root.find_all("section", cls="source")[1].find("table", cls="keys")
    assert table.find("tbody").words() == "no keys"


def test_head_of_the_page_carries_its_csp_and_no_body(srv):
    """A HEAD of the HTML page gets the same security headers as its GET (a
    cache or proxy keeps what HEAD said), and no body."""
    for how in ({"headers": [("Accept", HTML)]}, {}):
        path = "/status" if how else "/status?format=html"
        r = srv.head(path, **how)
        assert r.status == 200
        assert r.header("Content-Type") == "text/html; charset=utf-8"
        assert r.header("Content-Security-Policy") == CSP
        assert r.header("X-Content-Type-Options") == "nosniff"
        assert r.body == b""
