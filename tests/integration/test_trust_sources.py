"""Trust isolation of key sources (docs/security.md, "Key sources"): one scope's
trust settings never decide another scope's keys.

A key source is identified by everything that decides which keys it yields: the
URL, the CA file, the proxy and the fetch timeout. Two scopes that name the same
URL with different trust settings hold separate key sets, in every process, in
the shared cache and on disk. The settings that decide trust are the server's
own: an .htaccess may not set them.
"""

import os
import re

import pytest

from connect_proxy import ConnectProxy
from jwks_server import (  # noqa: F401  (fixtures)
    AUDIENCE, CONFIG_WARNINGS, JwksServer, bearer, jwks, jwks_of, pki, signing_keys)


def _two_locations(real, evil_ca, evil_proxy):
    """/real pinned to the real CA, /evil naming the same URL through another CA
    and an attacker's proxy."""
    common = ("    SetHandler auth0-demo\n    AuthType Auth0\n    Auth0Audience %s\n"
              "    Auth0Domain %s\n    Auth0JWKSRefreshCooldown 1\n    Auth0JWKSTimeout 2\n"
              "    Require valid-user\n" % (AUDIENCE, real.domain))
    return ("<Location /real/>\n%s    Auth0CACertificateFile %s\n</Location>\n"
            "<Location /evil/>\n%s    Auth0CACertificateFile %s\n    Auth0Proxy %s\n"
            "</Location>\n" % (common, real.pki.ca_file, common, evil_ca, evil_proxy))


def test_other_scopes_ca_and_proxy_do_not_poison_pinned_scope(httpd_factory, pki, jwks,
                                                               signing_keys):
    """Attack: a scope that names the tenant's JWKS URL with its own CA and its own
    CONNECT proxy (an attacker's host answering for any name, with a certificate
    from the attacker's CA) sends a token with an unknown kid. Its forced refresh
    must fill its own key source only: the scope pinned to the real CA keeps the
    tenant's keys, refuses the attacker's token and accepts the genuine one, also
    after a graceful restart (the saved and shared copies are separate too)."""
    attacker_key = signing_keys["C"]
    with JwksServer(pki, jwks_of(attacker_key), cert="other_ca") as evil_host, \
            ConnectProxy(redirect=("127.0.0.1", evil_host.port)) as evil_proxy:
        srv = httpd_factory(_two_locations(jwks, pki.other_ca_file, evil_proxy.url),
                            allow_log=[CONFIG_WARNINGS, r"key.*kid"])
        genuine = signing_keys["A"].mint(jwks.issuer)
        forged = attacker_key.mint(jwks.issuer)  # same iss and aud, the attacker's key

        assert srv.get("/real/api/private", headers=bearer(genuine)).status == 200
        # the attacker's scope trusts the attacker: its own business
        r = srv.get("/evil/api/private", headers=bearer(forged))
        assert r.status == 200, r.text
        assert evil_proxy.tunnels >= 1 and evil_host.count >= 1, "the /evil source was fetched"
        # ... and lends none of that trust to /real
        for _ in range(3):
            r = srv.get("/real/api/private", headers=bearer(forged))
            assert r.status == 401, r.text
            assert 'error="invalid_token"' in r.header("WWW-Authenticate")
        assert srv.get("/real/api/private", headers=bearer(genuine)).status == 200
        assert srv.get("/evil/api/private", headers=bearer(genuine)).status == 401

        srv.graceful_restart()
        assert srv.get("/real/api/private", headers=bearer(forged)).status == 401
        assert srv.get("/real/api/private", headers=bearer(genuine)).status == 200
        refused = [line for line in srv.log_lines(since_test=False)
                   if re.search(r"refused kid_unknown", line)]
        assert refused, "the forged token was refused as unknown to /real's key set"


