""".htaccess vs server configuration: under AllowOverride AuthConfig an .htaccess
may name only the key hosts the server allows (by default the hosts its own
configuration names, plus Auth0's tenant domains), may add only a bounded number
of key sources to a process, and may not hold a fetch for long
(docs/directives.md, "What an .htaccess may set")."""

import pytest

import ajtest
import tokens as T
from jwks_server import JwksServer, jwks_of, mpm_lines, pki, signing_keys  # noqa: F401

ALLOWED = ["d1", "d2", "d3"]


def _snippet(extra=""):
    dirs = "".join("<Directory ${AJ_SERVERROOT}/htdocs/%s>\n    AllowOverride AuthConfig\n"
                   "</Directory>\n" % d for d in ["ht"] + ALLOWED)
    return ("%s\n%s\nAuth0Audience %s\nAuth0Domain login.example.test\n"
            "<Location /server-scope/>\n    AuthType Auth0\n    Auth0JWKSFile conf/jwks.json\n"
            "    Require valid-user\n</Location>\n%s"
            % (mpm_lines(ajtest.current_mpm(), 1, threads=4), extra, T.AUDIENCE, dirs))


def _serve(httpd_factory, htaccess, extra="", dirs=None):
    files = dict(T.server_files())
    files["htdocs/ht/.htaccess"] = htaccess
    files["htdocs/ht/data.json"] = '{"ok": true}\n'
    for d, text in (dirs or {}).items():
        files["htdocs/%s/.htaccess" % d] = text
        files["htdocs/%s/data.json" % d] = '{"ok": true}\n'
    return httpd_factory(_snippet(extra), files=files)


def _ht(line, iss=None):
    return ("AuthType Auth0\nAuth0Issuer %s\n%s\nRequire valid-user\n"
            % (iss or T.ISSUER, line))


def test_htaccess_may_not_send_the_server_to_an_internal_host(httpd_factory, pki, signing_keys,
                                                              expect_log):
    """Attack (blind SSRF): an .htaccess sets Auth0JWKSURI to an internal HTTPS
    service (here a loopback address) and sends tokens with unknown kids to make
    the server fetch from it. The .htaccess is refused (500) and the internal
    service sees no connection at all."""
    with JwksServer(pki, jwks_of(signing_keys["A"])) as internal:
        expect_log(r"Auth0JWKSURI: key host 127\.0\.0\.1 may not be named in \.htaccess")
        srv = _serve(httpd_factory, _ht("Auth0JWKSURI %s" % internal.url(host="127.0.0.1")))
        for _ in range(3):
            r = srv.get("/ht/data.json",
                        headers=T.bearer(signing_keys["A"].mint(internal.issuer)))
            assert r.status == 500
        assert internal.connections == 0 and internal.count == 0


@pytest.mark.parametrize("line", ["Auth0Domain internal.example.test",
                                  "Auth0Domain localhost:8443",
                                  "Auth0JWKSURI https://intranet.example.test/keys"])
def test_htaccess_may_not_name_hosts_the_server_does_not(httpd_factory, line, expect_log):
    """A key host that neither the server configuration names nor Auth0 serves
    needs the administrator's word (Auth0HtaccessKeyHosts)."""
    expect_log(r"key host \S+ may not be named in \.htaccess")
    srv = _serve(httpd_factory, _ht(line))
    assert srv.get("/ht/data.json", headers=T.bearer(T.pyjwt())).status == 500


def test_htaccess_may_name_auth0_tenants_and_the_servers_own_hosts(httpd_factory):
    """The .htaccess-only setup works out of the box: an Auth0 tenant domain
    (*.auth0.com), or a host the server configuration names itself. (The keys come
    from a file here, so that nothing is fetched from the internet.)"""
    tenant = "https://example-tenant.eu.auth0.com/"
    srv = _serve(httpd_factory, _ht("Auth0Domain example-tenant.eu.auth0.com\n"
                                    "Auth0JWKSFile conf/jwks.json", iss=tenant),
                 dirs={"d1": _ht("Auth0Domain login.example.test\nAuth0JWKSFile conf/jwks.json",
                                 iss="https://login.example.test/")})
    r = srv.get("/ht/data.json", headers=T.bearer(T.pyjwt(iss=tenant)))
    assert r.status == 200, r.text
    r = srv.get("/d1/data.json", headers=T.bearer(T.pyjwt(iss="https://login.example.test/")))
    assert r.status == 200, r.text


