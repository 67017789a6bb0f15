"""Clocks and shared records (docs/keys.md): times read from disk or from the
shared cache are never trusted beyond the local clock, and a failed refresh
never writes an older key set over a newer one."""

import os
import socket
import struct
import threading
import time

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, SigningKey, bearer, jwks, location, need_module, pki,
    signing_keys)
from test_fetch_fleet import Backend, backend, fleet_member  # noqa: F401  (fixtures)

ALLOW = [CONFIG_WARNINGS, r"cannot (fetch|refresh) the keys", r"no signing keys available"]


def test_future_mtime_of_saved_set_does_not_pin_stale_keys(httpd_factory, pki, jwks,
                                                            signing_keys):
    """Attack: the saved key set's modification time (the server user's to set) is
    put a day ahead, and the server restarts while the key host fails. The saved
    keys serve as stale keys, but they must not count as fetched in the future:
    once the host is back with a rotated set, the next refresh (after the TTL)
    drops the old key."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=1, timeout=1),
                        allow_log=ALLOW)
    old = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(old)).status == 200
    saved_dir = os.path.join(srv.root, "run", "auth0_jwt")
    for name in os.listdir(saved_dir):
        future = time.time() + 86400
        os.utime(os.path.join(saved_dir, name), (future, future))
    jwks.set_mode("500")
    srv.restart()
    # the saved keys serve while the host fails
    assert srv.get("/api/private", headers=bearer(old)).status == 200
    jwks.set_jwks([signing_keys["B"]])
    jwks.set_mode("normal")
    deadline = time.monotonic() + 6
    status = 200
    while time.monotonic() < deadline:
        time.sleep(0.3)
        status = srv.get("/api/private", headers=bearer(old)).status
        if status == 401:
            break
    assert status == 401, "keys saved with a future time stayed fresh: the old key still works"
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["B"].mint(jwks.issuer))).status == 200


def test_failed_refresh_does_not_restore_a_removed_key(httpd_factory, backend, jwks, pki,
                                                       signing_keys, expect_log):
    """Attack (fleet): server a starts a refresh that stalls; meanwhile server b
    fetches the rotated set (key A removed) and stores it in the shared cache.
    When a's refresh fails, it must not write back the record it began with:
    a server that joins later would take key A from it and accept tokens the
    tenant has withdrawn."""
    expect_log(r"cannot refresh the keys of .*: timeout")
    kw = dict(cooldown=1, timeout=2)
    a = fleet_member(httpd_factory, backend, jwks, pki, "a", **kw)
    b = fleet_member(httpd_factory, backend, jwks, pki, "b", **kw)
    old = signing_keys["A"].mint(jwks.issuer)
    for srv in (a, b):
        assert srv.get("/api/private", headers=bearer(old)).status == 200
    jwks.set_mode("stall")
    before = jwks.count
    stalled = {}
    t = threading.Thread(target=lambda: stalled.update(r=a.get(
        "/api/private", headers=bearer(signing_keys["C"].mint(jwks.issuer)))))
    t.start()  # an unknown kid: a forced refresh in server a, which stalls
    jwks.wait_count(before + 1)
    jwks.set_jwks([signing_keys["B"]])
    jwks.set_mode("normal")
    new = signing_keys["B"].mint(jwks.issuer)
    assert b.get("/api/private", headers=bearer(new)).status == 200  # b stores {B}
    t.join(15)
    assert stalled["r"].status in (401, 503), stalled["r"].status
    # a server joining now takes the shared record: it must be b's
    c = fleet_member(httpd_factory, backend, jwks, pki, "c", **kw)
    assert c.get("/api/private", headers=bearer(old)).status == 401, \
        "a failed refresh wrote the withdrawn key back into the shared record"
    assert c.get("/api/private", headers=bearer(new)).status == 200


def test_set_the_cache_cannot_hold_reaches_every_process(httpd_factory, pki, jwks,
                                                          signing_keys):
    """A rotated key set too large for the shared cache (its store fails) must still
    reach every process before it answers again: a process that only saw the
    generation move, and found nothing newer in the cache, used to mark itself in
    sync and go on accepting the withdrawn key until its own TTL ran out.
    With requests in flight together (bursts), two more: a process without keys
    that waited for another's fetch answered 503 (nothing to adopt) instead of
    fetching its own; and a process behind the new set served the withdrawn key
    while a third process held the fetch lease."""
    import ajtest  # pylint: disable=import-outside-toplevel
    from jwks_server import PID_LOG, mpm_lines, spread  # pylint: disable=import-outside-toplevel
    children = 3
    filler = 600  # about 250 KB of JWKS: more than the small cache below takes
    jwks.set_jwks({"keys": [k.jwk() for k in (signing_keys["A"],)] +
                   [dict(signing_keys["C"].jwk(), kid="filler-%d" % i) for i in range(filler)]})
    snippet = "\n".join([
        "Auth0Cache shmcb:${AJ_SERVERROOT}/run/tiny-shmcb(512000)",
        mpm_lines(ajtest.current_mpm(), children, threads=4), PID_LOG, "KeepAlive Off",
        location("/api/", pki.ca_file, domain=jwks.domain, cooldown=1)])
    srv = httpd_factory(snippet, allow_log=ALLOW + [r"Auth0Cache .*cannot store the key set",
                                                    r"AH00844|AH00833", MPM_FULL])
    srv.wait_log(r"Auth0Cache .*cannot store the key set", since_test=False)  # the premise
    old = signing_keys["A"].mint(jwks.issuer)
    # every child that answers fetches for itself (nothing to share) and accepts A
    statuses, accepted = spread(srv, bearer(old), lambda pids: len(pids) >= children,
                                burst=6)
    assert set(statuses) == {200}, statuses
    assert len(accepted) >= 2, "several processes answered: %s" % accepted
    jwks.set_jwks({"keys": [signing_keys["B"].jwk()] +
                   [dict(signing_keys["C"].jwk(), kid="filler-%d" % i) for i in range(filler)]})
    time.sleep(1.1)  # past the cooldown of the children's own fetches
    new = signing_keys["B"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(new)).status == 200  # one child refreshes
    # (prefork may retire a spare child between the two rounds)
    statuses, refused = spread(srv, bearer(old),
                               lambda pids: ajtest.alive_pids(accepted) <= pids, burst=6)
    assert ajtest.alive_pids(accepted) <= refused, \
        "not every process that took A was asked again: %s of %s" % (refused, accepted)
    assert set(statuses) == {401}, "a process kept the withdrawn key: %s" % statuses



def redis_call(port, *args):
    """One command to a redis-server on loopback (RESP); its reply (bytes, int, list)."""
    out = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in
        (x if isinstance(x, bytes) else str(x).encode() for x in args))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(out)
        f = s.makefile("rb")

        def reply():
            line = f.readline().rstrip(b"\r\n")
            kind, rest = line[:1], line[1:]
            if kind in (b"+", b"-"):
                assert kind == b"+", rest
                return rest
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                return None if n < 0 else f.read(n + 2)[:-2]
            assert kind == b"*", line
            return [reply() for _ in range(int(rest))]
        return reply()


# struct auth0_jwt_rec (mod_auth0_jwt_shared_layout.h): magic, body_len, fetched_at,
# last_attempt, last_forced (apr_time_t, us), failures, err, detail[200]
REC = struct.Struct("<IIqqqII200s")
REC_LAST_ATTEMPT, REC_LAST_FORCED, REC_FAILURES, REC_ERR = 16, 24, 32, 36


def rewrite_redis_record(port, *fields):
    """Rewrite fields of our one record in redis ((offset, struct format, value) each),
    keeping its expiry, as another fleet member would write them."""
    keys = redis_call(port, "KEYS", "*")
    assert len(keys) == 1, keys
    rec = bytearray(redis_call(port, "GET", keys[0]))
    assert len(rec) >= REC.size, "the premise: the record's layout"
    for offset, fmt, value in fields:
        struct.pack_into(fmt, rec, offset, value)
    assert redis_call(port, "SET", keys[0], bytes(rec), "KEEPTTL") == b"OK"
    return REC.unpack_from(rec)


def test_fleet_member_clock_ahead_does_not_hold_back_refreshes(httpd_factory, jwks, pki,
                                                               signing_keys):
    """Attack (fleet, clocks): server b's clock runs an hour ahead. An unknown kid at b
    forces a refresh, and the shared record (redis) says it was forced an hour from
    now: the test writes that time into b's record, as such a b would. Then the tenant
    publishes key D. Server a must force its own refresh for D's kid once its cooldown
    is over: with the record's times capped at a's clock, b's refresh read as "forced
    just now" at every look, and a refused every token of D for the hour (its TTL)."""
    need_module("socache_redis")
    store = Backend("redis").start()
    try:
        kw = dict(cooldown=1, timeout=2, ttl=3600)
        a = fleet_member(httpd_factory, store, jwks, pki, "a", **kw)
        b = fleet_member(httpd_factory, store, jwks, pki, "b", **kw)
        a_key, c_key = signing_keys["A"], signing_keys["C"]
        for srv in (a, b):
            assert srv.get("/api/private", headers=bearer(a_key.mint(jwks.issuer))).status \
                == 200
        jwks.set_jwks([a_key, c_key])
        time.sleep(1.1)  # past the cooldown of the start-up fetches
        before = jwks.count
        assert b.get("/api/private", headers=bearer(c_key.mint(jwks.issuer))).status == 200
        assert jwks.count == before + 1, "the premise: b forced a refresh"
        ahead = int((time.time() + 3600) * 1e6)
        fields = rewrite_redis_record(store.port, (REC_LAST_FORCED, "<q", ahead))
        assert abs(fields[2] / 1e6 - time.time()) < 5, "the premise: the record's layout"
        fresh = SigningKey(kid="kD")
        jwks.set_jwks([a_key, c_key, fresh])
        time.sleep(1.1)  # past b's cooldown by the true clock
        # the first look adopts b's newer set from the record, which counts as that
        # request's refresh (401: D is not in it); the second forces a's own
        statuses = [a.get("/api/private", headers=bearer(fresh.mint(jwks.issuer))).status
                    for _ in range(2)]
        assert statuses[-1] == 200, ("a did not fetch for a new kid: b's forced refresh, "
                                     "an hour ahead, held it back %s" % statuses)
    finally:
        store.stop()


