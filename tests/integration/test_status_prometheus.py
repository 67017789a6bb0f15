"""The status page's counts for a monitoring system (docs/status.md,
"Prometheus"): counts that never go down while the server runs, even as
children come and go, and the page in Prometheus' text exposition format
(version 0.0.4), read here by python3-prometheus-client's own parser.

The tests that need several children run prefork, whatever AJ_MPM says: a
prefork child serves one connection at a time, so connections held open
together meet distinct children, which the access log's %P proves.
"""

import os
import time

import tokens as T
from gaps_helpers import KeepAlive
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, PID_LOG, bearer, jwks, location, mpm_lines, pid_log, pki,
    signing_keys)

CHILDREN = 3

SNIPPET = """
%(mpm)s
%(pid_log)s
Auth0Issuer %(iss)s
Auth0Audience %(aud)s
KeepAliveTimeout 30
%(extra)s
<Location /api/>
    Auth0JWKSFile conf/a.json
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</Location>
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""


def _server(httpd_factory, extra="", files=None):
    snippet = SNIPPET % {"mpm": mpm_lines("prefork", CHILDREN), "pid_log": PID_LOG,
                         "iss": T.ISSUER, "aud": T.AUDIENCE, "extra": extra}
    all_files = {"conf/a.json": T.keys().jwks_text}
    all_files.update(files or {})
    return httpd_factory(snippet, mpm="prefork", files=all_files,
                         allow_log=[CONFIG_WARNINGS, MPM_FULL])


def _json(srv):
    r = srv.get("/status", headers=[("Accept", "application/json")])
    assert r.status == 200, r.text
    return r.json()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _traffic(srv, token, expired, conns=CHILDREN):
    """On `conns` connections held open together (so `conns` children): the
    token twice (a miss, then a hit), an expired token, no token. The pids that
    answered."""
    seen = len(pid_log(srv))
    held = [KeepAlive(srv) for _ in range(conns)]
    try:
        for c in held:
            assert c.get("/api/private", T.bearer(token))[0] == 200
            assert c.get("/api/private", T.bearer(token))[0] == 200
            assert c.get("/api/private", T.bearer(expired))[0] == 401
            assert c.get("/api/private")[0] == 401
    finally:
        for c in held:
            c.close()
    time.sleep(0.2)  # the access log line is written after the answer
    return {pid for pid, _, p in pid_log(srv)[seen:] if p == "/api/private"}


def _counts(rep):
    tc = rep["token_cache"]
    return {"accepted": rep["requests"]["accepted"],
            "refused_total": rep["requests"]["refused_total"],
            "expired": rep["requests"]["refused"]["expired"],
            "no_token": rep["requests"]["refused"]["no_token"],
            "hits": tc["hits"], "misses": tc["misses"],
            "shared_hits": tc["shared"]["hits"], "shared_misses": tc["shared"]["misses"]}


def test_counts_do_not_drop_when_children_exit(httpd_factory):
    """Prometheus counters may only rise while the server runs. A child that
    exits (here after every connection: MaxConnectionsPerChild 1) used to take
    its token-cache hits and misses off the page, and the child that took over
    its row zeroed them. Now a dead child's counts stay in the sums and a new
    child adds to them: after the children that served the traffic have all
    exited, every count is what it was, and exact."""
    srv = _server(httpd_factory, extra="MaxConnectionsPerChild 1")
    token, expired = T.pyjwt(), T.pyjwt(ttl=-3600)
    pids = _traffic(srv, token, expired)
    assert len(pids) == CHILDREN, pids  # distinct children served the traffic
    before = _counts(_json(srv))
    assert before["accepted"] == 2 * CHILDREN
    assert before["expired"] == CHILDREN and before["no_token"] == CHILDREN
    # three looks in the cache per connection: the token twice, the expired one
    assert before["hits"] + before["misses"] == 3 * CHILDREN, before
    assert before["hits"] >= CHILDREN, before  # each child's second look is a hit
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids), "the children did not exit"
    # new children took the rows over; a round of polls goes through several
    for _ in range(CHILDREN + 1):
        after = _counts(_json(srv))
        assert after == before, (before, after)
    again = _traffic(srv, token, expired)
    assert len(again) == CHILDREN and not again & pids  # new children
    grown = _counts(_json(srv))
    assert grown["accepted"] == 4 * CHILDREN
    assert grown["hits"] + grown["misses"] == 6 * CHILDREN, grown
    for name, value in before.items():
        assert grown[name] >= value, (name, before, grown)


# ---------------------------------------------------------------------------
# The Prometheus text format
# ---------------------------------------------------------------------------

PROM_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# what Prometheus 2.x sends when it scrapes
PROM_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
               "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def _scrape(srv, path="/status?format=prometheus", headers=None):
    r = srv.get(path, headers=headers or [])
    assert r.status == 200, r.text
    assert r.header("Content-Type") == PROM_TYPE
    return r.text


def _families(text):
    """{family name: {(sample name, frozenset of labels): value}} by
    prometheus_client's own parser."""
    from prometheus_client.parser import text_string_to_metric_families  # noqa: E501  pylint: disable=import-outside-toplevel
    out = {}
    for fam in text_string_to_metric_families(text):
        samples = out.setdefault(fam.name, {})
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def _value(fams, family, sample=None, **labels):
    """The one sample of family whose labels include these (a key source's
    samples also carry its source_id)."""
    want = set(labels.items())
    found = [v for (name, have), v in fams[family].items()
             if name == (sample or family) and want <= have
             and {k for k, _ in have - want} <= {"source_id"}]
    assert len(found) == 1, (family, labels, found)
    return found[0]


