"""soak.py: mixed load on a real httpd while its keys rotate, their host flaps
and the server restarts gracefully. Every answer must be the one its token
deserves; there must be no 5xx, no crash line and no growth of child memory.

  /usr/bin/python3 tests/soak/soak.py --seconds 600    # the 10-minute soak
  /usr/bin/python3 tests/soak/soak.py --seconds 60     # the CI version

The MPM comes from AJ_MPM (default event). Ends with `N passed, N failed`
over the checks listed at the end.
"""

import argparse
import http.client
import os
import random
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import ajtest  # noqa: E402
import jwks_server as J  # noqa: E402

AUDIENCE = J.AUDIENCE
CONNECTIONS = 64
ROTATE_EVERY = 30.0   # seconds between key rotations
FLAP_EVERY = 4.0      # seconds between key-host mode changes
FLAP_MODES = ["normal", "500", "stall", "normal", "garbage", "normal"]

SNIPPET = """
Auth0Domain {domain}
Auth0Audience {aud}
Auth0CACertificateFile {ca}
Auth0JWKSCacheTTL 3
Auth0JWKSRefreshCooldown 1
Auth0JWKSTimeout 1
Auth0JWKSMaxStale 3600
<Location /api/>
    SetHandler auth0-demo
    Require all granted
</Location>
<Location /api/private>
    AuthType Auth0
    Require valid-user
</Location>
<Location /api/private-scoped>
    AuthType Auth0
    Require auth0-scope read:messages
</Location>
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""

# kind: (path, expected status)
KINDS = {
    "public": ("/api/public", 200),
    "valid": ("/api/private-scoped", 200),
    "valid-private": ("/api/private", 200),
    "no-scope": ("/api/private-scoped", 403),
    "expired": ("/api/private", 401),
    "tampered": ("/api/private", 401),
    "missing": ("/api/private", 401),
}


class Tokens:
    """The tokens of the current signing key, swapped at rotation."""

    def __init__(self, issuer):
        self.issuer = issuer
        self.lock = threading.Lock()
        self.by_kind = {}

    def use(self, key):
        valid = key.mint(self.issuer, scope="read:messages")
        head, body, sig = valid.split(".")
        flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
        tokens = {
            "valid": valid,
            "valid-private": key.mint(self.issuer),
            "no-scope": key.mint(self.issuer, scope="write:messages"),
            "expired": key.mint(self.issuer, ttl=-120, scope="read:messages"),
            "tampered": "%s.%s.%s" % (head, body, flipped),
        }
        with self.lock:
            self.by_kind = tokens

    def get(self, kind):
        with self.lock:
            return self.by_kind.get(kind)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {k: 0 for k in KINDS}
        self.wrong = []          # (kind, expected, got)
        self.server_errors = 0
        self.conn_errors = []    # requests that got no answer at all
        self.stale_retries = 0   # keep-alive connections the server had closed

    def add(self, kind, expected, got):
        with self.lock:
            self.sent[kind] += 1
            if got >= 500:
                self.server_errors += 1
            if got != expected:
                if len(self.wrong) < 50:
                    self.wrong.append((kind, expected, got))
                else:
                    self.wrong.append(None)

    def failed(self, kind, err):
        with self.lock:
            self.conn_errors.append("%s: %s: %s" % (kind, type(err).__name__, err))


# The server may close an idle keep-alive connection (a graceful restart
# retires the children that hold them; the event MPM closes idle connections
# when its workers are busy) just as a client sends on it: the request was never
# read, and HTTP clients send it again on a new connection (RFC 9112 9.3.1).
# Any other failure, a failure on a new connection or during a response, is a
# failed request.
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def client(port, tokens, stats, stop, seed):
    rnd = random.Random(seed)
    conn = None
    answered_on_conn = 0
    kinds = list(KINDS)
    while not stop.is_set():
        kind = rnd.choice(kinds)
        path, expected = KINDS[kind]
        headers = {}
        token = tokens.get(kind)
        if token:
            headers["Authorization"] = "Bearer " + token
        for attempt in (1, 2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    answered_on_conn = 0
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                stats.add(kind, expected, resp.status)
                answered_on_conn += 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (OSError, http.client.HTTPException) as e:
                reused = answered_on_conn > 0
                if conn:
                    conn.close()
                conn = None
                if attempt == 1 and reused and isinstance(e, STALE):
                    with stats.lock:
                        stats.stale_retries += 1
                    continue
                if not stop.is_set():
                    stats.failed(kind, e)
                break
    if conn:
        conn.close()


def child_rss(srv):
    """{pid: VmRSS kB} of the server's children (not the parent)."""
    out = {}
    parent = srv.proc.pid if srv.proc else None
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == parent:
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != parent:  # ppid
                continue
            with open("/proc/%s/status" % pid) as f:
                m = re.search(r"VmRSS:\s+(\d+)", f.read())
            if m:
                out[int(pid)] = int(m.group(1))
        except OSError:
            pass
    return out


