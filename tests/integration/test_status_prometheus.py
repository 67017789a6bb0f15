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
from jwks_server import CONFIG_WARNINGS, MPM_FULL, PID_LOG, mpm_lines, pid_log

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
