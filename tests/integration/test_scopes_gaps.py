"""Configuration scopes at run time: two virtual hosts with their own audiences
and key sources, a custom-domain issuer with keys from the tenant domain,
`Require ip` OR a token in one <RequireAny>, and <Directory> + <Location>
merged for one request (directive by directive, Location winning as httpd
merges it)."""

import time

import pytest

import ajtest
import tokens as T
from gaps_helpers import wait_refusal, wait_refusals
from jwks_server import (  # noqa: F401  (fixtures)
    JWKS_PATH, JwksServer, jwks_of, pki, signing_keys)

PRIVATE = (b'{"message":"Hello from a private endpoint! You need to be '
           b'authenticated to see this."}')

D_AUD = "The token audience is not accepted"
D_ISS = "The token issuer is not accepted"
D_KID = "The token signing key is unknown"


def _demo(path, require="Require valid-user", indent="    "):
    return "\n".join([
        indent + "<Location %s>" % path,
        indent + "    SetHandler auth0-demo",
        indent + "    AuthType Auth0",
        indent + "    " + require,
        indent + "</Location>", ""])


# --------------------------------------------------------------------------
# 3. Two virtual hosts: other audience, other JWKS host, other signing key
# --------------------------------------------------------------------------

AUD_A = "https://api-a.gaps.test/"
AUD_B = "https://api-b.gaps.test/"


def test_two_vhosts_own_audience_and_keys(httpd_factory, pki, signing_keys):
    """Two name-based virtual hosts on one IP:port, each with its own Auth0Domain
    (its own JWKS host serving its own key) and Auth0Audience. Attack: a token
    legitimately issued for one API is replayed against the other API on the same
    server. A's token works on A and is refused on B with kid_unknown (B's key set
    never holds A's key), and vice versa; a token signed by B's tenant for A's
    audience is refused on B with aud_mismatch (right key, wrong API) and on A with
    kid_unknown. Each vhost fetches only from its own JWKS host."""
    ka, kb = signing_keys["A"], signing_keys["B"]
    with JwksServer(pki, jwks_of(ka)) as ja, JwksServer(pki, jwks_of(kb)) as jb:
        vhosts = []
        for name, j, aud in (("a.gaps.test", ja, AUD_A), ("b.gaps.test", jb, AUD_B)):
            vhosts.append("\n".join([
                "<VirtualHost 127.0.0.1:${AJ_PORT}>",
                "    ServerName %s" % name,
                "    Auth0Domain %s" % j.domain,
                "    Auth0Audience %s" % aud,
                "    Auth0CACertificateFile %s" % pki.ca_file,
                _demo("/api/"),
                "</VirtualHost>", ""]))
        srv = httpd_factory("\n".join(vhosts))
        assert ja.wait_count(1) >= 1 and jb.wait_count(1) >= 1, "each vhost fetched its keys"

        def get(host, token):
            return srv.get("/api/private", headers=[("Host", host)] + T.bearer(token))

        tok_a = ka.mint(ja.issuer, aud=AUD_A)
        tok_b = kb.mint(jb.issuer, aud=AUD_B)

        for host, token in (("a.gaps.test", tok_a), ("b.gaps.test", tok_b)):
            r = get(host, token)
            assert r.status == 200 and r.body == PRIVATE, (host, r.status, r.body)

        # A's token on B, B's token on A: the other vhost does not know the key
        T.assert_invalid(get("b.gaps.test", tok_a), D_KID)
        wait_refusal(srv, tok_a, "kid_unknown")
        T.assert_invalid(get("a.gaps.test", tok_b), D_KID)
        wait_refusal(srv, tok_b, "kid_unknown")

        # B's tenant signs a token for A's audience: B has the key but not the API
        cross = kb.mint(jb.issuer, aud=AUD_A)
        T.assert_invalid(get("b.gaps.test", cross), D_AUD)
        wait_refusal(srv, cross, "aud_mismatch")
        T.assert_invalid(get("a.gaps.test", cross), D_KID)
        assert sorted(wait_refusals(srv, cross, 2)) == ["aud_mismatch", "kid_unknown"]

        # still fine afterwards: no state leaked from one vhost into the other
        assert get("a.gaps.test", tok_a).status == 200
        assert get("b.gaps.test", tok_b).status == 200
        # each JWKS host was only ever asked for its key set, by its own vhost's
        # fetches (start-up, plus at most one forced refresh per unknown kid)
        for j in (ja, jb):
            assert all(req.path == JWKS_PATH for req in j.requests), j.requests
            assert all(req.headers["host"] == j.domain for req in j.requests), j.requests
            assert 1 <= j.count <= 3, j.requests


