"""The module on other transports: httpd listening on the IPv6 loopback [::1]
(keys still fetched over IPv4), and HTTP/2 cleartext (mod_http2, h2c with prior
knowledge, spoken by curl). The answers must be exactly those of HTTP/1.1 over
IPv4: 200 for a valid token, 401 with the RFC 6750 challenge and JSON body
without one, 403 insufficient_scope for a missing scope."""

import socket

import pytest

import ajtest
import tokens as T
from gaps_helpers import access_lines, curl, need_ipv6, request_at, wait_refusal
from jwks_server import (  # noqa: F401  (fixtures)
    JwksServer, jwks_of, pki, signing_keys)

PRIVATE = (b'{"message":"Hello from a private endpoint! You need to be '
           b'authenticated to see this."}')
SCOPED = (b'{"message":"Hello from a private endpoint! You need to be '
          b'authenticated and have a scope of read:messages to see this."}')
AUD6 = "https://api.ipv6.gaps.test/"


# --------------------------------------------------------------------------
# 1. IPv6
# --------------------------------------------------------------------------

def test_ipv6_listener_valid_token_200_no_token_401(httpd_factory, pki, signing_keys):
    """httpd listens on [::1] (its JWKS host stays on 127.0.0.1): over IPv6 a valid
    token gets 200, no token gets the RFC 6750 401, a token for another audience
    gets 401 aud_mismatch, and the module logs the IPv6 client address. Proves
    nothing in the token path assumes an IPv4 peer (client-address formatting,
    the access log, the key fetch made from a server that serves IPv6)."""
    need_ipv6()
    with JwksServer(pki, jwks_of(signing_keys["A"])) as jwks:
        srv = httpd_factory(
            "Listen [::1]:${AJ_PORT_1}\n"
            "Auth0Domain %s\nAuth0Audience %s\nAuth0CACertificateFile %s\n"
            "<Location /api/>\n    SetHandler auth0-demo\n    AuthType Auth0\n"
            "    Require valid-user\n</Location>\n"
            "<Location /api/private-scoped>\n    Require auth0-scope read:messages\n"
            "</Location>\n" % (jwks.domain, AUD6, pki.ca_file),
            extra_ports=1)
        v6port = srv.extra_ports[0]
        # httpd really is on [::1]:port
        socket.create_connection(("::1", v6port), timeout=2).close()

        token = signing_keys["A"].mint(jwks.issuer, aud=AUD6, scope="read:messages")
        r = request_at(srv, "::1", v6port, "GET", "/api/private",
                       headers=T.bearer(token))
        assert r.peer == "::1"
        assert r.status == 200, (r.status, r.headers.items(), r.body)
        assert r.body == PRIVATE and r.header("Content-Type") == "application/json"

        r = request_at(srv, "::1", v6port, "GET", "/api/private-scoped",
                       headers=T.bearer(token))
        assert r.status == 200 and r.body == SCOPED, (r.status, r.body)

        T.assert_no_token(request_at(srv, "::1", v6port, "GET",
                                     "/api/private"))
        line = srv.wait_log(r"refused no_token")
        assert "::1" in line, line

        other = signing_keys["A"].mint(jwks.issuer, aud="https://someone-else/")
        T.assert_invalid(request_at(srv, "::1", v6port, "GET",
                                    "/api/private", headers=T.bearer(other)),
                         "The token audience is not accepted")
        assert "::1" in wait_refusal(srv, other, "aud_mismatch")

        # the access log shows the IPv6 client for each of those requests
        srv._barrier()  # pylint: disable=protected-access
        v6 = [line for line in access_lines(srv) if line.startswith("::1 ")]
        statuses = [line.split('" ')[-1].split()[0] for line in v6]
        assert statuses == ["200", "200", "401", "401"], access_lines(srv)
        # the keys came over IPv4 from the JWKS host, once at start-up
        assert jwks.count >= 1


# --------------------------------------------------------------------------
# 2. HTTP/2 cleartext
# --------------------------------------------------------------------------