def _assert_well_formed(text):
    """One HELP and one TYPE per family, before its samples, which are
    contiguous; every sample value an integer."""
    seen, current = set(), None
    for line in text.splitlines():
        assert line, "an empty line"
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in seen, "%s described twice" % name
            seen.add(name)
            current = name
            continue
        if line.startswith("# TYPE "):
            assert line.split()[2] == current, line
            continue
        assert not line.startswith("#"), line
        name = line.split("{", 1)[0].split(" ", 1)[0]
        assert name == current, "sample %s outside its family %s" % (name, current)
        assert line.rsplit(" ", 1)[1].lstrip("-").isdigit(), line


def test_prometheus_counts_after_known_traffic_on_several_children(httpd_factory):
    """The scrape after known traffic on three prefork children (%P proves
    them distinct): accepted and refused requests, refusals by reason (every
    reason has its series, the ones not seen at 0), a DPoP replay, the token
    cache, and the key source; the values are exact and agree with the JSON
    report."""
    from test_dpop import Client, dpop  # pylint: disable=import-outside-toplevel
    srv = _server(httpd_factory)
    token, expired = T.pyjwt(), T.pyjwt(ttl=-3600)
    pids = _traffic(srv, token, expired)
    assert len(pids) == CHILDREN, pids
    client = Client()
    bound = T.pyjwt(extra={"cnf": {"jkt": client.jkt}})
    proof = client.proof("http://127.0.0.1:%d/api/private" % srv.port, bound)
    assert srv.get("/api/private", headers=dpop(bound, proof)).status == 200
    assert srv.get("/api/private", headers=dpop(bound, proof)).status == 401  # the replay

    text = _scrape(srv)
    rep = _json(srv)
    _assert_well_formed(text)
    fams = _families(text)
    ok = "auth0_jwt_requests"
    assert _value(fams, ok, ok + "_total", result="accepted") == 2 * CHILDREN + 1
    assert _value(fams, ok, ok + "_total", result="refused") == 2 * CHILDREN + 1
    refused = {dict(labels)["reason"]: v
               for (_, labels), v in fams["auth0_jwt_refused"].items()}
    assert set(refused) == set(rep["requests"]["refused"]), "a series for every reason"
    assert refused.pop("expired") == CHILDREN
    assert refused.pop("no_token") == CHILDREN
    assert refused.pop("dpop_replay") == 1
    assert set(refused.values()) == {0}, refused
    assert _value(fams, "auth0_jwt_dpop_replays_refused",
                  "auth0_jwt_dpop_replays_refused_total") == 1
    tc = rep["token_cache"]
    for name, want in (("hits", tc["hits"]), ("misses", tc["misses"]),
                       ("shared_hits", tc["shared"]["hits"]),
                       ("shared_misses", tc["shared"]["misses"])):
        fam = "auth0_jwt_token_cache_" + name
        assert _value(fams, fam, fam + "_total") == want, name
    # the three connections looked the token up twice and the expired one once
    assert tc["hits"] + tc["misses"] >= 3 * CHILDREN
    assert _value(fams, "auth0_jwt_token_cache_capacity") == tc["capacity"] > 0
    assert _value(fams, "auth0_jwt_build_info", version=rep["version"]) == 1
    started = _value(fams, "auth0_jwt_start_time_seconds")
    assert time.time() - 600 < started <= time.time()
    source = srv.path("conf", "a.json")
    assert _value(fams, "auth0_jwt_key_source_usable_keys", source=source) == 1
    for health in ("fresh", "stale", "failing", "none"):
        assert _value(fams, "auth0_jwt_key_source_health", source=source,
                      health=health) == (health == "fresh")
    assert _value(fams, "auth0_jwt_key_source_info", source=source, kind="file") == 1
    assert _value(fams, "auth0_jwt_key_source_age_seconds", source=source) >= 0
    if "dpop_replay_store" in rep:
        assert _value(fams, "auth0_jwt_dpop_replay_store_proofs") >= 1
        assert _value(fams, "auth0_jwt_dpop_replay_store_capacity") \
            == rep["dpop_replay_store"]["capacity"]


