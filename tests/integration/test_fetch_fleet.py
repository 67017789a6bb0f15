"""A fleet (docs/keys.md, "Running a fleet"): two httpd instances with `Auth0Cache redis:...` (and
`memcache:...`) share one JWKS record, so one fetch serves both, and they share
the forced-refresh cooldown.

A real redis-server / memcached runs on a free loopback port for each backend
(Debian packages redis-server and memcached); the tests skip, saying so, only
when the binary is missing.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, SigningKey, bearer, jwks, location, need_module, pki, signing_keys)

BACKENDS = {
    # name: (binary, socache module, Auth0Cache provider)
    "redis": ("redis-server", "socache_redis", "redis"),
    "memcache": ("memcached", "socache_memcache", "memcache"),
}


class Backend:
    """A redis-server or memcached of our own on 127.0.0.1:port."""

    def __init__(self, name):
        self.name = name
        binary, self.module, self.provider = BACKENDS[name]
        self.binary = shutil.which(binary) or next(
            (p for p in ("/usr/bin/" + binary, "/usr/sbin/" + binary) if os.access(p, os.X_OK)),
            None)
        self.proc = None
        self.port = None
        self.dir = None

    def start(self):
        if self.binary is None:
            pytest.skip("%s is not installed (Debian package %s)"
                        % (BACKENDS[self.name][0],
                           "redis-server" if self.name == "redis" else "memcached"))
        self.dir = tempfile.mkdtemp(prefix="fleet-%s-" % self.name, dir=ajtest.base_dir())
        for _ in range(3):
            self.port = ajtest.free_port()
            if self.name == "redis":
                cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                       "--save", "", "--appendonly", "no", "--daemonize", "no",
                       "--dir", self.dir, "--logfile", "", "--protected-mode", "no"]
            else:
                cmd = [self.binary, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0"]
                if os.geteuid() == 0:
                    cmd += ["-u", "nobody"]
            log = open(os.path.join(self.dir, "server.log"), "wb")
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         cwd=self.dir)
            log.close()
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError("%s did not start: %s" % (self.name, self._log()))

    def _log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def _wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        probe = b"PING\r\n" if self.name == "redis" else b"version\r\n"
        want = b"+PONG" if self.name == "redis" else b"VERSION"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(probe)
                    if s.recv(100).startswith(want):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    @property
    def cache(self):
        return "%s:127.0.0.1:%d" % (self.provider, self.port)


@pytest.fixture(scope="module", params=list(BACKENDS))
def backend(request):
    name = request.param
    need_module(BACKENDS[name][1])
    b = Backend(name)
    try:
        yield b.start()
    finally:
        b.stop()


def fleet_member(httpd_factory, backend, jwks, pki, label, **kw):
    snippet = "Auth0Cache %s\n%s" % (backend.cache,
                                     location("/api/", pki.ca_file, domain=jwks.domain, **kw))
    return httpd_factory(snippet, name="fleet-%s-%s" % (backend.name, label),
                         modules=[backend.module], allow_log=[CONFIG_WARNINGS])


def start_down(httpd_factory, backend, jwks, pki, expect_log, **kw):
    """Both servers start while the JWKS host is down (no start-up fetch), then it is up."""
    jwks.down()
    expect_log(r"cannot fetch the keys of %s at start-up \(connect: " % re.escape(jwks.url()))
    a = fleet_member(httpd_factory, backend, jwks, pki, "a", **kw)
    b = fleet_member(httpd_factory, backend, jwks, pki, "b", **kw)
    jwks.up()
    time.sleep(kw.get("cooldown", 1) + 0.1)  # past the cooldown after the start-up failures
    return a, b


def test_one_fetch_serves_both(httpd_factory, backend, jwks, pki, signing_keys, expect_log):
    a, b = start_down(httpd_factory, backend, jwks, pki, expect_log, cooldown=1)
    token = signing_keys["A"].mint(jwks.issuer)
    assert a.get("/api/private", headers=bearer(token)).status == 200
    assert jwks.count == 1
    r = b.get("/api/private", headers=bearer(token))
    assert r.status == 200, r.text
    assert jwks.count == 1, "the second server took the key set from %s" % backend.name
    b.wait_log(r"using 1 key\(s\) of %s fetched at \d+ \(shared\)" % re.escape(jwks.url()))
    for srv in (a, b) * 10:
        assert srv.get("/api/private", headers=bearer(token)).status == 200
    assert jwks.count == 1


def test_second_server_started_after_the_first_fetched(httpd_factory, backend, jwks, pki,
                                                       signing_keys):
    """The first server fetched (at its start-up); the second one finds fresh keys in
    the fleet cache: no second fetch for the fleet."""
    a = fleet_member(httpd_factory, backend, jwks, pki, "a")
    token = signing_keys["A"].mint(jwks.issuer)
    assert a.get("/api/private", headers=bearer(token)).status == 200
    assert jwks.count == 1
    b = fleet_member(httpd_factory, backend, jwks, pki, "b")
    assert b.get("/api/private", headers=bearer(token)).status == 200
    assert jwks.count == 1, ("%d fetches for a fleet of 2 sharing %s (the second server's "
                             "start-up fetched keys the fleet already had)"
                             % (jwks.count, backend.name))


def test_rotation_and_cooldown_shared(httpd_factory, backend, jwks, pki, signing_keys):
    A, B, C = signing_keys["A"], signing_keys["B"], signing_keys["C"]
    a = fleet_member(httpd_factory, backend, jwks, pki, "a", cooldown=3)
    b = fleet_member(httpd_factory, backend, jwks, pki, "b", cooldown=3)
    assert a.get("/api/private", headers=bearer(A.mint(jwks.issuer))).status == 200
    assert b.get("/api/private", headers=bearer(A.mint(jwks.issuer))).status == 200
    fetched = jwks.count
    jwks.set_jwks([A, B])
    # a new kid at the first server: one forced refresh, shared
    assert a.get("/api/private", headers=bearer(B.mint(jwks.issuer))).status == 200
    assert jwks.count == fetched + 1
    # the same kid at the second server: the shared set has it, no fetch
    r = b.get("/api/private", headers=bearer(B.mint(jwks.issuer)))
    assert r.status == 200, r.text
    assert jwks.count == fetched + 1
    # unknown kids at both, within the fleet's cooldown: no fetch anywhere
    for srv in (a, b) * 5:
        assert srv.get("/api/private", headers=bearer(C.mint(jwks.issuer))).status == 401
    assert jwks.count == fetched + 1


def _backend_sockets(srv, port):
    """{socket inode: [pids of this httpd holding it]} for TCP connections to 127.0.0.1:port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[2].endswith(":%04X" % port) and cols[3] == "01":
                inodes.add(cols[9])
    holders = {i: [] for i in inodes}
    for pid in ajtest._group_members(srv.proc.pid):  # pylint: disable=protected-access
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            m = re.match(r"socket:\[(\d+)\]", link)
            if m and m.group(1) in holders:
                holders[m.group(1)].append(pid)
    return {i: p for i, p in holders.items() if p}


