"""Keys fetched over HTTPS (docs/keys.md): the basics, the request the fetcher
sends, IP-literal and IPv6 hosts, the last good keys on disk across restarts.

Every server here loads mod_socache_shmcb (the default Auth0Cache) and fetches
from a JwksServer with a CA made at test time.
"""

import json
import os
import re
import socket
import stat
import time

import pytest

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, JWKS_PATH, JwksServer, jwks, jwks_of, location, pki,
    signing_keys, bearer)

PRIVATE = (b'{"message":"Hello from a private endpoint! You need to be '
           b'authenticated to see this."}')


def serve(httpd_factory, pki, location_kw, name=None, extra=""):
    snippet = "\n".join([extra, location("/api/", pki.ca_file, **location_kw)])
    kw = {"allow_log": [CONFIG_WARNINGS]}
    if name:
        kw["name"] = name
    return httpd_factory(snippet, **kw)


def test_token_valid_via_fetched_keys(httpd_factory, jwks, pki, signing_keys):
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain))
    srv.wait_log(r"fetched 1 key\(s\) from %s at start-up" % re.escape(jwks.url()),
                 since_test=False)
    assert jwks.count == 1, "the parent fetches once at start-up"
    token = signing_keys["A"].mint(jwks.issuer)
    for _ in range(20):
        r = srv.get("/api/private", headers=bearer(token))
        assert r.status == 200, r.text
        assert r.body == PRIVATE
    # fresh keys (TTL 600 by default) came from the shared cache: no more fetches
    assert jwks.count == 1
    # without a token, or with one of another key: 401, still no fetch for a known kid
    assert srv.get("/api/private").status == 401
    r = srv.get("/api/private", headers=bearer(signing_keys["B"].mint(jwks.issuer,
                                                                      kid="kA")))
    assert r.status == 401 and "invalid_token" in r.header("WWW-Authenticate", "")


def test_the_request_the_fetcher_sends(httpd_factory, jwks, pki, signing_keys):
    serve(httpd_factory, pki, dict(domain=jwks.domain))
    req = jwks.requests[0]
    assert req.request_line == "GET %s HTTP/1.1" % JWKS_PATH
    assert req.headers["host"] == "localhost:%d" % jwks.port
    assert req.sni == "localhost", "SNI names the host"
    assert req.headers.get("user-agent", "").startswith("mod_auth0_jwt")
    assert "json" in req.headers.get("accept", "")


def test_jwks_uri_with_ip_literal(httpd_factory, jwks, pki, signing_keys):
    """https://127.0.0.1:PORT/: the certificate's IP SAN is checked, no SNI is sent."""
    srv = serve(httpd_factory, pki, dict(uri=jwks.url(host="127.0.0.1"), issuer=jwks.issuer))
    # the port may accept before the parent's start-up fetch is done
    assert jwks.wait_count(1) == 1
    assert jwks.requests[0].sni is None
    assert jwks.requests[0].headers["host"] == "127.0.0.1:%d" % jwks.port
    r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer)))
    assert r.status == 200


def test_jwks_uri_ipv6(httpd_factory, pki, signing_keys):
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with JwksServer(pki, jwks_of(signing_keys["A"]), host="::1") as v6:
        srv = serve(httpd_factory, pki, dict(uri=v6.url(host="::1"), issuer=v6.issuer))
        assert v6.wait_count(1) == 1
        assert v6.requests[0].headers["host"] == "[::1]:%d" % v6.port
        r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(v6.issuer)))
        assert r.status == 200


def test_one_key_set_for_many_locations(httpd_factory, jwks, pki, signing_keys):
    """Two scopes naming the same JWKS URL share one source: one fetch."""
    snippet = "\n".join([location("/a/", pki.ca_file, domain=jwks.domain),
                         location("/b/", pki.ca_file, uri=jwks.url(), issuer=jwks.issuer)])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    for path in ("/a/api/private", "/b/api/private") * 5:
        assert srv.get(path, headers=bearer(token)).status == 200
    assert jwks.count == 1


def _persisted(srv):
    folder = srv.path("run", "auth0_jwt")
    return folder, sorted(f for f in os.listdir(folder) if f.endswith(".jwks"))


