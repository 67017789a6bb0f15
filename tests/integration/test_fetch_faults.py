"""Faults of the JWKS host (docs/keys.md), each asserted: what the client sees,
and the reason the log names.

Two servers cover every fault at once, one <Location> (and one JWKS URL) per
fault, so the waits are shared:

  cold  every fault is there from start-up: no key was ever loaded, so a valid
        token gets 503 with Retry-After, and the log says why
  warm  keys were loaded at start-up, then every fault starts and the keys go
        stale (TTL 1): the last good keys keep serving (stale-if-error), and
        the log says why, once

Then: a host down at start-up that comes up (recovery without a restart), the
end of stale-if-error at Auth0JWKSMaxStale, one log line per failure streak,
the cooldown between retries, and the formats that must work (chunked,
close-delimited, slow).
"""

import re
import time

import pytest

import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, JwksServer, bearer, fire, jwks, jwks_of, location, pki, signing_keys)

ISSUER = "https://issuer.fetch-tests.invalid/"
TIMEOUT = 2          # Auth0JWKSTimeout
SHORT_TIMEOUT = 1    # for the faults that run into the deadline
MARGIN = 1.5         # seconds a fault may take beyond its deadline

# name: (where the fault lives, the reason the log must name)
#   where: "path"  a mode of the shared JwksServer for this fault's path
#          "server" a JwksServer of its own (certificates, TLS stall)
#          "down"   a port nobody listens on
FAULTS = {
    "500": ("path", r"status: status 500"),
    "redirect": ("path", r"redirect: status 302: redirects are not followed"),
    "garbage": ("path", r"key set is not a JSON object"),
    "not_http": ("path", r"http: malformed HTTP response"),
    "empty": ("path", r"the key set holds no usable key"),
    "huge": ("path", r"too_large: response body over the size limit"),
    "huge_chunked": ("path", r"too_large: response body over the size limit"),
    "huge_close": ("path", r"too_large: response body over the size limit"),
    "close_mid_body": ("path", r"http: connection closed before the response ended"),
    "stall": ("path", r"timeout: deadline passed"),
    "drip": ("path", r"timeout: deadline passed"),
    "stall_handshake": ("server", r"timeout: deadline passed"),
    "other_ca": ("server", r"cert: certificate of localhost not trusted: "
                           r"unable to get local issuer certificate"),
    "wrong_name": ("server", r"cert: certificate of localhost not trusted: hostname mismatch"),
    "down": ("down", r"connect: cannot connect to localhost port \d+"),
}
TIMEOUT_FAULTS = ("stall", "drip", "stall_handshake")
WORKING = ("normal", "chunked", "close_delimited", "slow")


def fault_timeout(name):
    return SHORT_TIMEOUT if name in TIMEOUT_FAULTS else TIMEOUT


def fault_cooldown(name):
    # longer than a fetch that runs into its deadline: the cooldown counts from
    # the start of the failed attempt
    return 3 if name in TIMEOUT_FAULTS else 1


class Bench:
    """One httpd with a <Location /f/NAME/> per fault (and /ok/MODE/ per working mode)."""

    def __init__(self, pki, keys, label):
        self.pki = pki
        self.keys = keys
        self.label = label
        self.main = JwksServer(pki, jwks_of(keys["A"])).start()
        self.servers = {}
        self.urls = {}
        self.srv = None
        self.down_port = None
        for name, (where, _) in FAULTS.items():
            if where == "path":
                self.urls[name] = self.main.url("/%s/jwks.json" % name)
            elif where == "server":
                s = JwksServer(pki, jwks_of(keys["A"])).start()
                self.servers[name] = s
                self.urls[name] = s.url()
            else:
                s = JwksServer(pki, jwks_of(keys["A"])).start()
                self.servers[name] = s
                self.urls[name] = s.url()
        for mode in WORKING:
            self.urls["ok-" + mode] = self.main.url("/ok-%s/jwks.json" % mode)
            self.main.set_mode(mode, path="/ok-%s/" % mode)

    def break_all(self):
        """Every fault starts now."""
        for name, (where, _) in FAULTS.items():
            if where == "path":
                self.main.set_mode(name, path="/%s/" % name)
            elif name == "stall_handshake":
                self.servers[name].set_mode("stall_handshake")
            elif name in ("other_ca", "wrong_name"):
                self.servers[name].cert = name
            elif name == "down":
                self.servers[name].down()

    def snippet(self, ttl):
        parts = []
        for name in list(FAULTS) + ["ok-" + m for m in WORKING]:
            path = "/f/%s/" % name if name in FAULTS else "/%s/" % name
            parts.append(location(path, self.pki.ca_file, uri=self.urls[name], issuer=ISSUER,
                                  ttl=ttl, cooldown=fault_cooldown(name),
                                  timeout=fault_timeout(name)))
        return "\n".join(parts)

    def start(self, ttl):
        self.srv = ajtest.Httpd(self.snippet(ttl), name="faults-" + self.label,
                                allow_log=[CONFIG_WARNINGS,
                                           r"cannot fetch the keys of .* at start-up"])
        self.srv.start()
        # httpd accepts connections before its start-up fetches are done: wait for them
        self.srv.wait_log(r"resuming normal operations", timeout=30, since_test=False)
        return self

    def token(self):
        return self.keys["A"].mint(ISSUER)

    def attempts(self, name):
        """Fetch attempts the JWKS host of fault `name` saw (None: cannot tell)."""
        where = FAULTS[name][0]
        if where == "path":
            return self.main.count_for("/%s/" % name)
        if where == "server":
            return self.servers[name].connections
        return None

    def stop(self):
        if self.srv is not None:
            self.srv.stop()
        for s in [self.main] + list(self.servers.values()):
            s.stop()


