"""Attacks on the status page (docs/status.md): a client's query string,
Accept header and method; a hostile key server's JWKS; several key sources
that look alike. Each test names the attack it tries; what the page must do
is in its docstring."""

import re
import struct
import time

import pytest

import ajtest

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, bearer, jwks, location, mpm_lines, pki, signing_keys)

PROM_TYPE = "text/plain; version=0.0.4; charset=utf-8"
HTML = "text/html,application/xhtml+xml,*/*;q=0.8"

STATUS = """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""


def _mpm():
    return ajtest.current_mpm()


def _samples(text):
    """[(name, labels text, value)] of every sample line, as written."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$', line)
        assert m, "not a sample line: %r" % line
        out.append((m.group(1), m.group(2) or "", m.group(3)))
    return out


def test_two_sources_of_one_url_give_no_duplicate_series(httpd_factory, jwks, pki):
    """Attack: duplicate series. Two scopes fetch the same JWKS URL with
    different settings (here the refresh interval), so they are two key
    sources with two states. Labelled by URL alone, each per-source sample
    appears twice under the very same name and labels: Prometheus keeps one
    and drops the other, so one scope's state (a failing source, say) hides
    behind the other's. Every sample must be unique, and each source's
    series must be told apart by a label of its own."""
    snippet = "\n".join([
        mpm_lines(_mpm(), 1),
        location("/a/", pki.ca_file, domain=jwks.domain, ttl=600),
        location("/b/", pki.ca_file, domain=jwks.domain, ttl=300),
        STATUS])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])
    rep = srv.get("/status", headers=[("Accept", "application/json")]).json()
    assert len(rep["key_sources"]) == 2
    assert rep["key_sources"][0]["uri"] == rep["key_sources"][1]["uri"]
    r = srv.get("/status?format=prometheus")
    assert r.status == 200 and r.header("Content-Type") == PROM_TYPE
    seen = {}
    for name, labels, value in _samples(r.text):
        assert (name, labels) not in seen, "duplicate series %s%s" % (name, labels)
        seen[(name, labels)] = value
    refresh = sorted(v for (n, _), v in seen.items()
                     if n == "auth0_jwt_key_source_refresh_seconds")
    assert refresh == ["300", "600"], refresh


HOSTILE = '"><img src=x onerror=alert(1)><style>*{x:url(//e)}</style>\'&amp;\n'


@pytest.fixture
def hostile(httpd_factory, jwks, pki, signing_keys):
    """A key host whose JWKS puts markup, quotes and a newline in every
    string the page draws (kid, alg), beside one good key."""
    bad = signing_keys["B"].jwk()
    bad.update(kid=HOSTILE, alg=HOSTILE)
    odd = signing_keys["C"].jwk()
    odd.update(kid="k2", use="<enc>", key_ops=["<x>"])
    jwks.set_jwks({"keys": [signing_keys["A"].jwk(), bad, odd]})
    snippet = "\n".join([mpm_lines(_mpm(), 1),
                         location("/api/", pki.ca_file, domain=jwks.domain, ttl=600), STATUS])
    return httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])


def test_hostile_jwks_strings_stay_text_in_every_format(hostile):
    """Attack: HTML, attribute and CSS injection through a hostile key
    server's kid and alg. The page shows them as text (no tag, no attribute
    breaks out); the Prometheus format never carries them; JSON is JSON."""
    r = hostile.get("/status", headers=[("Accept", HTML)])
    assert r.status == 200
    assert "<img" not in r.text and "<style>*" not in r.text and "onerror=alert" in r.text
    assert r.text.count("<style>") == 1
    assert "&quot;&gt;&lt;img" in r.text
    r = hostile.get("/status?format=prometheus")
    assert r.status == 200 and "onerror" not in r.text
    _samples(r.text)
    rep = hostile.get("/status?format=json").json()
    kids = [k["kid"] for k in rep["key_sources"][0]["keys"]]
    assert HOSTILE in kids, kids