# --------------------------------------------------------------------------
# 4. Custom-domain issuer, keys from the tenant domain
# --------------------------------------------------------------------------

CUSTOM_ISS = "https://login.example.test/"


def test_custom_issuer_keys_from_domain(httpd_factory, pki, signing_keys):
    """Auth0Issuer https://login.example.test/ (a custom domain) with Auth0Domain
    naming the JWKS host: keys are fetched from https://DOMAIN/.well-known/jwks.json
    (login.example.test does not even resolve), tokens with the custom issuer pass,
    and tokens with iss https://DOMAIN/ are refused iss_mismatch: setting
    Auth0Issuer replaces the domain-derived issuer rather than adding to it.
    Near-misses of the custom issuer (no trailing slash, other case, http) are
    refused too."""
    key = signing_keys["A"]
    with JwksServer(pki, jwks_of(key)) as jwks:
        srv = httpd_factory("\n".join([
            "Auth0Domain %s" % jwks.domain,
            "Auth0Issuer %s" % CUSTOM_ISS,
            "Auth0Audience %s" % AUD_A,
            "Auth0CACertificateFile %s" % pki.ca_file,
            _demo("/api/", indent="")]))
        assert jwks.wait_count(1) >= 1
        req = jwks.requests[0]
        assert req.path == JWKS_PATH and req.headers["host"] == jwks.domain

        good = key.mint(CUSTOM_ISS, aud=AUD_A)
        for _ in range(3):   # a cache hit must not skip the issuer check either
            r = srv.get("/api/private", headers=T.bearer(good))
            assert r.status == 200 and r.body == PRIVATE, (r.status, r.body)

        domain_iss = key.mint(jwks.issuer, aud=AUD_A)
        assert jwks.issuer == "https://%s/" % jwks.domain
        T.assert_invalid(srv.get("/api/private", headers=T.bearer(domain_iss)), D_ISS)
        wait_refusal(srv, domain_iss, "iss_mismatch")

        for iss in ("https://login.example.test", "https://LOGIN.example.test/",
                    "http://login.example.test/"):
            bad = key.mint(iss, aud=AUD_A)
            T.assert_invalid(srv.get("/api/private", headers=T.bearer(bad)), D_ISS)
            wait_refusal(srv, bad, "iss_mismatch")
        assert jwks.count == 1, "nothing was fetched for the refused tokens"


# --------------------------------------------------------------------------
# 6. Require ip OR a token
# --------------------------------------------------------------------------

def _ip_or_token(ip):
    return T.AUTH0 + "\n".join([
        "<Location /api/>",
        "    SetHandler auth0-demo",
        "    AuthType Auth0",
        "    <RequireAny>",
        "        Require ip %s" % ip,
        "        Require valid-user",
        "    </RequireAny>",
        "</Location>", ""])


def test_require_ip_matches_no_token_needed(httpd_factory):
    """<RequireAny> Require ip 127.0.0.1 / Require valid-user: a request from
    127.0.0.1 without any token is let in by the address alone (200, no 401
    challenge), and a valid token changes nothing."""
    srv = httpd_factory(_ip_or_token("127.0.0.1"), files=T.server_files())
    r = srv.get("/api/private")
    assert r.status == 200 and r.body == PRIVATE, (r.status, r.headers.items(), r.body)
    assert r.header("WWW-Authenticate") is None
    r = srv.get("/api/private", headers=T.bearer(T.pyjwt()))
    assert r.status == 200 and r.body == PRIVATE
    assert not [l for l in srv.log_lines() if "refused no_token" in l], srv.log_lines()