@pytest.fixture(scope="module")
def cold(pki, signing_keys):
    bench = Bench(pki, signing_keys, "cold")
    bench.break_all()
    try:
        bench.start(ttl=600)
        # past the longest cooldown since the start-up attempts: first requests retry
        time.sleep(max(fault_cooldown(n) for n in FAULTS) + 0.1)
        yield bench
    finally:
        bench.stop()


@pytest.fixture(scope="module")
def warm(pki, signing_keys):
    bench = Bench(pki, signing_keys, "warm")
    try:
        bench.start(ttl=1)
        token = bench.token()
        for name in FAULTS:
            r = bench.srv.get("/f/%s/api/private" % name, headers=bearer(token))
            assert r.status == 200, (name, r.text)
        bench.break_all()
        time.sleep(1.2)  # every Location's keys are now past their TTL
        yield bench
    finally:
        bench.stop()


def _get(srv, path, token):
    t0 = time.monotonic()
    r = srv.get(path, headers=bearer(token), timeout=15)
    return r, time.monotonic() - t0


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_before_any_key_gives_503(cold, name, expect_log):
    url, reason = cold.urls[name], FAULTS[name][1]
    srv = cold.srv
    # at start-up: a warning, not a refusal to start
    line = srv.wait_log(r"cannot fetch the keys of %s at start-up \(%s.*\); "
                        r"requests get 503 until a fetch succeeds" % (re.escape(url), reason),
                        since_test=False)
    assert "[auth0_jwt:warn]" in line
    expect_log(r"cannot refresh the keys of %s: %s.*; no keys to serve"
               % (re.escape(url), reason))
    expect_log(r"no signing keys available: %s" % reason)
    # the cooldown since the start-up attempt is over (fixture): this request retries
    r, took = _get(srv, "/f/%s/api/private" % name, cold.token())
    assert r.status == 503, r.text
    assert r.header("Retry-After", "").isdigit() and int(r.header("Retry-After")) > 0
    assert r.header("Content-Type") == "application/json"
    assert r.json()["error"] == "temporarily_unavailable"
    assert took < fault_timeout(name) + MARGIN, "answered within the fetch deadline"
    srv.wait_log(r"no signing keys available: %s" % reason)
    srv.wait_log(r"cannot refresh the keys of %s: %s" % (re.escape(url), reason))
    attempts = cold.attempts(name)
    if attempts is not None:
        assert attempts == 2, "start-up, then one retry"
    # the next request within the cooldown does not fetch again: at once, same answer
    r, took = _get(srv, "/f/%s/api/private" % name, cold.token())
    assert r.status == 503 and took < 0.5
    assert cold.attempts(name) == attempts
    # the reason reached the log at warn or worse once for this failure streak
    loud = [l for l in srv.log_lines(since_test=False)
            if re.search(r"cannot (fetch|refresh) the keys of %s\b" % re.escape(url), l)
            and re.search(r"\[auth0_jwt:(warn|error|crit)\]", l)]
    assert len(loud) == 1, loud