QUERIES = [
    "?format=json&format=html", "?format=html&format=%00", "?format=%00", "?format=JSON",
    "?format=html%00", "?format=%68tml", "?format=prometheus%0a", "?%66ormat=html",
    "?format", "?format=", "?=&&&==&", "?refresh=5&refresh=x", "?refresh=-5", "?refresh=1e3",
    "?refresh=99999999999999999999", "?refresh=%35", "?refresh=5%22%3E%3Cscript%3E",
    "?refresh=5;url=http://evil/", "?format=html&refresh=" + "9" * 4000,
    "?" + "format=html&" * 600, "?" + "refresh=1&" * 600, "?%", "?%zz=1", "?format=%",
]

ACCEPTS = [
    "text/plain;q=0, text/html", "text/plain;q=0.0", "text/plain;q=-1, application/json",
    "text/plain;q=nan", "TEXT/HTML", "text/html;level=1;q=0, text/plain",
    "text/html;foo=\"q=0\"", ";;;,,,;q=", "*/*;q=0", "text/plain" + ";a=b" * 800,
    ",".join(["x/y"] * 1500), "text/html\t;\tq=1", "text/plain; version=0.0.4; q=0.5",
]


def test_query_and_accept_never_crash_hang_or_reflect(hostile):
    """Attack: hostile query strings and Accept headers (repeated, long,
    percent-encoded, NUL, `;q=` tricks, case). Every answer is 200 or 400,
    quick, in a known type, and carries nothing of the input back: no
    script, and the meta refresh only ever a plain number."""
    for q in QUERIES:
        t = time.monotonic()
        r = hostile.get("/status" + q, headers=[("Accept", HTML)])
        assert time.monotonic() - t < 2, q
        assert r.status in (200, 400), (q, r.status)
        assert "<script" not in r.text and "evil" not in r.text, q
        for m in re.findall(r'<meta http-equiv="refresh" content="([^"]*)"', r.text):
            assert m.isdigit() and 1 <= int(m) <= 86400, (q, m)
        for href in re.findall(r'href="([^"]*)"', r.text):
            assert re.match(r'^(#[a-z]+|\?refresh=\d+)$', href), (q, href)
    for a in ACCEPTS:
        r = hostile.get("/status", headers=[("Accept", a)])
        assert r.status == 200, (a, r.status)
        assert r.header("Content-Type") in (
            PROM_TYPE, "text/html; charset=utf-8", "application/json"), a


def test_full_fetch_table_shows_no_false_zero(httpd_factory, jwks, pki):
    """Attack: fill the 64-row fetch-count table (65 key sources; in real
    life also .htaccess-made sources, and sources gone since a graceful
    restart, keep their rows). A source left without a row had its fetch
    counted nowhere, and the page said it had fetched 0 times, good and
    failed, while its keys were fresh: a false figure, and a
    `fetches_total` series that never rises. Such a source must show its
    counts as unknown (null in JSON, no series), never as 0."""
    n = 65
    scopes = [location("/s%d/" % i, pki.ca_file, domain=jwks.domain, ttl=600 + i)
              for i in range(n)]
    srv = httpd_factory("\n".join([mpm_lines(_mpm(), 1)] + scopes + [STATUS]),
                        allow_log=[CONFIG_WARNINGS, MPM_FULL, r"fetch-count table is full"])
    assert jwks.count == n
    rep = srv.get("/status?format=json").json()
    assert len(rep["key_sources"]) == n
    counted = [s for s in rep["key_sources"] if s["fetch_successes"] is not None]
    assert len(counted) == 64, [s["fetch_successes"] for s in rep["key_sources"]]
    for s in rep["key_sources"]:
        assert s["health"] == "fresh"
        if s["fetch_successes"] is None:
            assert s["fetch_failures"] is None, s
        else:
            assert s["fetch_successes"] == 1 and s["fetch_failures"] == 0, s
    uncounted = [s["id"] for s in rep["key_sources"] if s["fetch_successes"] is None]
    text = srv.get("/status?format=prometheus").text
    fetch_lines = [l for l in text.splitlines()
                   if l.startswith("auth0_jwt_key_source_fetches_total{")]
    assert len(fetch_lines) == 2 * 64
    assert not [l for l in fetch_lines if uncounted[0] in l]
    page = srv.get("/status", headers=[("Accept", HTML)]).text
    assert page.count("fetches: not counted") == 1


