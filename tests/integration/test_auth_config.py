"""Directive values (docs/directives.md): every wrong value stops `httpd -t` with a
message naming the directive; right values (including the edge ones) pass."""

import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import tokens as T


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()

FILES = dict(T.server_files())
FILES.update({
    "conf/bad.json": '{"keys": [ {"kty": "RSA", ',
    "conf/notjwks.json": '["not", "a", "key", "set"]\n',
    "conf/nokeys.json": '{"keys": []}\n',
    "conf/short.secret": "x" * 31 + "\n",
    "conf/exact.secret": "y" * 32,
    "conf/ca.pem": "placeholder\n",
    "conf/jwe.pem": (_pem(rsa.generate_private_key(65537, 2048)), 0o600),
    "conf/jwe-ec.pem": (_pem(ec.generate_private_key(ec.SECP256R1())), 0o600),
    "conf/jwe-small.pem": (_pem(rsa.generate_private_key(65537, 1024)), 0o600),
})


def loc(body):
    """`body` inside a protected <Location>."""
    return "<Location /x/>\n    AuthType Auth0\n%s\n</Location>\n" % body


# (id, configuration, name that must be in the output)
BAD = [
    ("domain-https", "Auth0Domain https://x", "Auth0Domain"),
    ("domain-path", "Auth0Domain x.example/path", "Auth0Domain"),
    ("domain-port-range", "Auth0Domain x.example:99999", "Auth0Domain"),
    ("domain-port-empty", "Auth0Domain x.example:", "Auth0Domain"),
    ("domain-empty", 'Auth0Domain ""', "Auth0Domain"),
    ("audience-no-args", "Auth0Audience", "Auth0Audience"),
    ("issuer-not-url", "Auth0Issuer some.tenant.example", "Auth0Issuer"),
    ("jwksuri-http", "Auth0JWKSURI http://some.tenant.example/.well-known/jwks.json",
     "Auth0JWKSURI"),
    ("jwksuri-not-url", "Auth0JWKSURI jwks.json", "Auth0JWKSURI"),
    ("jwksfile-missing", "Auth0JWKSFile conf/missing.json", "Auth0JWKSFile"),
    ("jwksfile-invalid-json", "Auth0JWKSFile conf/bad.json", "Auth0JWKSFile"),
    ("jwksfile-not-a-set", "Auth0JWKSFile conf/notjwks.json", "Auth0JWKSFile"),
    ("jwksfile-no-keys", "Auth0JWKSFile conf/nokeys.json", "Auth0JWKSFile"),
    ("algorithms-none", "Auth0Algorithms none", "Auth0Algorithms"),
    ("algorithms-None", "Auth0Algorithms RS256 None", "Auth0Algorithms"),
    ("algorithms-rs999", "Auth0Algorithms RS999", "Auth0Algorithms"),
    ("algorithms-lowercase", "Auth0Algorithms rs256", "Auth0Algorithms"),
    ("algorithms-no-args", "Auth0Algorithms", "Auth0Algorithms"),
    ("secret-short", "Auth0SigningSecretFile conf/short.secret", "Auth0SigningSecretFile"),
    ("secret-missing", "Auth0SigningSecretFile conf/missing.secret", "Auth0SigningSecretFile"),
    ("skew-negative", "Auth0ClockSkew -1", "Auth0ClockSkew"),
    ("skew-word", "Auth0ClockSkew abc", "Auth0ClockSkew"),
    ("skew-fraction", "Auth0ClockSkew 1.5", "Auth0ClockSkew"),
    ("skew-suffix", "Auth0ClockSkew 5s", "Auth0ClockSkew"),
    ("cachettl-zero", "Auth0JWKSCacheTTL 0", "Auth0JWKSCacheTTL"),
    ("cachettl-word", "Auth0JWKSCacheTTL soon", "Auth0JWKSCacheTTL"),
    ("cooldown-zero", "Auth0JWKSRefreshCooldown 0", "Auth0JWKSRefreshCooldown"),
    ("maxstale-negative", "Auth0JWKSMaxStale -5", "Auth0JWKSMaxStale"),
    ("timeout-zero", "Auth0JWKSTimeout 0", "Auth0JWKSTimeout"),
    ("cafile-missing", "Auth0CACertificateFile conf/missing.pem", "Auth0CACertificateFile"),
    ("tokencache-negative", "Auth0TokenCacheSize -1", "Auth0TokenCacheSize"),
    ("tokencache-word", "Auth0TokenCacheSize lots", "Auth0TokenCacheSize"),
    ("accept-bogus", "Auth0AcceptToken bogus", "Auth0AcceptToken"),
    ("accept-cookie-no-name", "Auth0AcceptToken cookie=", "Auth0AcceptToken"),
    ("accept-mixed-bogus", "Auth0AcceptToken header bogus", "Auth0AcceptToken"),
    ("accept-no-args", "Auth0AcceptToken", "Auth0AcceptToken"),
    ("passclaims-maybe", "Auth0PassClaims maybe", "Auth0PassClaims"),
    ("cors-maybe", "Auth0CORSPreflight maybe", "Auth0CORSPreflight"),
    ("proxy-ftp", "Auth0Proxy ftp://x", "Auth0Proxy"),
    ("proxy-https", "Auth0Proxy https://proxy.example:3128", "Auth0Proxy"),
    ("proxy-no-port", "Auth0Proxy http://proxy.example", "Auth0Proxy"),
    ("cache-in-location", "<Location /x/>\n    Auth0Cache shmcb\n</Location>", "Auth0Cache"),
    ("cache-in-directory", "<Directory /tmp>\n    Auth0Cache shmcb\n</Directory>", "Auth0Cache"),
    ("cache-empty-provider", "Auth0Cache :x", "Auth0Cache"),
    ("tokenencryption-maybe", "Auth0TokenEncryption maybe", "Auth0TokenEncryption"),
    ("decryptionkey-missing", "Auth0DecryptionKeyFile conf/missing.pem", "Auth0DecryptionKeyFile"),
    ("decryptionkey-not-a-key", "Auth0DecryptionKeyFile conf/bad.json", "Auth0DecryptionKeyFile"),
    ("decryptionkey-ec", "Auth0DecryptionKeyFile conf/jwe-ec.pem", "not an RSA key"),
    ("decryptionkey-1024", "Auth0DecryptionKeyFile conf/jwe-small.pem", "under 2048 bits"),
    ("decryptionkey-same-kid", "Auth0DecryptionKeyFile conf/jwe.pem k1\n"
     "Auth0DecryptionKeyFile conf/jwe.pem k1", "another key of this server has the kid 'k1'"),
    ("decryptionkey-in-location", loc("    Auth0DecryptionKeyFile conf/jwe.pem"),
     "Auth0DecryptionKeyFile"),
    ("replaycapacity-small", "Auth0DPoPReplayCapacity 63", "Auth0DPoPReplayCapacity"),
    ("replaycapacity-large", "Auth0DPoPReplayCapacity 67108865", "Auth0DPoPReplayCapacity"),
    ("replaycapacity-word", "Auth0DPoPReplayCapacity lots", "Auth0DPoPReplayCapacity"),
    ("replaycapacity-in-location",
     "<Location /x/>\n    Auth0DPoPReplayCapacity 1000\n</Location>", "Auth0DPoPReplayCapacity"),
    ("replaycapacity-in-vhost", "<VirtualHost 127.0.0.1>\n    Auth0DPoPReplayCapacity 1000\n"
     "</VirtualHost>", "Auth0DPoPReplayCapacity"),
    ("require-scope-empty", loc("    Require auth0-scope"), "auth0-scope"),
    ("require-permission-empty", loc("    Require auth0-permission"), "auth0-permission"),
    ("require-claim-name-only", loc("    Require auth0-claim https://example.com/roles"),
     "auth0-claim"),
    ("require-claim-empty", loc("    Require auth0-claim"), "auth0-claim"),
    ("in-location-domain", loc("    Auth0Domain https://x"), "Auth0Domain"),
    ("in-location-skew", loc("    Auth0ClockSkew abc"), "Auth0ClockSkew"),
]