def test_administrator_decides_the_htaccess_key_hosts(httpd_factory, expect_log):
    """Auth0HtaccessKeyHosts replaces the default: with `none`, not even an Auth0
    tenant may be named from .htaccess."""
    expect_log(r"key host example-tenant\.eu\.auth0\.com may not be named")
    srv = _serve(httpd_factory, _ht("Auth0Domain example-tenant.eu.auth0.com\n"
                                    "Auth0JWKSFile conf/jwks.json"),
                 extra="Auth0HtaccessKeyHosts none")
    assert srv.get("/ht/data.json", headers=T.bearer(T.pyjwt())).status == 500


def test_htaccess_key_sources_are_bounded(httpd_factory, expect_log):
    """Attack: every new key location named from .htaccess adds a key source (a
    key set in memory, a shared record, a file, fetches). Beyond
    Auth0HtaccessKeySources per process, requests under a new one are refused
    (500), while those already made keep working."""
    expect_log(r"\.htaccess files have named as many key sources as Auth0HtaccessKeySources "
               r"allows \(2\): answering 500")
    files = {d: _ht("Auth0JWKSFile conf/%s.json" % d) for d in ALLOWED}
    srv = _serve(httpd_factory, _ht("Auth0JWKSFile conf/jwks.json"),
                 extra="Auth0HtaccessKeySources 2", dirs=files)
    for d in ALLOWED:
        srv.write_file("conf/%s.json" % d, T.keys().jwks_text)
    token = T.bearer(T.pyjwt())
    assert srv.get("/d1/data.json", headers=token).status == 200
    assert srv.get("/d2/data.json", headers=token).status == 200
    assert srv.get("/d3/data.json", headers=token).status == 500
    assert srv.get("/d1/data.json", headers=token).status == 200


def test_htaccess_fetch_timeout_is_bounded(httpd_factory, expect_log):
    """Attack: an .htaccess sets Auth0JWKSTimeout to an hour and points at a host
    that stalls, so every request without keys waits an hour. In .htaccess the
    timeout is at most 15 seconds."""
    expect_log(r"Auth0JWKSTimeout in \.htaccess takes at most 15 seconds")
    srv = _serve(httpd_factory, _ht("Auth0JWKSFile conf/jwks.json\nAuth0JWKSTimeout 3600"))
    assert srv.get("/ht/data.json", headers=T.bearer(T.pyjwt())).status == 500
    srv2 = _serve(httpd_factory, _ht("Auth0JWKSFile conf/jwks.json\nAuth0JWKSTimeout 15"))
    assert srv2.get("/ht/data.json", headers=T.bearer(T.pyjwt())).status == 200


@pytest.mark.parametrize("line", ["Auth0JWKSFile fifo",
                                  "Auth0Algorithms HS256\nAuth0SigningSecretFile fifo"])
def test_htaccess_file_that_is_a_fifo_blocks_nothing(httpd_factory, line, expect_log):
    """Attack (found in review): an .htaccess author names a FIFO of their own as the
    key or secret file. Opening it blocked the worker forever, at every request,
    until every worker of the server hung. Only a regular file is read, and never
    waited on."""
    import os  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel
    expect_log(r"(Auth0JWKSFile|Auth0SigningSecretFile): \S+/fifo is not a regular file")
    srv = _serve(httpd_factory, "AuthType Auth0\nAuth0Issuer %s\n%s\nRequire valid-user\n"
                 % (T.ISSUER, line.replace("fifo", "${AJ_SERVERROOT}/htdocs/ht/fifo")))
    os.mkfifo(srv.path("htdocs/ht/fifo"), 0o666)
    t0 = time.monotonic()
    for _ in range(6):  # more than the one child's four threads
        assert srv.get("/ht/data.json", headers=T.bearer(T.pyjwt()), timeout=5).status == 500
    assert time.monotonic() - t0 < 5
    assert srv.get("/server-scope/", headers=T.bearer(T.pyjwt())).status != 500