def test_key_file_path_not_utf8_is_still_shown(httpd_factory):
    """Attack: hide a key source from the page. A key file whose path is not
    UTF-8 (a Latin-1 name, from a config or an old file system) made the
    JSON report's source object fail to build, so the source vanished from
    every format, and a label value that is not UTF-8 would fail the whole
    Prometheus scrape. The source is listed, its path shown with each byte
    that is not UTF-8 as U+FFFD, in JSON, HTML and valid UTF-8 labels."""
    import tokens as T  # pylint: disable=import-outside-toplevel
    name = "conf/caf\udce9.json"  # the byte 0xE9 alone: Latin-1, not UTF-8
    scope = ("<Location /api/>\n    Auth0JWKSFile \"conf/caf\xe9.json\"\n"
             "    SetHandler auth0-demo\n    AuthType Auth0\n    Require valid-user\n"
             "</Location>\n").encode("latin-1")
    srv = httpd_factory(mpm_lines(_mpm(), 1) + """
Auth0Issuer %s
Auth0Audience %s
Include conf/latin1.conf
""" % (T.ISSUER, T.AUDIENCE) + STATUS, files={name: T.keys().jwks_text,
                                           "conf/latin1.conf": scope},
        allow_log=[CONFIG_WARNINGS, MPM_FULL])
    assert srv.get("/api/private", headers=T.bearer(T.pyjwt())).status == 200
    rep = srv.get("/status?format=json").json()
    assert [s["uri"].rsplit("/", 1)[1] for s in rep["key_sources"]] == ["caf\ufffd.json"]
    assert rep["key_sources"][0]["usable_keys"] == 1
    r = srv.get("/status?format=prometheus")
    text = r.body.decode("utf-8")  # raises if not UTF-8
    assert 'caf\ufffd.json",source_id="' in text
    page = srv.get("/status", headers=[("Accept", HTML)]).body.decode("utf-8")
    assert "caf\ufffd.json" in page


FETCH_MAGIC = 0x41304a46  # "A0JF": mod_auth0_jwt_shared.c's fetch-count table
FETCH_ROW = 40  # used, pad (4 + 4), id (16), ok, failed (8 + 8)


def _fetch_table(pid):
    """The address of the fetch-count table in process pid: its magic, then 64 rows."""
    return ajtest.shared_segment(pid, "<II", (FETCH_MAGIC, 64))


def test_claim_left_half_done_costs_one_wait_not_one_per_look(httpd_factory, jwks, pki):
    """Attack: a child killed between the two steps of claiming a fetch-count
    row (its `used` left at 1, "being claimed", for ever). Every look that
    passed that row waited a second for the claim to finish, then went on:
    every status poll (a second per source behind the row) and every counted
    fetch, as long as httpd runs. The first look that gives up on the row
    marks it abandoned; later looks pass it at once. Here the source's row is
    moved one place on and a half-done claim put in its place, as if the
    dead child had claimed first."""
    snippet = "\n".join([mpm_lines(_mpm(), 1),
                         location("/api/", pki.ca_file, domain=jwks.domain, ttl=600), STATUS])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])
    base = _fetch_table(srv.proc.pid)
    assert base is not None, "no fetch-count table in the parent's mappings"
    with open("/proc/%d/mem" % srv.proc.pid, "r+b") as mem:
        mem.seek(base + 8)
        rows = [mem.read(FETCH_ROW) for _ in range(64)]
        used = [struct.unpack_from("<I", r)[0] for r in rows]
        assert used.count(2) == 1, used
        home = used.index(2)
        nxt = (home + 1) % 64
        mem.seek(base + 8 + nxt * FETCH_ROW)
        mem.write(rows[home])
        mem.seek(base + 8 + home * FETCH_ROW)
        mem.write(struct.pack("<II", 1, 0) + b"\0" * 32)
        mem.flush()
    took = []
    for _ in range(4):
        t = time.monotonic()
        rep = srv.get("/status?format=json").json()
        took.append(time.monotonic() - t)
        assert rep["key_sources"][0]["fetch_successes"] == 1, rep["key_sources"][0]
    assert max(took[1:]) < 0.5, took