@pytest.mark.parametrize("case,conf,name", BAD, ids=[b[0] for b in BAD])
def test_bad_value_fails_configtest(configtest, case, conf, name):
    rc, out = configtest(conf, files=FILES)
    assert rc != 0, out
    assert name in out, out
    assert "Syntax OK" not in out


# (id, configuration): each must pass configtest (the warnings of unwise values allowed)
GOOD = [
    ("full", T.AUTH0 + loc("    Require auth0-scope read:messages")),
    ("authtype-lowercase", T.AUTH0 + "<Location /x/>\n AuthType auth0\n Require valid-user\n"
     "</Location>"),
    ("domain-with-port", "Auth0Domain localhost:8443"),
    ("domain-ip", "Auth0Domain 127.0.0.1:8443"),
    ("several-audiences", "Auth0Audience https://a/ https://b/ urn:c"),
    ("issuer-custom", "Auth0Issuer https://login.example.com/"),
    ("jwksuri", "Auth0JWKSURI https://login.example.com/.well-known/jwks.json"),
    ("all-algorithms", "Auth0Algorithms RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 "
                       "ES512 EdDSA HS256 HS384 HS512"),
    ("secret-32", "Auth0SigningSecretFile conf/exact.secret"),
    ("skew-0", "Auth0ClockSkew 0"),
    ("skew-1", "Auth0ClockSkew 1"),
    ("seconds-1", "Auth0JWKSCacheTTL 1\nAuth0JWKSRefreshCooldown 1\nAuth0JWKSMaxStale 1\n"
                  "Auth0JWKSTimeout 1"),
    ("cafile", "Auth0CACertificateFile conf/ca.pem"),
    ("proxy", "Auth0Proxy http://proxy.example:3128"),
    ("cache", "Auth0Cache shmcb"),
    ("replaycapacity-smallest", "Auth0DPoPReplayCapacity 64"),
    ("decryptionkey", "Auth0DecryptionKeyFile conf/jwe.pem k1\nAuth0DecryptionKeyFile conf/jwe.pem"),
    ("tokenencryption-required", "Auth0TokenEncryption required"),
    ("replaycapacity-largest", "Auth0DPoPReplayCapacity 67108864"),
    ("tokencache-off", "Auth0TokenCacheSize 0"),
    ("accept-all", "Auth0AcceptToken header query cookie=access_token"),
    ("remote-user-claim", "Auth0RemoteUserClaim https://example.com/email"),
    ("passclaims", "Auth0PassClaims none\nAuth0PassClaims ENV\nAuth0PassClaims headers\n"
                   "Auth0PassClaims both"),
    ("cors", "Auth0CORSPreflight off\nAuth0CORSPreflight On"),
    ("requires", T.AUTH0 + loc(
        "    <RequireAll>\n"
        "        Require auth0-scope read:messages write:messages\n"
        "        Require auth0-permission read:reports\n"
        '        Require auth0-claim "https://example.com/roles" admin "super user"\n'
        "        <RequireNone>\n            Require auth0-claim blocked true\n"
        "        </RequireNone>\n"
        "    </RequireAll>")),
    ("vhost", "<VirtualHost 127.0.0.1:${AJ_PORT}>\n" + T.AUTH0 + loc("Require valid-user")
     + "</VirtualHost>"),
]