def status_kids(srv):
    try:
        r = srv.get("/status", headers=[("Accept", "application/json")])
        kids = set()
        for src in r.json().get("key_sources", []):
            kids |= {k.get("kid") for k in src.get("keys", [])}
        return kids
    except Exception:  # noqa: BLE001 - a restart may be under way
        return set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--restarts", type=int, default=10)
    args = ap.parse_args()
    duration = args.seconds
    checks = []

    work = ajtest.base_dir()
    pki = J.Pki(os.path.join(work, "soak-pki"))
    keys = [J.SigningKey(kid="soak-0")]
    host = J.JwksServer(pki, jwks=J.jwks_of(keys[0]))
    host.start()
    tokens = Tokens(host.issuer)
    tokens.use(keys[0])
    snippet = SNIPPET.format(domain=host.domain, aud=AUDIENCE, ca=pki.ca_file)
    srv = ajtest.Httpd(snippet, name="soak",
                       allow_log=[r"auth0_jwt:(warn|error)\].*(refresh|fetch|keys of)",
                                  r"AH01630", r"auth0_jwt:warn\].*Auth0JWKS",
                                  r"AH00169", r"AH00493", r"AH00171"])
    srv.start()
    stats = Stats()
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(srv.port, tokens, stats, stop, i),
                                daemon=True) for i in range(CONNECTIONS)]
    # warm up: keys fetched, children started
    deadline = time.time() + 10
    while time.time() < deadline and "soak-0" not in status_kids(srv):
        time.sleep(0.2)
    for t in threads:
        t.start()
    time.sleep(min(5, duration / 10))
    rss_start = child_rss(srv)

    start = time.monotonic()
    next_restart = start + duration / (args.restarts + 1)
    restart_gap = duration / (args.restarts + 1)
    next_rotation = start + ROTATE_EVERY
    next_flap = start + FLAP_EVERY
    flap_i = 0
    restarts = 0
    rotations = 0
    pending = None   # a new key published, tokens not switched yet
    while time.monotonic() - start < duration:
        now = time.monotonic()
        if now >= next_flap:
            flap_i += 1
            host.set_mode(FLAP_MODES[flap_i % len(FLAP_MODES)])
            next_flap = now + FLAP_EVERY
        if now >= next_rotation and pending is None:
            pending = J.SigningKey(kid="soak-%d" % len(keys))
            keys.append(pending)
            host.set_jwks(J.jwks_of(keys[-2], pending))   # old and new published
            next_rotation = now + ROTATE_EVERY
        if pending is not None and pending.kid in status_kids(srv):
            tokens.use(pending)         # only once the server holds the new key
            host.set_jwks(J.jwks_of(pending))
            pending = None
            rotations += 1
        if restarts < args.restarts and now >= next_restart:
            try:
                srv.graceful_restart()
                restarts += 1
            except Exception as e:  # noqa: BLE001
                print("graceful restart failed: %s" % e)
            next_restart = now + restart_gap
        time.sleep(0.2)
    host.set_mode("normal")
    time.sleep(2)
    rss_end = child_rss(srv)
    stop.set()
    for t in threads:
        t.join(timeout=15)

    total = sum(stats.sent.values())
    wrong = [w for w in stats.wrong if w]
    print("soak: %.0f s, MPM %s, %d connections" % (duration, srv.mpm, CONNECTIONS))
    print("requests: %d answered (%s)" % (total, ", ".join(
        "%s %d" % (k, n) for k, n in stats.sent.items())))
    print("idle keep-alive connections the server had closed, request sent again on a new "
          "one: %d" % stats.stale_retries)
    print("requests without an answer: %d %s" % (len(stats.conn_errors), stats.conn_errors[:5]))
    print("rotations completed: %d, graceful restarts: %d" % (rotations, restarts))
    print("wrong answers: %d %s" % (len(stats.wrong), wrong[:10]))
    print("5xx answers: %d" % stats.server_errors)

    def mean(d):
        return sum(d.values()) / len(d) if d else 0.0
    print("child RSS: start %s kB (mean %.0f), end %s kB (mean %.0f)"
          % (sorted(rss_start.values()), mean(rss_start), sorted(rss_end.values()),
             mean(rss_end)))

    crash = []
    try:
        srv.stop(check=False)
    finally:
        host.stop()
    with open(srv.error_log, errors="replace") as f:
        for line in f:
            if re.search(r"exit signal|Segmentation fault|AddressSanitizer|"
                         r"runtime error|\[(crit|alert|emerg)\]", line):
                crash.append(line.strip())
    print("crash lines: %d %s" % (len(crash), crash[:3]))

    checks.append(("requests of every kind answered", all(stats.sent.values())))
    checks.append(("no request without an answer (connection refused, reset, timeout)",
                   not stats.conn_errors))
    checks.append(("every request answered as its token deserves", not stats.wrong))
    checks.append(("no 5xx", stats.server_errors == 0))
    checks.append(("no crash lines", not crash))
    checks.append(("graceful restarts done", restarts == args.restarts))
    checks.append(("keys rotated", rotations >= max(1, int(duration // ROTATE_EVERY) - 1)))
    # children are replaced at each graceful restart; the mean child RSS must stay flat
    checks.append(("child RSS flat (mean within 2 MB)",
                   bool(rss_end) and mean(rss_end) - mean(rss_start) <= 2048))
    passed = sum(1 for _, ok in checks if ok)
    for name, ok in checks:
        print("%s: %s" % ("PASS" if ok else "FAIL", name))
    print("%d passed, %d failed" % (passed, len(checks) - passed))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