def test_htaccess_key_sources_are_counted_by_identity(httpd_factory, pki, signing_keys,
                                                      expect_log):
    """Attack (found in review): the bound counted key locations, while a source is
    an identity (URL and timings): fifteen .htaccess files naming one allowed URL
    with fifteen timeouts made fifteen sources (slots, records, saved files,
    fetches) under a bound of one. Now the second identity is refused."""
    expect_log(r"as many key sources as Auth0HtaccessKeySources allows \(1\)")
    with JwksServer(pki, jwks_of(signing_keys["A"])) as host:
        url = host.url(host="127.0.0.1")
        dirs = {d: _ht("Auth0JWKSURI %s\nAuth0JWKSTimeout %d" % (url, i + 1), iss=host.issuer)
                for i, d in enumerate(ALLOWED)}
        srv = _serve(httpd_factory, _ht("Auth0JWKSFile conf/jwks.json"),
                     extra="Auth0HtaccessKeySources 1\nAuth0HtaccessKeyHosts 127.0.0.1\n"
                           "Auth0CACertificateFile %s" % pki.ca_file, dirs=dirs)
        token = T.bearer(signing_keys["A"].mint(host.issuer, aud=T.AUDIENCE))
        statuses = [srv.get("/%s/data.json" % d, headers=token).status for d in ALLOWED]
        assert statuses == [200, 500, 500], statuses
        assert host.count == 1, "one source fetched, the others were never made"


STATUS_HT = {
    "SetHandler": "SetHandler auth0-jwt-status\n",
    "AddHandler": "AddHandler auth0-jwt-status .json\n",
    "Files": "<Files data.json>\n    SetHandler auth0-jwt-status\n</Files>\n",
}


@pytest.mark.parametrize("how", sorted(STATUS_HT))
def test_htaccess_may_not_put_up_the_status_page(httpd_factory, how, expect_log):
    """Attack (one vhost's .htaccess author reads every vhost's state): under
    AllowOverride FileInfo an .htaccess sets the auth0-jwt-status handler on a
    file it owns. The page would show every virtual host's key sources, their
    errors and the traffic counts; it is refused (403) and the error log says
    why. The same handler set by the server configuration still answers."""
    expect_log(r"auth0-jwt-status refused: an \.htaccess file is part of this URL")
    extra = ("<Directory ${AJ_SERVERROOT}/htdocs/fi>\n    AllowOverride FileInfo\n"
             "</Directory>\n<Location /status>\n    SetHandler auth0-jwt-status\n"
             "    Require local\n</Location>\n")
    files = dict(T.server_files())
    files["htdocs/fi/.htaccess"] = STATUS_HT[how]
    files["htdocs/fi/data.json"] = '{"ok": true}\n'
    srv = httpd_factory(_snippet(extra), files=files)
    r = srv.get("/fi/data.json", headers=[("Accept", "application/json")])
    assert r.status == 403, r.text
    assert "key_sources" not in r.text and "login.example.test" not in r.text
    r = srv.get("/status", headers=[("Accept", "application/json")])
    assert r.status == 200 and "key_sources" in r.json()


def test_status_page_refused_under_an_innocent_htaccess(httpd_factory, expect_log):
    """The price of the rule above: nothing records which part of the
    configuration set a handler, so wherever an .htaccess file is read the page
    is refused, even when the server configuration put it there. The answer is
    403 with the reason in the error log (docs/status.md: put the page where no
    .htaccess is read)."""
    expect_log(r"auth0-jwt-status refused: an \.htaccess file is part of this URL")
    extra = ("<Directory ${AJ_SERVERROOT}/htdocs/fi>\n    AllowOverride FileInfo\n"
             "</Directory>\n<Location /fi/status>\n    SetHandler auth0-jwt-status\n"
             "    Require local\n</Location>\n")
    files = dict(T.server_files())
    files["htdocs/fi/.htaccess"] = "# nothing here\n"
    srv = httpd_factory(_snippet(extra), files=files)
    assert srv.get("/fi/status", headers=[("Accept", "application/json")]).status == 403
