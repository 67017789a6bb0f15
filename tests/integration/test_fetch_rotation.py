"""Key rotation (docs/keys.md): a new kid works on its first request; a key
removed from the JWKS stops validating after the refresh that removed it, in
every process (prefork: 4 children, event/worker: 2), the very same token
strings included (nothing cached lets them through).

Which process answered comes from a CustomLog with %P (PID_LOG).
"""

import re
import time

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, PID_LOG, bearer, fire, jwks, jwks_of, location, mpm_lines, pid_log, pki,
    signing_keys)

N = 40  # concurrent requests per batch: enough to reach every child
# More keys in the rotated set: each process takes a little longer to adopt it,
# which is when a process must not keep validating with the set it had.
FILLER = 200


def serve(httpd_factory, jwks, pki, **kw):
    import ajtest  # pylint: disable=import-outside-toplevel
    mpm = ajtest.current_mpm()
    snippet = "\n".join([mpm_lines(mpm, 4 if mpm == "prefork" else 2), PID_LOG,
                         location("/api/", pki.ca_file, domain=jwks.domain, **kw)])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])
    return srv


def batch(srv, token, n=N):
    """n concurrent requests with `token`: (statuses, pids that answered them)."""
    before = len(pid_log(srv))
    results = fire(srv, n, bearer(token))
    srv._barrier()  # pylint: disable=protected-access  (the access logs are written)
    rows = pid_log(srv)[before:]
    return [r[0] for r in results], {pid for pid, _, _ in rows}, results


def batches(srv, token, expect, pids_before, tries=5):
    """Batches of requests with `token` until processes that answered before answer
    again (at least 2 of them); every answer must be `expect`. The pids seen."""
    seen = set()
    for _ in range(tries):
        statuses, pids, results = batch(srv, token)
        bad = [r for r in results if r[0] != expect]
        assert not bad, "%d of %d answers were not %d: %s" % (len(bad), len(results),
                                                               expect, bad[:3])
        seen |= pids
        if len(seen & pids_before) >= min(2, len(pids_before)):
            break
    assert len(seen & pids_before) >= min(2, len(pids_before)), (seen, pids_before)
    return seen


def test_new_kid_accepted_on_first_request(httpd_factory, jwks, pki, signing_keys):
    A, B, C = signing_keys["A"], signing_keys["B"], signing_keys["C"]
    srv = serve(httpd_factory, jwks, pki, cooldown=2)
    statuses, pids_before, _ = batch(srv, A.mint(jwks.issuer))
    assert set(statuses) == {200}
    assert jwks.count == 1

    jwks.set_jwks(jwks_of(A, B, filler=FILLER))
    r = srv.get("/api/private", headers=bearer(B.mint(jwks.issuer)))
    assert r.status == 200, r.text
    assert jwks.count == 2, "one forced refresh for the unknown kid"
    srv.wait_log(r"fetched %d key\(s\) from %s \(unknown kid\)"
                 % (2 + FILLER, re.escape(jwks.url())))

    # every process has the new key at once, from the shared cache
    batches(srv, B.mint(jwks.issuer), 200, pids_before)
    statuses, _, _ = batch(srv, A.mint(jwks.issuer))
    assert set(statuses) == {200}
    assert jwks.count == 2

    # an unknown kid within the cooldown: refused, no fetch
    r = srv.get("/api/private", headers=bearer(C.mint(jwks.issuer)))
    assert r.status == 401
    assert jwks.count == 2


def test_removed_key_refused_after_ttl_refresh(httpd_factory, jwks, pki, signing_keys):
    A, B = signing_keys["A"], signing_keys["B"]
    jwks.set_jwks([A, B])
    srv = serve(httpd_factory, jwks, pki, ttl=2, cooldown=2)
    token_a = A.mint(jwks.issuer)
    statuses, pids_before, _ = batch(srv, token_a)
    assert set(statuses) == {200}

    jwks.set_jwks(jwks_of(B, filler=FILLER))  # A is removed at the source
    time.sleep(2.2)              # the keys every process holds are past their TTL
    # The request that finds the keys stale starts the refresh and is answered
    # with the keys it has (docs/keys.md: requests keep their keys while a refresh runs).
    r = srv.get("/api/private", headers=bearer(token_a))
    assert r.status in (200, 401), r.text
    srv.wait_log(r"fetched %d key\(s\) from %s" % (1 + FILLER, re.escape(jwks.url())))
    # From the refresh that removed A on, A is refused.
    r = srv.get("/api/private", headers=bearer(token_a))
    assert r.status == 401, "the refresh removed A"
    assert "invalid_token" in r.header("WWW-Authenticate", "")
    assert jwks.count >= 2
    assert all(q.mode == "normal" for q in jwks.requests)

    batches(srv, token_a, 401, pids_before)   # processes that had A refuse it too
    statuses, _, _ = batch(srv, B.mint(jwks.issuer))
    assert set(statuses) == {200}
    assert jwks.count <= 3, "the TTL refresh, at most one forced refresh after it"


def test_removed_key_refused_after_forced_refresh(httpd_factory, jwks, pki, signing_keys):
    """Another token's new kid forces a refresh that also drops a removed key."""
    A, C = signing_keys["A"], signing_keys["C"]
    srv = serve(httpd_factory, jwks, pki, cooldown=2)   # TTL 600: no expiry here
    token_a = A.mint(jwks.issuer)
    statuses, pids_before, _ = batch(srv, token_a)
    assert set(statuses) == {200}

    jwks.set_jwks(jwks_of(C, filler=FILLER))  # rotation: C in, A out
    t_forced = time.monotonic()
    r = srv.get("/api/private", headers=bearer(C.mint(jwks.issuer)))
    assert r.status == 200, r.text
    assert jwks.count == 2

    batches(srv, token_a, 401, pids_before)   # processes that had A refuse it too
    statuses, _, _ = batch(srv, C.mint(jwks.issuer))
    assert set(statuses) == {200}
    # the A tokens are unknown kids now: within the cooldown they fetch nothing
    if time.monotonic() - t_forced < 2:
        assert jwks.count == 2
    else:
        assert jwks.count <= 3


def test_rotation_seen_by_every_scope_of_the_url(httpd_factory, jwks, pki,
                                                          signing_keys):
    """A JWKS URL seen by many scopes rotates for all of them (one source per URL)."""
    A, B = signing_keys["A"], signing_keys["B"]
    snippet = "\n".join([location("/a/", pki.ca_file, domain=jwks.domain, cooldown=2),
                         location("/b/", pki.ca_file, domain=jwks.domain, cooldown=2)])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS])
    assert srv.get("/a/api/private", headers=bearer(A.mint(jwks.issuer))).status == 200
    jwks.set_jwks([B])
    assert srv.get("/a/api/private", headers=bearer(B.mint(jwks.issuer))).status == 200
    for _ in range(10):
        assert srv.get("/b/api/private", headers=bearer(A.mint(jwks.issuer))).status == 401
        assert srv.get("/b/api/private", headers=bearer(B.mint(jwks.issuer))).status == 200
    assert jwks.count == 2