@pytest.mark.parametrize("mode", WORKING)
def test_response_formats_that_work(cold, mode):
    """Content-Length, chunked (with extensions and trailers), close-delimited, slow."""
    r, _ = _get(cold.srv, "/ok-%s/api/private" % mode, cold.token())
    assert r.status == 200, r.text
    assert cold.main.count_for("/ok-%s/" % mode) == 1
    assert all(q.mode == mode for q in cold.main.requests if q.path.startswith("/ok-%s/" % mode))


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_after_keys_serves_last_good_keys(warm, name, expect_log):
    url, reason = warm.urls[name], FAULTS[name][1]
    srv = warm.srv
    expect_log(r"cannot refresh the keys of %s: %s.*; serving the last good keys"
               % (re.escape(url), reason))
    r, took = _get(srv, "/f/%s/api/private" % name, warm.token())
    assert r.status == 200, r.text
    assert took < fault_timeout(name) + MARGIN
    line = srv.wait_log(r"cannot refresh the keys of %s: %s" % (re.escape(url), reason))
    assert "[auth0_jwt:warn]" in line
    # more requests: the stale keys answer them, no new attempt within the cooldown
    for _ in range(5):
        r, took = _get(srv, "/f/%s/api/private" % name, warm.token())
        assert r.status == 200 and took < 0.5
    # a key the last good set does not have is still refused
    r, _ = _get(srv, "/f/%s/api/private" % name, warm.keys["B"].mint(ISSUER, kid="kA"))
    assert r.status == 401


def test_host_down_at_start_up_then_recovers(httpd_factory, jwks, pki, signing_keys,
                                             expect_log):
    """The server starts, warns, answers 503 + Retry-After; the host comes up: keys, no restart."""
    jwks.down()
    url = re.escape(jwks.url())
    expect_log(r"cannot fetch the keys of %s at start-up \(connect: .*\); "
               r"requests get 503 until a fetch succeeds" % url)
    expect_log(r"cannot refresh the keys of %s: connect: .*; no keys to serve" % url)
    expect_log(r"no signing keys available: connect: ")
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, cooldown=1,
                                 timeout=TIMEOUT), allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    for _ in range(5):
        r = srv.get("/api/private", headers=bearer(token))
        assert r.status == 503
        assert r.header("Retry-After", "").isdigit()
        assert "temporarily_unavailable" in r.text
    time.sleep(1.1)  # past the cooldown: the next request tries again, and fails again
    assert srv.get("/api/private", headers=bearer(token)).status == 503
    srv.wait_log(r"cannot refresh the keys of %s: connect: " % url)
    jwks.up()
    time.sleep(1.1)  # the cooldown after the last failed attempt
    r = srv.get("/api/private", headers=bearer(token))
    assert r.status == 200, r.text
    assert jwks.count == 1
    for _ in range(10):
        assert srv.get("/api/private", headers=bearer(token)).status == 200
    assert jwks.count == 1
    loud = [l for l in srv.log_lines()
            if re.search(r"cannot (fetch|refresh) the keys of %s\b" % url, l)
            and re.search(r"\[auth0_jwt:(warn|error|crit)\]", l)]
    assert len(loud) == 1, "the reason is logged once per failure streak: %s" % loud


def test_stale_keys_serve_until_max_stale(httpd_factory, jwks, pki, signing_keys, expect_log):
    """TTL 1, MaxStale 2: stale keys serve until 3 s after the fetch, then 503; then recovery."""
    url = re.escape(jwks.url())
    t_begin = time.monotonic()
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=1, cooldown=1,
                                 max_stale=2, timeout=TIMEOUT), allow_log=[CONFIG_WARNINGS])
    t_started = time.monotonic()
    assert t_started - t_begin < 1.5, "start-up too slow for this test's timing"
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    jwks.set_mode("500")
    expect_log(r"cannot refresh the keys of %s: status: status 500; serving the last good keys"
               % url)
    expect_log(r"no signing keys available: status: status 500")
    # past the TTL, within TTL + MaxStale of the start-up fetch
    time.sleep(max(0.0, t_started + 1.2 - time.monotonic()))
    r = srv.get("/api/private", headers=bearer(token))
    assert r.status == 200, r.text
    srv.wait_log(r"cannot refresh the keys of %s: status: status 500" % url)
    # past TTL + MaxStale: no usable key any more
    time.sleep(max(0.0, t_started + 3.3 - time.monotonic()))
    r = srv.get("/api/private", headers=bearer(token))
    assert r.status == 503, r.text
    assert r.header("Retry-After")
    srv.wait_log(r"no signing keys available: status: status 500")
    # the host is fine again: keys are back after the cooldown, without a restart
    jwks.set_mode("normal")
    time.sleep(1.1)
    r = srv.get("/api/private", headers=bearer(token))
    assert r.status == 200, r.text