def test_prometheus_counters_only_rise_between_scrapes(httpd_factory):
    """Two scrapes around more traffic, with the children exiting between them
    (MaxConnectionsPerChild 1): no counter family goes down."""
    srv = _server(httpd_factory, extra="MaxConnectionsPerChild 1")
    token, expired = T.pyjwt(), T.pyjwt(ttl=-3600)
    _traffic(srv, token, expired)
    first = _families(_scrape(srv))
    _traffic(srv, token, expired)
    second = _families(_scrape(srv))
    counters = [name for name in first if name.endswith(("requests", "refused", "_hits",
                                                         "_misses", "fetches"))]
    assert len(counters) >= 6, counters
    for name in counters:
        for key, value in first[name].items():
            assert second[name][key] >= value, (name, key, value, second[name][key])
    ok = "auth0_jwt_requests"
    assert _value(second, ok, ok + "_total", result="accepted") == 4 * CHILDREN


def test_format_chosen_by_query_first_then_accept(httpd_factory):
    """?format= wins over Accept; without it, the first of text/plain,
    text/html and application/json that Accept lists; OpenMetrics is not
    offered (Prometheus' own Accept gets text/plain); JSON by default."""
    srv = _server(httpd_factory)
    cases = [
        ("/status?format=prometheus", "text/html", PROM_TYPE),
        ("/status?format=json", "text/plain", "application/json"),
        ("/status?format=html", "application/json", "text/html; charset=utf-8"),
        ("/status?x=1&format=prometheus", None, PROM_TYPE),
        ("/status", PROM_ACCEPT, PROM_TYPE),
        ("/status", "text/plain;version=0.0.4", PROM_TYPE),
        ("/status", "application/json, text/plain", "application/json"),
        ("/status", "text/html, text/plain", "text/html; charset=utf-8"),
        ("/status", "text/plain;q=0, application/json", "application/json"),
        ("/status", "application/openmetrics-text", "application/json"),
        ("/status", "*/*", "application/json"),
        ("/status", None, "application/json"),
    ]
    for path, accept, want in cases:
        r = srv.get(path, headers=[("Accept", accept)] if accept else [])
        assert r.status == 200, (path, accept, r.status)
        assert r.header("Content-Type") == want, (path, accept, r.header("Content-Type"))
        assert r.header("Cache-Control") == "no-store"
        assert "Accept" in r.header("Vary", "")
        if want == PROM_TYPE:
            _assert_well_formed(r.text)


def test_unknown_format_is_400_and_not_echoed(httpd_factory):
    """An unknown ?format= gets 400 with a short JSON error that does not
    carry the value back (here markup and a header-like text)."""
    srv = _server(httpd_factory)
    for value in ("xml", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%22%0D%0AX-Evil:%201", "",
                  "%zz"):
        r = srv.get("/status?format=" + value)
        assert r.status == 400, (value, r.status)
        assert r.header("Content-Type") == "application/json"
        body = r.json()
        assert body["error"] == "unknown_format", body
        assert "<script" not in r.text and "alert" not in r.text and "Evil" not in r.text
        assert "xml" not in r.text
        assert r.header("X-Evil") is None


def test_head_gets_the_headers_without_a_body_and_other_methods_405(httpd_factory):
    """HEAD answers the chosen format's headers and no body; POST and other
    methods get 405 with Allow: GET, HEAD."""
    srv = _server(httpd_factory)
    r = srv.head("/status?format=prometheus")
    assert r.status == 200 and r.body == b"" and r.extra == b""
    assert r.header("Content-Type") == PROM_TYPE
    r = srv.head("/status", headers=[("Accept", PROM_ACCEPT)])
    assert r.status == 200 and r.body == b"" and r.header("Content-Type") == PROM_TYPE
    for method in ("POST", "PUT", "DELETE"):
        r = srv.request(method, "/status?format=prometheus", body=b"")
        assert r.status == 405, (method, r.status)
        assert r.header("Allow") == "GET, HEAD"
        assert r.json()["error"] == "method_not_allowed"


