"""Concurrency (docs/keys.md, "Sharing between processes"): one refresh at a time per server.

prefork runs 4 children (StartServers/MinSpareServers 4), event and worker 2.
Fetches are counted on the JWKS host. "First requests" start from a server
that has no keys: its JWKS host was down at start-up (the parent's start-up
fetch failed) and is up again when 200 requests arrive at once.
"""

import random
import re
import time


import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, PID_LOG, bearer, fire, jwks, location, mpm_lines, pid_log, pki,
    signing_keys)

CHILDREN = 4 if ajtest.current_mpm() == "prefork" else 2


def serve(httpd_factory, jwks, pki, **kw):
    snippet = "\n".join([mpm_lines(ajtest.current_mpm(), CHILDREN), PID_LOG,
                         location("/api/", pki.ca_file, domain=jwks.domain, **kw)])
    return httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])


def test_200_concurrent_first_requests_one_fetch(httpd_factory, jwks, pki, signing_keys,
                                                 expect_log):
    jwks.down()
    expect_log(r"cannot fetch the keys of %s at start-up \(connect: " % re.escape(jwks.url()))
    srv = serve(httpd_factory, jwks, pki, cooldown=1, timeout=2)
    jwks.up()
    time.sleep(1.1)  # past the cooldown that follows the failed start-up attempt
    token = signing_keys["A"].mint(jwks.issuer)
    results = fire(srv, 200, bearer(token))
    statuses = [r[0] for r in results]
    assert statuses.count(200) == 200, {s: statuses.count(s) for s in set(statuses)}
    assert jwks.count == 1, "one fetch for the whole server"
    srv._barrier()  # pylint: disable=protected-access
    assert len({pid for pid, _, _ in pid_log(srv)}) >= 2, "several processes answered"


def test_200_concurrent_requests_after_start_up(httpd_factory, jwks, pki, signing_keys):
    """The parent's start-up fetch serves every child: no fetch at all for them."""
    srv = serve(httpd_factory, jwks, pki, cooldown=1, timeout=2)
    assert jwks.count == 1
    results = fire(srv, 200, bearer(signing_keys["A"].mint(jwks.issuer)))
    assert [r[0] for r in results].count(200) == 200
    assert jwks.count == 1


def test_1000_unknown_kids_one_fetch_per_cooldown(httpd_factory, jwks, pki, signing_keys):
    cooldown = 2
    srv = serve(httpd_factory, jwks, pki, cooldown=cooldown, timeout=2)
    C = signing_keys["C"]
    tokens = [C.mint(jwks.issuer, kid="unknown-%d-%d" % (i, random.randrange(1 << 30)))
              for i in range(1000)]
    t0 = time.monotonic()
    results = fire(srv, 1000, lambda i: bearer(tokens[i]), threads=50, timeout=30)
    took = time.monotonic() - t0
    statuses = [r[0] for r in results]
    assert statuses.count(401) == 1000, {s: statuses.count(s) for s in set(statuses)}
    forced = jwks.count - 1
    windows = int(took // cooldown) + 1
    assert 1 <= forced <= windows, "%d forced fetches in %.1f s (cooldown %d s)" % (
        forced, took, cooldown)
    # the server is fine for good tokens
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200


def test_stalled_host_cached_keys_answer_at_once(httpd_factory, jwks, pki, signing_keys,
                                                 expect_log):
    """Keys past their TTL, the host stalls: requests keep using the keys they have."""
    timeout = 2
    srv = serve(httpd_factory, jwks, pki, ttl=1, cooldown=5, timeout=timeout)
    token = signing_keys["A"].mint(jwks.issuer)
    assert [r[0] for r in fire(srv, 20, bearer(token))] == [200] * 20
    jwks.set_mode("stall")
    expect_log(r"cannot refresh the keys of %s: timeout: .*serving the last good keys"
               % re.escape(jwks.url()))
    time.sleep(1.2)                       # the keys are stale now
    latencies = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout + 1:   # through the whole stalled fetch
        for status, took, _ in fire(srv, 10, bearer(token)):
            assert status == 200
            latencies.append(took)
    assert jwks.count_for("/") >= 2, "a refresh was attempted"
    slow = sorted(t for t in latencies if t > 0.5)
    assert not slow, ("%d of %d requests with usable keys waited for the stalled fetch "
                      "(%s s)" % (len(slow), len(latencies),
                                  ", ".join("%.2f" % t for t in slow)))


def test_stalled_host_without_keys_waits_at_most_the_timeout(httpd_factory, jwks, pki,
                                                             signing_keys, expect_log):
    """No key ever loaded and the host stalls: requests wait, at most the deadline, then 503."""
    timeout = 1
    jwks.set_mode("stall")
    url = re.escape(jwks.url())
    expect_log(r"cannot fetch the keys of %s at start-up \(timeout: " % url)
    expect_log(r"cannot refresh the keys of %s: timeout: .*no keys to serve" % url)
    expect_log(r"no signing keys available")
    # cooldown 3: no second attempt while these requests wait for the first one
    srv = serve(httpd_factory, jwks, pki, cooldown=3, timeout=timeout)
    srv.wait_log(r"resuming normal operations", since_test=False, timeout=10)
    time.sleep(3.1)  # past the cooldown that follows the failed start-up attempt
    before = jwks.count
    # fewer requests than workers (prefork: MaxRequestWorkers 16): none queues in httpd
    results = fire(srv, 12, bearer(signing_keys["A"].mint(jwks.issuer)))
    assert all(s == 503 for s, _, _ in results), [r[0] for r in results]
    worst = max(t for _, t, _ in results)
    assert worst < timeout + 1.5, "waited %.2f s" % worst
    assert jwks.count - before == 1, "one attempt for all of them"