def test_fleet_failure_written_ahead_does_not_stop_refreshes(httpd_factory, jwks, pki,
                                                             signing_keys):
    """Attack (a withdrawn key kept, fleet, clocks): a fleet member whose clock runs an
    hour ahead records a failed refresh (failures 1, last attempt an hour from now, as
    the test writes it into redis). Then the tenant withdraws key A. This server must
    still refresh after its TTL and refuse A: a failure read as "just now" at every
    look (the time capped at the reader's clock) held every refresh back for the hour,
    and A was accepted with no fetch at all (a hostile review: 4 of 4 runs)."""
    need_module("socache_redis")
    store = Backend("redis").start()
    try:
        ttl, cooldown = 2, 1
        a_key, b_key = signing_keys["A"], signing_keys["B"]
        jwks.set_jwks([a_key])
        srv = fleet_member(httpd_factory, store, jwks, pki, "a", ttl=ttl, cooldown=cooldown,
                           timeout=2)
        srv.expect_log(r"cannot (fetch|refresh) the keys")
        assert srv.get("/api/private", headers=bearer(a_key.mint(jwks.issuer))).status == 200
        ahead = int((time.time() + 3600) * 1e6)
        rewrite_redis_record(store.port, (REC_FAILURES, "<I", 1), (REC_ERR, "<I", 8),
                             (REC_LAST_ATTEMPT, "<q", ahead))
        jwks.set_jwks([b_key])  # A withdrawn
        before = jwks.count
        deadline = time.monotonic() + ttl + 3 * cooldown + 6
        status = 200
        while status != 401 and time.monotonic() < deadline:
            time.sleep(0.25)
            status = srv.get("/api/private", headers=bearer(a_key.mint(jwks.issuer))).status
        assert status == 401 and jwks.count > before, (
            "withdrawn key A still accepted (%d fetches): a failure recorded by a member "
            "whose clock runs ahead held every refresh back" % (jwks.count - before))
    finally:
        store.stop()
