"""A verified-token cache hit gives exactly the verdict a miss gives in the
current scope (docs/validation.md, "The verified-token cache"): a token
verified in one scope lends nothing to a scope whose key set marks that key
unusable or lists it under another kid, and a key republished as unusable stops
cached tokens as it stops fresh ones.

One keep-alive connection carries each test, so every request meets the same
process and its cache.
"""

import json
import time

import tokens as T
from gaps_helpers import KeepAlive
from jwks_server import CONFIG_WARNINGS

SNIPPET = """
Auth0Issuer %(iss)s
Auth0Audience %(aud)s
Auth0JWKSCacheTTL 1
KeepAliveTimeout 30
<Location /a/>
    Auth0JWKSFile conf/a.json
</Location>
<Location /b/>
    Auth0JWKSFile conf/b.json
</Location>
<Location /c/>
    Auth0JWKSFile conf/c.json
</Location>
<LocationMatch "^/[abc]/api/">
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</LocationMatch>
""" % {"iss": T.ISSUER, "aud": T.AUDIENCE}


def _jwks(**changes):
    """The test key set with its one key changed (use, kid, ...)."""
    doc = json.loads(T.keys().jwks_text)
    doc["keys"][0].update(changes)
    return json.dumps(doc)


def _files(a=None):
    return {"conf/a.json": a or _jwks(), "conf/b.json": _jwks(use="enc"),
            "conf/c.json": _jwks(kid="another-kid")}


def test_cached_token_lends_no_trust_to_another_scopes_key_set(httpd_factory):
    """Attack: a token accepted (and cached) in scope /a is replayed to /b, whose key
    set marks the same key `use: enc`, and to /c, which lists it under another kid.
    A hit must not skip key choice: both refuse it, as they refuse it on a miss."""
    srv = httpd_factory(SNIPPET, files=_files(), allow_log=[CONFIG_WARNINGS])
    token = T.pyjwt()
    conn = KeepAlive(srv)
    try:
        for _ in range(2):  # the second is a cache hit
            status, _, _ = conn.get("/a/api/private", T.bearer(token))
            assert status == 200
        status, headers, _ = conn.get("/b/api/private", T.bearer(token))
        assert status == 401, "a key marked use: enc verified a cached token"
        assert 'error="invalid_token"' in headers["www-authenticate"]
        srv.wait_log(r"refused key_use: ")
        status, _, _ = conn.get("/c/api/private", T.bearer(token))
        assert status == 401, "a key listed under another kid verified a cached token"
        srv.wait_log(r"refused kid_unknown: ")
        # and /a still takes it
        status, _, _ = conn.get("/a/api/private", T.bearer(token))
        assert status == 200
    finally:
        conn.close()


def test_key_republished_unusable_stops_cached_tokens(httpd_factory):
    """Attack: a token cached while its key was a signing key keeps working after the
    tenant republishes that key as `use: enc` (or as `key_ops: [encrypt]`), while a
    fresh token signed by it is refused. Both must be refused the same way."""
    srv = httpd_factory(SNIPPET, files=_files(), allow_log=[CONFIG_WARNINGS])
    cached = T.pyjwt(sub="auth0|cached")
    fresh = T.pyjwt(sub="auth0|fresh")
    conn = KeepAlive(srv)
    try:
        for _ in range(2):
            status, _, _ = conn.get("/a/api/private", T.bearer(cached))
            assert status == 200
        srv.write_file("conf/a.json", _jwks(use="enc"))
        time.sleep(1.2)  # past Auth0JWKSCacheTTL: the file is read again
        for token in (fresh, cached):
            status, headers, _ = conn.get("/a/api/private", T.bearer(token))
            assert status == 401, "a cached token outlived its key's withdrawal from signing"
            assert headers["www-authenticate"].endswith(
                'error_description="The token signing key is not usable"')
    finally:
        conn.close()