def test_saved_key_sets_are_per_identity(httpd_factory, pki, jwks, signing_keys):
    """The last good key set saved for restarts is kept per key source identity:
    the same URL under two CA settings makes two files, never one shared file that
    either scope could overwrite for the other."""
    with JwksServer(pki, jwks_of(signing_keys["B"]), cert="other_ca") as other_host, \
            ConnectProxy(redirect=("127.0.0.1", other_host.port)) as proxy:
        srv = httpd_factory(_two_locations(jwks, pki.other_ca_file, proxy.url),
                            allow_log=[CONFIG_WARNINGS])
        assert srv.get("/real/api/private",
                       headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200
        assert srv.get("/evil/api/private",
                       headers=bearer(signing_keys["B"].mint(jwks.issuer))).status == 200
        saved = os.path.join(srv.root, "run", "auth0_jwt")
        files = sorted(f for f in os.listdir(saved) if f.endswith(".jwks"))
        assert len(files) == 2, files
        bodies = set()
        for name in files:
            with open(os.path.join(saved, name)) as f:
                bodies.add(f.read())
        assert len(bodies) == 2, "each identity saved its own key set"


HTACCESS_SNIPPET = """
Auth0Domain %(domain)s
Auth0Audience %(aud)s
Auth0CACertificateFile %(ca)s
<Directory ${AJ_SERVERROOT}/htdocs/ht>
    AllowOverride AuthConfig
</Directory>
"""


@pytest.mark.parametrize("directive", ["Auth0CACertificateFile", "Auth0Proxy", "Auth0Cache"])
def test_htaccess_may_not_set_trust(httpd_factory, pki, jwks, directive, expect_log):
    """Attack: an .htaccess author (AllowOverride AuthConfig) names their own CA, their
    own CONNECT proxy or another shared cache, to have the server trust keys they
    serve. These are the server's settings: the .htaccess is refused (500, the
    directive named in the log), and nothing is fetched on its behalf."""
    value = {"Auth0CACertificateFile": pki.other_ca_file,
             "Auth0Proxy": "http://127.0.0.1:9",
             "Auth0Cache": "shmcb"}[directive]
    expect_log(r"%s not allowed here" % directive)
    files = {"htdocs/ht/.htaccess": "AuthType Auth0\n%s %s\nRequire valid-user\n"
                                    % (directive, value),
             "htdocs/ht/index.html": "hello\n"}
    srv = httpd_factory(HTACCESS_SNIPPET % {"domain": jwks.domain, "aud": AUDIENCE,
                                            "ca": pki.ca_file},
                        files=files, allow_log=[CONFIG_WARNINGS])
    before = jwks.count
    r = srv.get("/ht/index.html")
    assert r.status == 500
    srv.wait_log(r"%s not allowed here" % directive)
    assert jwks.count == before


def test_other_scopes_timings_do_not_keep_a_withdrawn_key(httpd_factory, pki, signing_keys):
    """Attack (found in review): scope /b names the same key URL and CA as /a but a
    cooldown of a year; two of its requests during a refresh used to set the
    shared source's "serve stale until" mark to a year ahead, so /a went on
    accepting a key the tenant had withdrawn, past its own TTL and
    Auth0JWKSMaxStale, without fetching. Timings are part of a source's
    identity now, and stale keys never serve past TTL + max stale."""
    from jwks_server import location, mpm_lines  # pylint: disable=import-outside-toplevel
    import ajtest  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel
    ka, kb = signing_keys["A"], signing_keys["B"]
    with JwksServer(pki, jwks_of(ka, kb)) as host:
        snippet = (mpm_lines(ajtest.current_mpm(), 1, threads=8) +
                   location("/a/", pki.ca_file, uri=host.url(), issuer=host.issuer, ttl=2,
                            cooldown=1, max_stale=2) +
                   location("/b/", pki.ca_file, uri=host.url(), issuer=host.issuer, ttl=1,
                            cooldown=31536000))
        srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS])
        token_a = ka.mint(host.issuer)
        assert srv.get("/a/api/private", headers=bearer(token_a)).status == 200
        host.slow_total = 1.0
        host.set_mode("slow")
        time.sleep(1.2)
        assert srv.get("/b/api/private", headers=bearer(token_a)).status == 200
        time.sleep(0.3)
        assert srv.get("/b/api/private", headers=bearer(token_a)).status == 200
        time.sleep(1.5)
        host.set_mode("normal")
        host.set_jwks(jwks_of(kb))  # key A withdrawn
        time.sleep(3)
        before = host.count
        statuses = []
        for _ in range(3):
            statuses.append(srv.get("/a/api/private", headers=bearer(token_a)).status)
            time.sleep(1)
        assert statuses[-1] == 401, "the withdrawn key still works in /a: %s" % statuses
        assert host.count > before, "/a fetched its keys again"