def test_every_format_says_nosniff(hostile):
    """Attack: content sniffing. The JSON answer carries a hostile key
    server's kid raw (JSON does not escape `<`), and the text format carries
    configured paths; a browser that sniffs could take either for HTML. Every
    answer of the handler, errors included, says `nosniff`, not only the
    HTML page."""
    for query, status in (("?format=json", 200), ("?format=prometheus", 200),
                          ("?format=html", 200), ("?format=xml", 400)):
        r = hostile.get("/status" + query)
        assert r.status == status, (query, r.status)
        assert r.header("X-Content-Type-Options") == "nosniff", query
    r = hostile.request("POST", "/status", body=b"")
    assert r.status == 405 and r.header("X-Content-Type-Options") == "nosniff"


def test_htaccess_sources_cannot_take_the_slots_of_configured_ones(httpd_factory, jwks, pki,
                                                                    signing_keys, expect_log):
    """Attack: fill the 64 shared slots from .htaccess. A slot holds a key
    source's generation (so every process drops a removed key at once) and
    its refresh lease; a source without one works per process. Slots were
    claimed at first use, so after a (graceful) restart an .htaccess author
    could use 64 sources of their own (one key host, 64 refresh intervals)
    before the first request reached a source of the server configuration,
    which then got none. The configured sources' slots are now claimed at
    start-up; the .htaccess sources are the ones that go without."""
    n = 64
    dirs = []
    files = {}
    for i in range(n):
        dirs.append("<Directory ${AJ_SERVERROOT}/htdocs/h%d>\n    AllowOverride AuthConfig\n"
                    "    Auth0CACertificateFile %s\n</Directory>" % (i, pki.ca_file))
        files["htdocs/h%d/.htaccess" % i] = (
            "AuthType Auth0\nAuth0Domain %s\nAuth0Audience %s\nAuth0JWKSCacheTTL %d\n"
            "Require valid-user\n" % (jwks.domain, "https://api.example.test", 700 + i))
        files["htdocs/h%d/data.json" % i] = '{"ok": true}\n'
    config_uri = jwks.url("/config-jwks.json")
    scope = location("/api/", pki.ca_file, uri=config_uri, issuer=jwks.issuer, ttl=600)
    expect_log(r"no shared slot for https://localhost:\d+/\.well-known/jwks\.json")
    srv = httpd_factory("\n".join([mpm_lines(_mpm(), 1), "Auth0HtaccessKeySources 100", "Auth0HtaccessKeyHosts localhost",
                                   scope] + dirs + [STATUS]),
                        files=files,
                        allow_log=[CONFIG_WARNINGS, MPM_FULL, r"fetch-count table is full"])
    token = bearer(signing_keys["A"].mint(jwks.issuer, aud="https://api.example.test"))
    for i in range(n):
        assert srv.get("/h%d/data.json" % i, headers=token).status == 200, i
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200
    log = open(srv.path("logs", "error_log")).read()
    assert "no shared slot for %s" % config_uri not in log
    assert "no shared slot for " in log
