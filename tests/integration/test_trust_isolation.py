"""Failure isolation between key sources (docs/keys.md, "Refreshes"): one key
host's trouble stays its own. Refreshes of different sources run independently,
a request waits for a refresh only when it lacks a key for its token and never
longer than the timeout, and unknown-kid tokens cannot hold every worker."""

import threading
import time

import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, JwksServer, bearer, jwks_of, location, mpm_lines, pki,
    signing_keys)

ALLOW = [CONFIG_WARNINGS, MPM_FULL, r"cannot (fetch|refresh) the keys", r"timeout"]


def test_stalled_host_does_not_hold_another_sources_refresh(httpd_factory, pki, signing_keys):
    """Attack: the key host of scope /b (any tenant an .htaccess may name) stalls
    every fetch for the whole timeout. Scope /a's keys rotate meanwhile: its due
    refresh, and the refresh a token with its new kid forces, must not queue
    behind /b's stalled one. The new key is accepted within a second or so."""
    with JwksServer(pki, jwks_of(signing_keys["A"])) as host_a, \
            JwksServer(pki, jwks_of(signing_keys["B"])) as host_b:
        snippet = (mpm_lines(ajtest.current_mpm(), 1, threads=8) + "\n" +
                   location("/a/", pki.ca_file, domain=host_a.domain, ttl=1, timeout=8) +
                   location("/b/", pki.ca_file, domain=host_b.domain, ttl=1, timeout=8))
        srv = httpd_factory(snippet, allow_log=ALLOW)
        assert srv.get("/a/api/private",
                       headers=bearer(signing_keys["A"].mint(host_a.issuer))).status == 200
        token_b = signing_keys["B"].mint(host_b.issuer)
        assert srv.get("/b/api/private", headers=bearer(token_b)).status == 200
        host_b.set_mode("stall")
        time.sleep(1.2)  # both sets are due for a refresh
        # /b's refresh starts and stalls (its stale keys keep serving)
        assert srv.get("/b/api/private", headers=bearer(token_b)).status == 200
        host_b.wait_count(2)
        # /a rotates; its due refresh and a token with the new kid go ahead at once
        host_a.set_jwks([signing_keys["A"], signing_keys["C"]])
        t0 = time.monotonic()
        r = srv.get("/a/api/private", headers=bearer(signing_keys["C"].mint(host_a.issuer)))
        took = time.monotonic() - t0
        assert r.status == 200, r.text
        assert took < 3, "the new key of /a waited %.1f s behind /b's stalled refresh" % took


def test_unknown_kid_flood_does_not_hold_every_worker(httpd_factory, pki, signing_keys):
    """Attack: while a refresh forced by an unknown kid stalls, more tokens with
    unknown kids arrive, enough to occupy every worker of the process if each
    waited. At most a couple wait; a valid token is answered at once."""
    with JwksServer(pki, jwks_of(signing_keys["A"])) as host:
        snippet = (mpm_lines(ajtest.current_mpm(), 1, threads=4) + "\n" +
                   location("/api/", pki.ca_file, domain=host.domain, timeout=4, cooldown=30))
        srv = httpd_factory(snippet, allow_log=ALLOW)
        valid = signing_keys["A"].mint(host.issuer)
        assert srv.get("/api/private", headers=bearer(valid)).status == 200
        host.set_mode("stall")
        unknown = [signing_keys["C"].mint(host.issuer, kid="gone-%d" % i) for i in range(5)]
        results = []
        threads = [threading.Thread(target=lambda t=t: results.append(
            srv.get("/api/private", headers=bearer(t)).status)) for t in unknown]
        for th in threads:
            th.start()
            time.sleep(0.05)
        time.sleep(0.3)
        t0 = time.monotonic()
        assert srv.get("/api/private", headers=bearer(valid)).status == 200
        took = time.monotonic() - t0
        for th in threads:
            th.join(15)
        assert took < 1.5, "a valid token waited %.1f s behind unknown-kid requests" % took
        assert sorted(results) == [401] * 5, results


def test_skipped_key_warned_once_per_version(httpd_factory, pki, signing_keys):
    """Attack (log noise): a key set with one malformed key made every process warn
    at every version it adopted, so the warnings grew with the number of children.
    One warning per version of the set, from where it came in."""
    from jwks_server import PID_LOG, spread  # pylint: disable=import-outside-toplevel
    bad = {"kty": "RSA", "kid": "broken", "n": "AA", "e": "AQAB"}
    children = 3
    with JwksServer(pki, {"keys": [signing_keys["A"].jwk(), bad]}) as host:
        snippet = "\n".join([mpm_lines(ajtest.current_mpm(), children, threads=4), PID_LOG,
                             "KeepAlive Off",
                             location("/api/", pki.ca_file, domain=host.domain, cooldown=1)])
        srv = httpd_factory(snippet, allow_log=ALLOW + [r"of \S+ skipped: "])
        token_a = signing_keys["A"].mint(host.issuer)
        statuses, first = spread(srv, bearer(token_a), lambda pids: len(pids) >= 2, burst=6)
        assert set(statuses) == {200}, statuses
        host.set_jwks({"keys": [signing_keys["A"].jwk(), signing_keys["B"].jwk(), bad]})
        assert srv.get("/api/private",
                       headers=bearer(signing_keys["B"].mint(host.issuer))).status == 200
        statuses, second = spread(srv, bearer(token_a), lambda pids: len(pids) >= 2, burst=6)
        assert set(statuses) == {200}, statuses
        assert len(first) >= 2 and len(second) >= 2, "several processes answered"
        warned = [line for line in srv.log_lines(since_test=False)
                  if "skipped: RSA modulus n is zero or even" in line and "[auth0_jwt:warn]" in line]
        assert len(warned) == 2, "one warning per version (start-up, rotation): %s" % warned