def test_https_source_fetches_and_refresh_in_seconds(httpd_factory, jwks, pki, signing_keys):
    """An https key source (Auth0's kind): its start-up fetch is counted in
    auth0_jwt_key_source_fetches_total{result="success"}, failures at 0, its
    refresh interval and age in seconds, no failure streak, health fresh; the
    source label is the JWKS URL."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=600) + """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
""", allow_log=[CONFIG_WARNINGS])
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200
    text = _scrape(srv, "/status", headers=[("Accept", PROM_ACCEPT)])
    _assert_well_formed(text)
    fams = _families(text)
    rep = _json(srv)
    uri = rep["key_sources"][0]["uri"]
    assert uri.startswith("https://")
    fetches = "auth0_jwt_key_source_fetches"
    assert _value(fams, fetches, fetches + "_total", source=uri, result="success") == 1
    assert _value(fams, fetches, fetches + "_total", source=uri, result="failure") == 0
    assert _value(fams, "auth0_jwt_key_source_refresh_seconds", source=uri) == 600
    assert 0 <= _value(fams, "auth0_jwt_key_source_age_seconds", source=uri) < 60
    assert _value(fams, "auth0_jwt_key_source_failure_streak", source=uri) == 0
    assert _value(fams, "auth0_jwt_key_source_health", source=uri, health="fresh") == 1
    assert _value(fams, "auth0_jwt_key_source_info", source=uri, kind="https") == 1


def test_fetch_counts_survive_a_graceful_restart(httpd_factory, jwks, pki, signing_keys):
    """The fetch counts used to live beside the refresh lease in memory that
    every graceful restart makes anew, so a reload (logrotate's, a deploy's)
    dropped auth0_jwt_key_source_fetches_total back to what the new generation
    fetched. They are now kept with the other counters: after the restart the
    count is every fetch the key host answered, the first one included."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=600) + """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
""", allow_log=[CONFIG_WARNINGS])
    before = _json(srv)["key_sources"][0]
    assert before["fetch_successes"] == 1 == jwks.count, before
    srv.graceful_restart()
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200
    after = _json(srv)["key_sources"][0]
    # every fetch the key host answered, before the restart and since
    assert after["fetch_successes"] == jwks.count >= 1 and after["fetch_failures"] == 0, \
        (after, jwks.count)
    fams = _families(_scrape(srv))
    fetches = "auth0_jwt_key_source_fetches"
    assert _value(fams, fetches, fetches + "_total", source=after["uri"],
                  result="success") == jwks.count


HOSTILE = 'conf/we"ird\\} 1\\name.json'  # a double quote and backslashes


def test_label_values_escaped_for_a_hostile_file_path(httpd_factory):
    """Attack: label injection. A key source's path becomes the `source` label;
    a path with a double quote and backslashes (from a config an attacker
    influenced, or just an unlucky name) must not end the label early and add
    series of its own. The value is escaped per the format, and Prometheus'
    parser reads back exactly the path."""
    srv = httpd_factory(
        mpm_lines(ajtest_mpm(), 1) + """
Auth0Issuer %s
Auth0Audience %s
<Location /api/>
    Auth0JWKSFile "%s"
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</Location>
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
""" % (T.ISSUER, T.AUDIENCE, HOSTILE.replace('"', '\\"')),
        files={HOSTILE: T.keys().jwks_text}, allow_log=[CONFIG_WARNINGS, MPM_FULL])
    assert srv.get("/api/private", headers=T.bearer(T.pyjwt())).status == 200
    text = _scrape(srv)
    _assert_well_formed(text)
    path = srv.path(HOSTILE)
    escaped = path.replace("\\", "\\\\").replace('"', '\\"')
    assert 'auth0_jwt_key_source_usable_keys{source="%s",source_id="' % escaped in text
    fams = _families(text)
    assert _value(fams, "auth0_jwt_key_source_usable_keys", source=path) == 1
    sources = {dict(labels)["source"] for (_, labels) in fams["auth0_jwt_key_source_info"]}
    assert sources == {path}


def ajtest_mpm():
    import ajtest  # pylint: disable=import-outside-toplevel
    return ajtest.current_mpm()