def test_last_good_keys_survive_a_restart(httpd_factory, jwks, pki, signing_keys, expect_log):
    """Fetch, stop, the JWKS host fails, start again (same runtime dir): tokens still pass."""
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain, ttl=1))
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    folder, files = _persisted(srv)
    assert len(files) == 1, "one last-good file per JWKS URL"
    st = os.stat(folder)
    assert stat.S_IMODE(st.st_mode) == 0o700, "readable only by the server"
    assert stat.S_IMODE(os.stat(os.path.join(folder, files[0])).st_mode) & 0o077 == 0
    with open(os.path.join(folder, files[0])) as f:
        assert signing_keys["A"].kid in f.read()

    srv.stop()
    jwks.set_mode("500")
    expect_log(r"cannot fetch the keys of %s at start-up \(status: status 500\); "
               r"serving the last good keys saved before the restart" % re.escape(jwks.url()))
    expect_log(r"cannot refresh the keys of %s: status: status 500; serving the last good keys"
               % re.escape(jwks.url()))
    srv.start()
    for _ in range(10):
        r = srv.get("/api/private", headers=bearer(token))
        assert r.status == 200, r.text
    assert jwks.count >= 2 and all(r.mode == "500" for r in jwks.requests[1:])


def test_last_good_keys_survive_a_restart_with_the_host_down(httpd_factory, jwks, pki,
                                                              signing_keys, expect_log):
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain))
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    srv.stop()
    jwks.down()
    expect_log(r"cannot fetch the keys of %s at start-up \(connect: .*\); "
               r"serving the last good keys saved before the restart" % re.escape(jwks.url()))
    expect_log(r"cannot refresh the keys of %s: connect: .*serving the last good keys"
               % re.escape(jwks.url()))
    srv.start()
    for _ in range(10):
        assert srv.get("/api/private", headers=bearer(token)).status == 200
    # a key the saved set does not have is still refused
    r = srv.get("/api/private", headers=bearer(signing_keys["B"].mint(jwks.issuer)))
    assert r.status == 401


def test_saved_keys_are_not_used_for_another_url(httpd_factory, jwks, pki, signing_keys,
                                                 expect_log):
    """The last-good file belongs to its URL: a new Auth0JWKSURI starts without keys."""
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain))
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    srv.stop()
    other = jwks.url("/other/jwks.json")
    jwks.set_mode("500", path="/other/")
    srv.snippet = location("/api/", pki.ca_file, uri=other, issuer=jwks.issuer)
    expect_log(r"cannot fetch the keys of %s at start-up .*requests get 503" % re.escape(other))
    expect_log(r"cannot refresh the keys of %s" % re.escape(other))
    expect_log(r"no signing keys available: status: status 500")
    srv.start()
    r = srv.get("/api/private", headers=bearer(token))
    assert r.status == 503 and r.header("Retry-After")


def test_fetches_logged_at_debug(httpd_factory, jwks, pki, signing_keys):
    """A refresh in a child logs 'fetched N key(s) from URL' at debug."""
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain, ttl=1))
    time.sleep(1.2)
    jwks.set_jwks([signing_keys["A"], signing_keys["B"]])
    r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer)))
    assert r.status == 200
    line = srv.wait_log(r"fetched 2 key\(s\) from %s" % re.escape(jwks.url()))
    assert "[auth0_jwt:debug]" in line
    assert jwks.count == 2


def test_large_jwks_under_the_cap_is_shared(httpd_factory, jwks, pki, signing_keys):
    """A JWKS of ~860 KB (under the fetcher's 1 MiB cap) is fetched once and shared by
    every process through the default Auth0Cache (shmcb)."""
    body = jwks_of(signing_keys["A"], filler=2000)
    assert 800_000 < len(json.dumps(body)) < 1024 * 1024
    jwks.set_jwks(body)
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain))
    token = signing_keys["A"].mint(jwks.issuer)
    for _ in range(10):
        assert srv.get("/api/private", headers=bearer(token)).status == 200
    assert jwks.count == 1, "%d fetches: the key set did not fit the shared cache" % jwks.count


def test_body_over_the_cap_is_refused(httpd_factory, jwks, pki, signing_keys, expect_log):
    """A JWKS just over 1 MiB (Content-Length given) is not taken."""
    body = jwks_of(signing_keys["A"], filler=2600)
    assert len(json.dumps(body)) > 1024 * 1024
    jwks.set_jwks(body)
    url = re.escape(jwks.url())
    expect_log(r"cannot fetch the keys of %s at start-up \(too_large: " % url)
    expect_log(r"cannot refresh the keys of %s: too_large: " % url)
    expect_log(r"no signing keys available: too_large: ")
    srv = serve(httpd_factory, pki, dict(domain=jwks.domain))
    r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer)))
    assert r.status == 503