STATUS_PAGE = """
<Location /auth0-jwt-status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""

GRANTED_WITHOUT_TOKEN = [
    ("require-ip-any", "/api/private", ""),
    # the form directives.md documents in so many words ("An invalid token is
    # ignored: it is logged, counted, and otherwise not acted on")
    ("require-all-granted", "/open/api/private",
     "<Location /open/>\n    SetHandler auth0-demo\n    AuthType Auth0\n"
     "    Require all granted\n</Location>\n"),
]


@pytest.mark.parametrize("case,path,extra", GRANTED_WITHOUT_TOKEN,
                         ids=[g[0] for g in GRANTED_WITHOUT_TOKEN])
def test_granted_scope_invalid_token_logged_and_counted(httpd_factory, case, path, extra):
    """A scope that lets the request in without a token (Require ip 127.0.0.1 in
    the <RequireAny>, or Require all granted): a bad token (wrong audience) is
    ignored, so the request still gets 200, but per directives.md (AuthType Auth0:
    "An invalid token is ignored: it is logged, counted") and status.md ("Other
    codes count each refused token, including one presented to a scope under
    Require all granted that let the request through anyway") the refusal is
    logged (`refused aud_mismatch`) and counted on the status page. Attack
    surface: token probing from a trusted address must still be visible to the
    operator."""
    srv = httpd_factory(_ip_or_token("127.0.0.1") + extra + STATUS_PAGE,
                        files=T.server_files())
    bad = T.pyjwt(aud="https://someone-else/")
    r = srv.get(path, headers=T.bearer(bad))
    assert r.status == 200 and r.body == PRIVATE, (r.status, r.body)
    assert r.header("WWW-Authenticate") is None
    refused = srv.get("/auth0-jwt-status").json()["requests"]["refused"]
    assert refused["aud_mismatch"] == 1, "the ignored token was not counted: %r" % {
        k: v for k, v in refused.items() if v}
    wait_refusal(srv, bad, "aud_mismatch", timeout=1.0)


def test_require_ip_no_match_falls_back_to_token(httpd_factory):
    """<RequireAny> Require ip 192.0.2.1 / Require valid-user, client 127.0.0.1:
    the address does not match, so the token decides. Attack: a client outside the
    allowed network gets in only with a valid token; no token is a 401 challenge
    (not a bare 403 that would hide the Bearer scheme), a token for another API a
    401 aud_mismatch, a valid token 200."""
    srv = httpd_factory(_ip_or_token("192.0.2.1"), files=T.server_files())
    T.assert_no_token(srv.get("/api/private"))
    srv.wait_log(r"refused no_token")
    r = srv.get("/api/private", headers=T.bearer(T.pyjwt()))
    assert r.status == 200 and r.body == PRIVATE, (r.status, r.body)
    other = T.pyjwt(aud="https://someone-else/")
    T.assert_invalid(srv.get("/api/private", headers=T.bearer(other)), D_AUD)
    wait_refusal(srv, other, "aud_mismatch")


# --------------------------------------------------------------------------
# 7. <Directory> and <Location> merged for one request
# --------------------------------------------------------------------------

AUD_X = "https://api-x.gaps.test/"
AUD_Y = "https://api-y.gaps.test/"
OTHER_ISS = "https://outer.gaps.test/"

MERGE_FILES = {
    "htdocs/area/outer.txt": "outer file\n",
    "htdocs/area/inner/data.txt": "inner file\n",
    "htdocs/area2/inner/data.txt": "area2 inner\n",
    "htdocs/area2/other.txt": "area2 other\n",
    "htdocs/area3/deep/data.txt": "area3 deep\n",
}

MERGE_SNIPPET = T.AUTH0 + """
# (a) the Directory turns the token on with its own audience; a Location
#     inside it only adds a scope requirement
<Directory "${AJ_SERVERROOT}/htdocs/area">
    AuthType Auth0
    Auth0Audience %(x)s
    Require valid-user
</Directory>
<Location /area/inner/>
    Require auth0-scope read:messages
</Location>

# (b) the Directory sets everything; a Location inside it overrides the audience
#     alone: issuer, AuthType and Require still come from the Directory
<Directory "${AJ_SERVERROOT}/htdocs/area2">
    AuthType Auth0
    Auth0Audience %(x)s
    Auth0Issuer %(iss)s
    Require auth0-scope read:messages
</Directory>
<Location /area2/inner/>
    Auth0Audience %(y)s
</Location>

# (c) a deeper Directory and a shallower Location both set the audience:
#     httpd merges <Location> after <Directory>, so the Location wins; the
#     Directory's clock skew (not set by the Location) still applies
<Directory "${AJ_SERVERROOT}/htdocs/area3/deep">
    AuthType Auth0
    Auth0Audience %(x)s
    Auth0ClockSkew 0
    Require valid-user
</Directory>
<Location /area3/>
    Auth0Audience %(y)s
</Location>
""" % {"x": AUD_X, "y": AUD_Y, "iss": OTHER_ISS}


@pytest.fixture(scope="module")
def merge_srv():
    files = dict(T.server_files(), **MERGE_FILES)
    with ajtest.Httpd(MERGE_SNIPPET, name="merge", files=files) as server:
        yield server


def _get(srv, path, token=None):
    return srv.get(path, headers=T.bearer(token) if token else None)


def test_merge_directory_auth_location_scope(merge_srv, expect_log):
    """(a) <Directory> gives AuthType Auth0 + Auth0Audience X + Require valid-user,
    <Location> for a path inside adds Require auth0-scope read:messages. Merged:
    the scope is enforced (403 without it), the audience is the Directory's X (the
    server-level audience is refused aud_mismatch), no token is a 401; outside the
    Location, any valid token for X reads the file."""
    expect_log(r"AH01630")
    srv = merge_srv
    scoped = T.pyjwt(scope="read:messages", aud=AUD_X)
    plain = T.pyjwt(scope="write:messages", aud=AUD_X)
    server_aud = T.pyjwt(scope="read:messages")          # aud = T.AUDIENCE

    r = _get(srv, "/area/inner/data.txt", scoped)
    assert r.status == 200 and r.body == b"inner file\n", (r.status, r.body)
    T.assert_forbidden(_get(srv, "/area/inner/data.txt", plain))
    T.assert_invalid(_get(srv, "/area/inner/data.txt", server_aud), D_AUD)
    wait_refusal(srv, server_aud, "aud_mismatch")
    T.assert_no_token(_get(srv, "/area/inner/data.txt"))

    r = _get(srv, "/area/outer.txt", plain)
    assert r.status == 200 and r.body == b"outer file\n", (r.status, r.body)
    T.assert_no_token(_get(srv, "/area/outer.txt"))
    T.assert_invalid(_get(srv, "/area/outer.txt", server_aud), D_AUD)


def test_merge_location_overrides_one_directive(merge_srv, expect_log):
    """(b) <Directory> sets AuthType, audience X, issuer and Require auth0-scope; a
    <Location> inside it overrides Auth0Audience only (Y). Merged for the inner
    path: audience Y replaces X (X refused aud_mismatch, lists replace, never add),
    while the Directory's issuer (the domain's issuer refused iss_mismatch) and
    its scope requirement (403 without the scope) still hold. Next to it, the
    Directory's own audience X still rules."""
    expect_log(r"AH01630")
    srv = merge_srv
    ok = T.pyjwt(scope="read:messages", aud=AUD_Y, iss=OTHER_ISS)
    r = _get(srv, "/area2/inner/data.txt", ok)
    assert r.status == 200 and r.body == b"area2 inner\n", (r.status, r.body)

    aud_x = T.pyjwt(scope="read:messages", aud=AUD_X, iss=OTHER_ISS)
    T.assert_invalid(_get(srv, "/area2/inner/data.txt", aud_x), D_AUD)
    wait_refusal(srv, aud_x, "aud_mismatch")

    domain_iss = T.pyjwt(scope="read:messages", aud=AUD_Y)   # iss = T.ISSUER
    T.assert_invalid(_get(srv, "/area2/inner/data.txt", domain_iss), D_ISS)
    wait_refusal(srv, domain_iss, "iss_mismatch")

    T.assert_forbidden(_get(srv, "/area2/inner/data.txt",
                            T.pyjwt(scope="write:messages", aud=AUD_Y, iss=OTHER_ISS)))
    T.assert_no_token(_get(srv, "/area2/inner/data.txt"))

    # outside the Location: the Directory's audience X, Y refused
    r = _get(srv, "/area2/other.txt", aud_x)
    assert r.status == 200 and r.body == b"area2 other\n", (r.status, r.body)
    T.assert_invalid(_get(srv, "/area2/other.txt", ok), D_AUD)


def test_merge_location_beats_deeper_directory(merge_srv):
    """(c) The Directory is the more specific path, the Location the shallower one,
    and both set Auth0Audience: httpd merges <Location> last, so its Y wins and the
    Directory's X is refused aud_mismatch. The Directory's Auth0ClockSkew 0, which
    the Location does not set, still applies: a token that expired 2 s ago is
    refused (under the default skew of 5 s it would pass)."""
    srv = merge_srv
    ok = T.pyjwt(aud=AUD_Y)
    r = _get(srv, "/area3/deep/data.txt", ok)
    assert r.status == 200 and r.body == b"area3 deep\n", (r.status, r.body)
    x = T.pyjwt(aud=AUD_X)
    T.assert_invalid(_get(srv, "/area3/deep/data.txt", x), D_AUD)
    wait_refusal(srv, x, "aud_mismatch")
    expired = T.pyjwt(aud=AUD_Y, ttl=-2, now=int(time.time()))
    T.assert_invalid(_get(srv, "/area3/deep/data.txt", expired), "The token has expired")
    wait_refusal(srv, expired, "expired")
