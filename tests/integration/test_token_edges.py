"""Token edges in time and size: a token that expires while it sits in the
verified-token cache, and Authorization headers around httpd's default
LimitRequestFieldSize (8190 bytes)."""

import json
import time

import pytest

import ajtest
import tokens as T
from gaps_helpers import KeepAlive, authorization_line, crash_lines, wait_refusal

PRIVATE = (b'{"message":"Hello from a private endpoint! You need to be '
           b'authenticated to see this."}')
SCOPED = (b'{"message":"Hello from a private endpoint! You need to be '
          b'authenticated and have a scope of read:messages to see this."}')
D_EXPIRED = "The token has expired"


# --------------------------------------------------------------------------
# 5. Expiry while cached
# --------------------------------------------------------------------------

SKEW = 1
CACHE_SNIPPET = T.AUTH0 + T.QUICKSTART + """
Auth0ClockSkew %d
# one connection carries the whole test, so every request meets the same
# child process and its verified-token cache
KeepAliveTimeout 30
<Location /auth0-jwt-status>
    SetHandler auth0-jwt-status
    Require local
</Location>
""" % SKEW


def _status(srv):
    r = srv.get("/auth0-jwt-status", headers=[("Accept", "application/json")])
    assert r.status == 200, (r.status, r.body)
    return r.json()


def test_token_expires_while_cached(httpd_factory):
    """A token with exp a few seconds ahead is accepted twice on one keep-alive
    connection (the second time from the verified-token cache: the status page
    counts a hit), then, once now >= exp + Auth0ClockSkew, the very same token on
    the very same connection (same process, same cache) is refused 401
    invalid_token "The token has expired". Attack: replaying a captured token past
    its lifetime against a server that verified it while it was valid; a cache
    that skipped the time checks would keep honouring it."""
    srv = httpd_factory(CACHE_SNIPPET, files=T.server_files())
    before = _status(srv)["token_cache"]["hits"]
    now = int(time.time())
    token = T.pyjwt(scope="read:messages", ttl=4, now=now)
    exp = now + 4
    conn = KeepAlive(srv)
    try:
        for path, body in (("/api/private", PRIVATE), ("/api/private-scoped", SCOPED),
                           ("/api/private", PRIVATE)):
            status, _, got = conn.get(path, T.bearer(token))
            assert status == 200 and got == body, (status, got)
            assert time.time() < exp, "the machine is too slow for this test's timing"
        st = _status(srv)
        assert st["token_cache"]["hits"] >= before + 2, st["token_cache"]
        assert st["requests"]["refused"]["expired"] == 0

        # past exp + skew (a margin for the clock's sub-second part)
        time.sleep(max(0.0, exp + SKEW + 0.3 - time.time()))
        for path in ("/api/private", "/api/private-scoped"):
            status, headers, got = conn.get(path, T.bearer(token))
            assert status == 401, (status, got)
            assert headers["www-authenticate"] == (
                'Bearer realm="api", error="invalid_token", '
                'error_description="%s"' % D_EXPIRED), headers
            assert headers["content-type"] == "application/json"
            assert headers["cache-control"] == "no-store"
            assert json.loads(got) == {"error": "invalid_token",
                                              "error_description": D_EXPIRED}
    finally:
        conn.close()
    wait_refusal(srv, token, "expired")
    # and on a fresh connection (any process) too
    T.assert_invalid(srv.get("/api/private", headers=T.bearer(token)), D_EXPIRED)
    assert _status(srv)["requests"]["refused"]["expired"] >= 3


# --------------------------------------------------------------------------
# 8. Authorization headers at LimitRequestFieldSize
# --------------------------------------------------------------------------

LIMIT = 8190     # httpd's default LimitRequestFieldSize


@pytest.fixture(scope="module")
def qsrv():
    with ajtest.Httpd(T.AUTH0 + T.QUICKSTART, name="fieldsize",
                      files=T.server_files()) as server:
        yield server


@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT])
def test_header_at_limit_is_verified(qsrv, size):
    """A valid token padded by a large custom claim, its `Authorization` line
    8189 or 8190 bytes long (not over the default LimitRequestFieldSize): 200 with
    the scoped body. The module handles tokens of ~8 KB (well under its 16 KiB
    cap) without truncation."""
    line, token = authorization_line(size)
    assert len(line) == size and len(token) > 8000
    r = qsrv.get("/api/private-scoped", raw_headers=[line])
    assert r.status == 200, (r.status, r.body[:300])
    assert r.body == SCOPED
    # the big token really is verified, not waved through: same size, one
    # signature character changed -> 401
    forged = T.tamper_signature(token)
    r = qsrv.get("/api/private-scoped", raw_headers=[line.replace(token, forged)])
    T.assert_invalid(r, "The token signature is invalid")
    wait_refusal(qsrv, forged, "signature_invalid")


@pytest.mark.parametrize("size", [LIMIT + 2, LIMIT + 3, 9000, 20000])
def test_header_over_limit_is_httpds_400(qsrv, size):
    """An `Authorization` line over the limit (httpd itself still takes 8191
    bytes; 8192 is the first length it refuses), carrying an otherwise valid
    token: httpd's own 400 "Size of a request header field exceeds server limit",
    before the module runs. Attack: an oversized header meant to overflow a
    buffer in the module. Never a 500, never a crash, no module answer (no JSON,
    no Bearer challenge, no refusal logged), and the server keeps serving."""
    line, token = authorization_line(size)
    r = qsrv.get("/api/private-scoped", raw_headers=[line])
    assert r.status == 400, (r.status, r.body[:300])
    assert b"Size of a request header field exceeds server limit" in r.body, r.body
    assert r.header("WWW-Authenticate") is None
    assert (r.header("Content-Type") or "").startswith("text/html"), r.headers.items()
    assert not [l for l in qsrv.log_lines() if "refused" in l], qsrv.log_lines()
    assert crash_lines(qsrv) == []
    # still alive and serving
    r = qsrv.get("/api/private-scoped", headers=T.bearer(T.pyjwt(scope="read:messages")))
    assert r.status == 200 and r.body == SCOPED
    assert crash_lines(qsrv) == []