H2_SNIPPET = T.AUTH0 + T.QUICKSTART + "\nProtocols h2c http/1.1\n"


@pytest.fixture(scope="module")
def h2srv():
    if ajtest.load_module_line("http2") is None:
        pytest.skip("mod_http2 is not available in %s" % ajtest.modules_dir())
    # httpd's own advisory under prefork: "AH10034: The mpm module (prefork.c) is
    # not supported by mod_http2" (h2c is still served, as the tests check)
    allow = [r"AH10034"] if ajtest.current_mpm() == "prefork" else []
    with ajtest.Httpd(H2_SNIPPET, name="h2c", files=T.server_files(), modules=["http2"],
                      allow_log=allow) as server:
        yield server


def _h2(srv, path, headers=()):
    r = curl(srv, srv.url + path, headers=headers, http2=True)
    assert r.version == "2", "curl did not speak HTTP/2: %r %s" % (r, r.stderr)
    return r


def test_h2c_valid_token_200(h2srv):
    """Over HTTP/2 (h2c, prior knowledge) a valid token passes: the token is read
    from the HPACK-decoded `authorization` header of an h2 stream."""
    token = T.pyjwt(scope="read:messages")
    r = _h2(h2srv, "/api/private-scoped", T.bearer(token))
    assert r.status == 200, r
    assert r.body == SCOPED
    assert r.header("content-type") == "application/json"
    r = _h2(h2srv, "/api/private", T.bearer(T.cli()))
    assert r.status == 200 and r.body == PRIVATE, r


def test_h2c_no_token_401_challenge_and_json(h2srv):
    """Over HTTP/2, no token: 401 with exactly one `www-authenticate: Bearer
    realm="api"`, `cache-control: no-store` and the JSON body; a forged token
    (signature changed) gets 401 invalid_token with its description."""
    r = _h2(h2srv, "/api/private")
    assert r.status == 401, r
    assert r.all("www-authenticate") == [T.no_token_challenge()], r.headers
    assert r.header("cache-control") == "no-store"
    assert r.header("content-type") == "application/json"
    assert r.json() == {"error": "missing_token", "error_description": "No bearer token"}
    h2srv.wait_log(r"refused no_token")

    forged = T.tamper_signature(T.pyjwt(scope="read:messages"))
    r = _h2(h2srv, "/api/private-scoped", T.bearer(forged))
    assert r.status == 401, r
    assert r.all("www-authenticate") == [
        'Bearer realm="api", error="invalid_token", '
        'error_description="The token signature is invalid"'], r.headers
    assert r.json() == {"error": "invalid_token",
                        "error_description": "The token signature is invalid"}
    wait_refusal(h2srv, forged, "signature_invalid")


def test_h2c_insufficient_scope_403(h2srv, expect_log):
    """Over HTTP/2, a valid token without read:messages: 403 insufficient_scope with
    the scope attribute, not a 401 and not a bare httpd 403."""
    expect_log(r"AH01630")
    r = _h2(h2srv, "/api/private-scoped", T.bearer(T.pyjwt(scope="write:messages")))
    assert r.status == 403, r
    assert r.all("www-authenticate") == [
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="%s", scope="read:messages"' % T.D_SCOPE], r.headers
    assert r.header("cache-control") == "no-store"
    assert r.json() == {"error": "insufficient_scope", "error_description": T.D_SCOPE}


def test_h2c_and_http11_agree(h2srv):
    """The same requests over HTTP/1.1 (curl without h2) get the same statuses and
    bodies: the protocol changes nothing in the decision."""
    token = T.pyjwt(scope="read:messages")
    for path, headers, status in (("/api/private", (), 401),
                                  ("/api/private", T.bearer(token), 200),
                                  ("/api/private-scoped", T.bearer(token), 200)):
        h1 = curl(h2srv, h2srv.url + path, headers=headers, http2=False)
        h2 = _h2(h2srv, path, headers)
        assert h1.version == "1.1"
        assert (h1.status, h1.body) == (h2.status, h2.body) and h2.status == status, (h1, h2)