@pytest.mark.parametrize("case,conf", GOOD, ids=[g[0] for g in GOOD])
def test_good_value_passes_configtest(configtest, case, conf):
    rc, out = configtest(conf, files=FILES)
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("conf,name", [
    ("Auth0ClockSkew 600", "Auth0ClockSkew"),
    ("Auth0JWKSCacheTTL 1", "Auth0JWKSCacheTTL"),
    ("Auth0JWKSRefreshCooldown 1", "Auth0JWKSRefreshCooldown"),
    ("Auth0JWKSTimeout 120", "Auth0JWKSTimeout"),
])
def test_unwise_value_warns_but_passes(configtest, conf, name):
    rc, out = configtest(conf, files=FILES)
    assert rc == 0 and "Syntax OK" in out, out
    assert name in out, out


@pytest.mark.parametrize("where", ["server", "location", "vhost", "vhost-location"])
def test_unwise_value_warned_wherever_it_is_set(httpd_factory, where):
    """An unwise value is warned about once at start-up, in the server's error
    log, wherever it is set: inside a <VirtualHost> it used to be lost (its log
    level is not set yet while its directives are read)."""
    line = "Auth0JWKSRefreshCooldown 2"
    conf = {"server": line,
            "location": "<Location /x/>\n    %s\n</Location>" % line,
            "vhost": "<VirtualHost 127.0.0.1:${AJ_PORT}>\n    %s\n</VirtualHost>" % line,
            "vhost-location": "<VirtualHost 127.0.0.1:${AJ_PORT}>\n  <Location /x/>\n"
                              "    %s\n  </Location>\n</VirtualHost>" % line}[where]
    warning = r"Auth0JWKSRefreshCooldown 2: a short cooldown .* honoured as set \(.*httpd.conf:\d+\)"
    srv = httpd_factory(conf + "\n", allow_log=[warning])
    found = [l for l in srv.log_lines(since_test=False) if re.search(warning, l)]
    assert len(found) == 1, found
    rc, out = srv.configtest()
    assert rc == 0 and re.search(warning, out), out