def test_no_cache_connection_shared_between_processes(httpd_factory, backend, jwks, pki,
                                                      signing_keys):
    """A connection to redis/memcached belongs to one process: one the parent opened at
    start-up and its children inherited would interleave their commands and replies."""
    a = fleet_member(httpd_factory, backend, jwks, pki, "a")
    token = signing_keys["A"].mint(jwks.issuer)
    for _ in range(10):
        assert a.get("/api/private", headers=bearer(token)).status == 200
    held = _backend_sockets(a, backend.port)
    # the check below means something only if it saw the connections it checks
    assert held, ("no connection from httpd (parent %d) to %s on port %d was found"
                  % (a.proc.pid, backend.name, backend.port))
    pids = {pid for p in held.values() for pid in p}
    assert pids - {a.proc.pid}, "only the parent holds a connection: no child was checked"
    shared = {i: p for i, p in held.items() if len(p) > 1}
    assert not shared, ("connections to %s held by several httpd processes (parent %d): %s"
                        % (backend.name, a.proc.pid, shared))


def test_fire_at_both(httpd_factory, backend, jwks, pki, signing_keys, expect_log):
    """100 first requests at each server at once: at most one fetch per server (the
    refresh lease is per server; the fleet shares the result)."""
    a, b = start_down(httpd_factory, backend, jwks, pki, expect_log, cooldown=1)
    token = signing_keys["A"].mint(jwks.issuer)
    # interleave: even requests to a, odd ones to b
    import threading  # pylint: disable=import-outside-toplevel
    results = []
    lock = threading.Lock()
    barrier = threading.Barrier(200)

    def one(srv):
        barrier.wait(timeout=20)
        try:
            status = srv.get("/api/private", headers=bearer(token), timeout=8).status
        except OSError as e:
            status = repr(e)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one, args=((a, b)[i % 2],)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    if results.count(200) != 200:
        # requests are stuck in the servers: don't wait for them to finish
        for srv in (a, b):
            try:
                os.killpg(srv.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            srv.proc.wait(timeout=10)
    assert results.count(200) == 200, {s: results.count(s) for s in set(results)}
    assert 1 <= jwks.count <= 2, "%d fetches for 2 servers" % jwks.count


def test_dpop_proof_replayed_to_another_fleet_member(httpd_factory, backend):
    """Attack: a captured DPoP request replayed to another server of the fleet.
    The replay store lives in the Auth0Cache provider, so the second server
    knows the proof was taken (docs/directives.md, "Auth0DPoPReplay")."""
    import tokens as T  # pylint: disable=import-outside-toplevel
    from test_dpop import Client, dpop, token_for  # pylint: disable=import-outside-toplevel
    alice = Client()
    members = []
    for label in ("a", "b"):
        snippet = "Auth0Cache %s\n%s%s" % (backend.cache, T.AUTH0, T.QUICKSTART)
        members.append(httpd_factory(snippet, name="dpop-fleet-%s-%s" % (backend.name, label),
                                     files=T.server_files(), modules=[backend.module]))
    a, b = members
    token = token_for(alice)
    # the same path, and a public origin both members check htu against
    snippet_url = "https://api.example.com/api/private"
    for srv in (a, b):
        srv.graceful_restart("Auth0DPoPURL https://api.example.com\n" + srv.snippet)
    proof = alice.proof(snippet_url, token)
    assert a.get("/api/private", headers=dpop(token, proof)).status == 200
    r = b.get("/api/private", headers=dpop(token, proof))
    assert r.status == 401, r.text
    assert r.json()["error_description"] == "The DPoP proof was already used"
    fresh = alice.proof(snippet_url, token)
    assert b.get("/api/private", headers=dpop(token, fresh)).status == 200


def test_new_kid_after_adopting_a_newer_shared_set(httpd_factory, backend, jwks, pki,
                                                   signing_keys):
    """Server b refreshes (an unknown kid forced it) and stores {A, C}; then the tenant
    publishes key D. The first token of D at server a: a's first look adopts b's newer
    set from the shared cache, which counts as that look's refresh, and D is not in it.
    A second look must fetch for itself (b's forced refresh is past the cooldown):
    before, that request was refused (kid_unknown) and only the next token of D
    made a fetch."""
    kw = dict(cooldown=1, ttl=3600)
    a = fleet_member(httpd_factory, backend, jwks, pki, "a", **kw)
    b = fleet_member(httpd_factory, backend, jwks, pki, "b", **kw)
    a_key, c_key = signing_keys["A"], signing_keys["C"]
    for srv in (a, b):
        assert srv.get("/api/private", headers=bearer(a_key.mint(jwks.issuer))).status == 200
    jwks.set_jwks([a_key, c_key])
    time.sleep(1.1)  # past the cooldown of the start-up fetches
    before = jwks.count
    assert b.get("/api/private", headers=bearer(c_key.mint(jwks.issuer))).status == 200
    assert jwks.count == before + 1, "the premise: b fetched and stored {A, C}"
    fresh = SigningKey(kid="kD")
    jwks.set_jwks([a_key, c_key, fresh])
    time.sleep(1.1)  # past b's cooldown
    r = a.get("/api/private", headers=bearer(fresh.mint(jwks.issuer)))
    assert r.status == 200, "the first token of a new key was refused: %d %s" % (
        r.status, r.headers.get("WWW-Authenticate"))
    assert jwks.count == before + 2, "one fetch by a: %d" % (jwks.count - before)
    # and the look stops there: a token of a kid nobody has costs no more fetches
    # than the cooldown allows (one)
    time.sleep(1.1)
    before = jwks.count
    for _ in range(3):
        assert a.get("/api/private", headers=bearer(
            fresh.mint(jwks.issuer, kid="nope"))).status == 401
    assert jwks.count - before <= 1, jwks.count - before