def test_one_log_line_per_failure_streak(httpd_factory, jwks, pki, signing_keys, expect_log):
    """Failed refreshes retry after the cooldown; only the first of a streak warns."""
    url = re.escape(jwks.url())
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=1, cooldown=1,
                                 timeout=TIMEOUT), allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    jwks.set_mode("500")
    expect_log(r"cannot refresh the keys of %s: status: status 500; serving the last good keys"
               % url)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.2:
        assert srv.get("/api/private", headers=bearer(token)).status == 200
        time.sleep(0.05)
    elapsed = time.monotonic() - t0
    attempts = jwks.count - 1
    # after the TTL (1 s), one attempt per cooldown (1 s) at most
    assert 2 <= attempts <= elapsed + 1, attempts
    lines = [l for l in srv.log_lines() if "cannot refresh the keys of" in l]
    assert len(lines) == attempts
    assert sum("[auth0_jwt:warn]" in l for l in lines) == 1
    assert sum("[auth0_jwt:debug]" in l for l in lines) == attempts - 1
    # a success ends the streak; the next failure warns again
    jwks.set_mode("normal")
    time.sleep(1.1)
    # the refresh runs beside the requests: ask until a refresh (not the
    # start-up fetch) has succeeded
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            re.search(r"fetched 1 key\(s\) from %s$" % url, l.rstrip())
            for l in srv.log_lines()):
        assert srv.get("/api/private", headers=bearer(token)).status == 200
        time.sleep(0.05)
    jwks.set_mode("500")
    time.sleep(1.1)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    # the refresh runs beside the requests (stale keys may serve until the
    # cooldown since the last look): keep asking until its outcome is logged
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [l for l in srv.log_lines() if "cannot refresh the keys of" in l]
        if sum("[auth0_jwt:warn]" in l for l in lines) >= 2:
            break
        assert srv.get("/api/private", headers=bearer(token)).status == 200
        time.sleep(0.05)
    assert sum("[auth0_jwt:warn]" in l for l in lines) == 2


def test_failed_refresh_retries_after_the_cooldown(httpd_factory, jwks, pki, signing_keys,
                                                   expect_log):
    """A refresh that ran into its deadline is retried a cooldown after it failed, not at
    once: attempts on a stalled host start at least timeout + cooldown apart."""
    timeout = cooldown = 1
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=1,
                                 cooldown=cooldown, timeout=timeout),
                        allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    jwks.set_mode("stall")
    expect_log(r"cannot refresh the keys of %s: timeout: .*serving the last good keys"
               % re.escape(jwks.url()))
    time.sleep(1.1)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4.5:   # steady traffic, reaching every process
        assert {s for s, _, _ in fire(srv, 4, bearer(token))} == {200}
        time.sleep(0.05)
    starts = [q.at for q in jwks.requests if q.mode == "stall"]
    gaps = ["%.2f" % (b - a) for a, b in zip(starts, starts[1:])]
    assert len(starts) >= 2
    assert all(float(g) >= timeout + cooldown - 0.3 for g in gaps), (
        "attempts %s s apart (timeout %d s, cooldown %d s)" % (", ".join(gaps), timeout,
                                                               cooldown))


def test_wrong_ca_and_wrong_name_for_ip_literal(httpd_factory, pki, signing_keys,
                                                expect_log):
    """https://127.0.0.1:PORT/ with a certificate lacking that IP: refused (IP checked)."""
    with JwksServer(pki, jwks_of(signing_keys["A"]), cert="wrong_name") as host:
        url = host.url(host="127.0.0.1")
        expect_log(r"cannot fetch the keys of %s at start-up \(cert: .*IP address mismatch"
                   % re.escape(url))
        expect_log(r"cannot refresh the keys of %s: cert: .*IP address mismatch"
                   % re.escape(url))
        expect_log(r"no signing keys available: cert: ")
        srv = httpd_factory(location("/api/", pki.ca_file, uri=url, issuer=ISSUER, cooldown=1),
                            allow_log=[CONFIG_WARNINGS])
        time.sleep(1.1)  # past the cooldown after the failed start-up attempt: a retry
        r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(ISSUER)))
        assert r.status == 503
        assert host.count == 0, "no request is sent to an untrusted host"
        assert host.connections >= 2


def test_system_store_does_not_trust_the_test_ca(httpd_factory, jwks, signing_keys,
                                                 expect_log):
    """Without Auth0CACertificateFile the system store decides: the test CA is unknown."""
    url = re.escape(jwks.url())
    expect_log(r"cannot fetch the keys of %s at start-up \(cert: " % url)
    expect_log(r"cannot refresh the keys of %s: cert: " % url)
    expect_log(r"no signing keys available: cert: ")
    snippet = ("<Location /api/>\n SetHandler auth0-demo\n AuthType Auth0\n"
               " Auth0Domain %s\n Auth0Audience https://api.fetch-tests.invalid/\n"
               " Require valid-user\n</Location>\n" % jwks.domain)
    srv = httpd_factory(snippet)
    r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer)))
    assert r.status == 503
    assert jwks.count == 0