def test_values_take_effect_per_location(httpd_factory):
    """Inner scopes override outer ones directive by directive: one server, the
    audience set at server level and replaced in one <Location>."""
    snippet = T.AUTH0 + """
<Location /api/>
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</Location>
<Location /v2/api/>
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
    Auth0Audience https://v2/api
    Auth0Issuer https://login.example.com/
</Location>
"""
    srv = httpd_factory(snippet, files=T.server_files())
    assert srv.get("/api/private", headers=T.bearer(T.pyjwt())).status == 200
    T.assert_invalid(srv.get("/v2/api/private", headers=T.bearer(T.pyjwt())),
                     "The token issuer is not accepted")
    T.assert_invalid(srv.get("/v2/api/private", headers=T.bearer(
        T.pyjwt(iss="https://login.example.com/"))), "The token audience is not accepted")
    token = T.cli(aud="https://v2/api", iss="https://login.example.com/")
    assert srv.get("/v2/api/private", headers=T.bearer(token)).status == 200
    T.assert_invalid(srv.get("/api/private", headers=T.bearer(token)),
                     "The token issuer is not accepted")


# ---- a scope that cannot check tokens fails closed, with a clear log line -----

INCOMPLETE = [
    # id, directives in the <Location>, what the log names
    ("no-audience", "Auth0Domain some.tenant.example\n    Auth0JWKSFile ${AJ_SERVERROOT}/conf/jwks.json",
     "Auth0Audience"),
    ("no-issuer", "Auth0Audience https://api.example\n    Auth0JWKSFile ${AJ_SERVERROOT}/conf/jwks.json",
     "Auth0Domain or Auth0Issuer"),
    ("no-key-source", "Auth0Audience https://api.example\n    Auth0Issuer https://i.example/",
     "Auth0Domain, Auth0JWKSURI or Auth0JWKSFile"),
]


@pytest.mark.parametrize("case,directives,named", INCOMPLETE, ids=[c[0] for c in INCOMPLETE])
def test_incomplete_scope_answers_500(httpd_factory, expect_log, case, directives, named):
    """An iss or aud check that cannot be made is never skipped: every request
    to such a scope gets 500 and the log names the missing directive."""
    snippet = ("<Location /x/>\n    SetHandler auth0-demo\n    AuthType Auth0\n    %s\n"
               "    Require valid-user\n</Location>\n" % directives)
    startup = r"<Location /x/> \(main server\) has AuthType Auth0 but no " + re.escape(named)
    srv = httpd_factory(snippet, files=T.server_files(), allow_log=[startup])
    expect_log(r"AuthType Auth0 for /x/api/private needs " + re.escape(named))
    for headers in ([], T.bearer(T.pyjwt())):
        r = srv.get("/x/api/private", headers=headers)
        assert r.status == 500
    # said once at start-up, and by configtest, before any request meets it
    assert sum(1 for line in srv.log_lines(since_test=False) if re.search(startup, line)) == 1
    rc, out = srv.configtest()
    assert rc == 0 and re.search(startup, out), out


KEYS = "Auth0Issuer https://i.example/\n    Auth0JWKSFile ${AJ_SERVERROOT}/conf/jwks.json"


def test_incomplete_scope_in_a_virtual_host_is_reported(httpd_factory):
    """The start-up report covers <VirtualHost> sections too, and an audience set
    on an enclosing <Location> counts: only the scope that lacks it is named."""
    snippet = ("<VirtualHost 127.0.0.1:${AJ_PORT}>\n"
               "  <Location /a/>\n    Auth0Audience https://api.example\n  </Location>\n"
               "  <Location /a/x/>\n    AuthType Auth0\n    %s\n"
               "    Require valid-user\n  </Location>\n"
               "  <Location /b/>\n    AuthType Auth0\n    %s\n"
               "    Require valid-user\n  </Location>\n"
               "</VirtualHost>\n") % (KEYS, KEYS)
    report = r"<Location /b/> \(<VirtualHost> at .*httpd.conf:\d+\) has AuthType Auth0 but no " \
             r"Auth0Audience"
    srv = httpd_factory(snippet, files=T.server_files(), allow_log=[report])
    lines = srv.log_lines(since_test=False)
    assert sum(1 for line in lines if re.search(report, line)) == 1, lines
    assert not any("<Location /a/x/>" in line for line in lines), lines


def test_incomplete_scope_report_matches_paths_as_httpd_does(httpd_factory):
    """<Location /a> covers /a and /a/x, never /ab: a <Location /ab> without an
    audience must be reported even though <Location /a> sets one."""
    snippet = ("<Location /a>\n    Auth0Audience https://api.example\n</Location>\n"
               "<Location /ab>\n    AuthType Auth0\n    %s\n    Require valid-user\n"
               "</Location>\n" % KEYS)
    report = r"<Location /ab> \(main server\) has AuthType Auth0 but no Auth0Audience"
    srv = httpd_factory(snippet, files=T.server_files(), allow_log=[report])
    lines = srv.log_lines(since_test=False)
    assert sum(1 for line in lines if re.search(report, line)) == 1, lines
