"""The JWKS fetch through `Auth0Proxy http://host:port` (HTTP CONNECT), with a
small CONNECT proxy on loopback (connect_proxy.py) that counts its tunnels.
"""

import re
import time

import pytest

from connect_proxy import ConnectProxy
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, JwksServer, bearer, jwks, jwks_of, location, pki, signing_keys)

import ajtest


@pytest.fixture
def proxy():
    with ConnectProxy() as p:
        yield p


def serve(httpd_factory, pki, jwks, proxy_url, **kw):
    return httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, proxy=proxy_url,
                                  **kw), allow_log=[CONFIG_WARNINGS])


def test_fetch_through_the_proxy(httpd_factory, jwks, pki, signing_keys, proxy):
    srv = serve(httpd_factory, pki, jwks, proxy.url, cooldown=1)
    assert proxy.tunnels == 1, "the start-up fetch went through the proxy"
    assert proxy.targets == ["localhost:%d" % jwks.port]
    assert jwks.count == 1
    assert jwks.requests[0].sni == "localhost", "TLS runs end to end, through the tunnel"
    assert jwks.requests[0].headers["host"] == "localhost:%d" % jwks.port
    token = signing_keys["A"].mint(jwks.issuer)
    for _ in range(5):
        assert srv.get("/api/private", headers=bearer(token)).status == 200
    # a refresh in a child (a new kid) goes through the proxy too
    jwks.set_jwks([signing_keys["A"], signing_keys["B"]])
    r = srv.get("/api/private", headers=bearer(signing_keys["B"].mint(jwks.issuer)))
    assert r.status == 200, r.text
    assert proxy.tunnels == 2 and jwks.count == 2


@pytest.mark.parametrize("mode, reason", [
    ("refuse", r"proxy: proxy refused CONNECT \(status 403\)"),
    ("garbage", r"proxy: proxy refused CONNECT"),
])
def test_proxy_refusing(httpd_factory, jwks, pki, signing_keys, proxy, mode, reason,
                        expect_log):
    proxy.mode = mode
    url = re.escape(jwks.url())
    expect_log(r"cannot fetch the keys of %s at start-up \(%s" % (url, reason))
    expect_log(r"cannot refresh the keys of %s: %s.*; no keys to serve" % (url, reason))
    expect_log(r"no signing keys available: %s" % reason)
    srv = serve(httpd_factory, pki, jwks, proxy.url, cooldown=1)
    time.sleep(1.1)  # past the cooldown after the failed start-up attempt: a retry
    r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer)))
    assert r.status == 503 and r.header("Retry-After")
    srv.wait_log(r"cannot refresh the keys of %s: %s" % (url, reason))
    assert proxy.tunnels == 0 and jwks.count == 0
    assert len(proxy.targets) == 2, "start-up and the first request each asked once"


def test_proxy_down(httpd_factory, jwks, pki, signing_keys, expect_log):
    port = ajtest.free_port()
    url = re.escape(jwks.url())
    reason = r"connect: cannot connect to 127\.0\.0\.1 port %d" % port
    expect_log(r"cannot fetch the keys of %s at start-up \(%s" % (url, reason))
    expect_log(r"cannot refresh the keys of %s: %s" % (url, reason))
    expect_log(r"no signing keys available: %s" % reason)
    srv = serve(httpd_factory, pki, jwks, "http://127.0.0.1:%d" % port)
    r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(jwks.issuer)))
    assert r.status == 503
    assert jwks.count == 0


def test_certificate_still_checked_through_the_proxy(httpd_factory, pki, signing_keys,
                                                     proxy, expect_log):
    """The proxy only relays bytes: a JWKS host with an untrusted certificate is refused."""
    with JwksServer(pki, jwks_of(signing_keys["A"]), cert="other_ca") as host:
        url = re.escape(host.url())
        expect_log(r"cannot fetch the keys of %s at start-up \(cert: " % url)
        expect_log(r"cannot refresh the keys of %s: cert: " % url)
        expect_log(r"no signing keys available: cert: ")
        srv = serve(httpd_factory, pki, host, proxy.url, cooldown=1)
        time.sleep(1.1)  # past the cooldown after the failed start-up attempt: a retry
        r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(host.issuer)))
        assert r.status == 503
        assert proxy.tunnels == 2 and host.count == 0
