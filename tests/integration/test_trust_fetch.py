"""The key fetch never runs with its certificate name check off (docs/security.md,
"Keys and the key host"): every OpenSSL call that sets up the check is checked,
and a key URL whose host OpenSSL could not take as a name or an address is
refused, at configuration time and by the fetcher itself."""

import os
import subprocess

import pytest

import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    AUDIENCE, JwksServer, jwks_of, pki, signing_keys)

# hosts that once turned the name check and SNI off: not an IPv6 literal in
# brackets, an IPv4 address with a leading-zero (octal-looking) part
BAD_HOSTS = ["[localhost]", "[127.0.0.1]", "[not-an-address]", "127.0.0.0300", "0127.0.0.1",
             "127.1", "1.2.3.4.5", "local_host", "-localhost", "localhost-", "a..b"]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_key_url_host_refused_at_configuration(host):
    """Attack: Auth0JWKSURI https://[localhost]:PORT/ (or an IPv4 form OpenSSL
    cannot parse) made the address check fail unnoticed, so any certificate was
    accepted for the key host. Such a URL now stops configtest."""
    rc, out = ajtest.configtest("Auth0JWKSURI https://%s:8443/.well-known/jwks.json\n" % host)
    assert rc != 0, out
    assert "Auth0JWKSURI" in out, out


@pytest.mark.parametrize("host", ["127.0.0.0300", "[localhost]:8443", "127.1"])
def test_domain_host_refused_at_configuration(host):
    """The same for the URL Auth0Domain implies."""
    rc, out = ajtest.configtest("Auth0Domain %s\n" % host)
    assert rc != 0, out
    assert "Auth0Domain" in out, out


@pytest.mark.parametrize("form", ["[localhost]", "127.0.0.1"])
def test_fetcher_checks_the_name_for_every_url_form(pki, signing_keys, form):
    """Attack: a key host presents a certificate for another name (other.invalid,
    192.0.2.1) from a CA the server trusts. Reached as https://[localhost]:P/ it
    used to be accepted (the address check failed silently, no name was
    checked); now that URL is refused before any connection, and the plain
    address form fails on the certificate."""
    with JwksServer(pki, jwks_of(signing_keys["A"]), cert="wrong_name") as host:
        url = "https://%s:%d/.well-known/jwks.json" % (form, host.port)
        token = signing_keys["A"].mint(host.issuer)
        cli = os.path.join(ajtest.top_builddir(), "auth0-jwt")
        out = subprocess.run([cli, "verify", "--jwks-uri", url, "--ca-file", pki.ca_file,
                              "--aud", AUDIENCE, "--iss", host.issuer, token],
                             capture_output=True, text=True, timeout=30, check=False)
        assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
        assert "cannot fetch" in out.stderr, out.stderr
        assert host.count == 0, "keys were served to a fetch that could not check the name"


def test_close_delimited_body_needs_a_clean_tls_close(httpd_factory, pki, signing_keys,
                                                       expect_log):
    """Attack: whoever sits on the path cuts the TCP connection of a key fetch whose
    body is delimited by the end of the connection. Without TLS close_notify the
    body may be any prefix of what the host sent; it used to be taken as complete.
    It is now a truncated response, and no key of it is used."""
    from jwks_server import CONFIG_WARNINGS, bearer, location  # pylint: disable=import-outside-toplevel
    with JwksServer(pki, jwks_of(signing_keys["A"]), mode="close_delimited_cut") as host:
        expect_log(r"cannot fetch the keys of .* at start-up \(http: connection closed before "
                   r"the response ended")
        expect_log(r"cannot refresh the keys of .*: http: connection closed before the response")
        expect_log(r"no signing keys available")
        srv = httpd_factory(location("/api/", pki.ca_file, domain=host.domain, cooldown=1),
                            allow_log=[CONFIG_WARNINGS])
        r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(host.issuer)))
        assert r.status == 503, r.text
        assert host.count >= 1
        host.set_mode("close_delimited")  # the same body, closed cleanly: taken
        import time  # pylint: disable=import-outside-toplevel
        time.sleep(1.1)
        r = srv.get("/api/private", headers=bearer(signing_keys["A"].mint(host.issuer)))
        assert r.status == 200, r.text


# ---- name resolution inside the deadline ------------------------------------------

SILENT_NAME = "keys.ajtest.invalid"


@pytest.fixture
def silent_resolver(tmp_path):
    """A resolv.conf whose only name server is a loopback UDP socket that never
    answers, and the argv prefix that runs httpd in its own mount namespace with
    that file over /etc/resolv.conf (root only: binding port 53 and unshare -m).
    Without a bounded lookup, glibc waits `timeout:30` before giving up."""
    import socket  # pylint: disable=import-outside-toplevel
    import shutil  # pylint: disable=import-outside-toplevel
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1): a name server on port 53 in a mount namespace")
    sock = None
    for last in range(77, 97):
        addr = "127.0.0.%d" % last
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((addr, 53))
            break
        except OSError:
            sock.close()
            sock = None
    assert sock is not None, "no free loopback address for a silent name server"
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver %s\noptions timeout:30 attempts:1\n" % addr)
    os.chmod(tmp_path, 0o755)
    os.chmod(conf, 0o644)
    wrapper = ["unshare", "-m", "sh", "-c",
               'mount --bind "$0" /etc/resolv.conf && exec "$@"', str(conf)]
    try:
        yield wrapper
    finally:
        sock.close()


def test_name_resolution_is_inside_the_fetch_deadline(httpd_factory, pki, signing_keys,
                                                      expect_log, silent_resolver):
    """Attack: the name server of one key host stops answering (or whoever can
    make its lookups hang does). Name resolution used to sit outside
    Auth0JWKSTimeout: the start-up fetch and every refresh of that source took
    the resolver's own timeout (30 s here) while the deadline said 2 s. Now the
    lookup counts against the deadline, and the other key source is untouched."""
    import time  # pylint: disable=import-outside-toplevel
    from jwks_server import CONFIG_WARNINGS, bearer, location  # pylint: disable=import-outside-toplevel
    with JwksServer(pki, jwks_of(signing_keys["A"])) as good:
        expect_log(r"cannot fetch the keys of https://%s:\d+/jwks.json at start-up "
                   r"\(timeout: deadline passed resolving %s\)" % (SILENT_NAME, SILENT_NAME))
        expect_log(r"cannot refresh the keys of https://%s.*deadline passed resolving"
                   % SILENT_NAME)
        expect_log(r"no signing keys available")
        conf = (location("/silent/", pki.ca_file, uri="https://%s:%d/jwks.json"
                         % (SILENT_NAME, good.port), issuer=good.issuer, timeout=2)
                + location("/good/", pki.ca_file, domain=good.domain, timeout=2))
        t0 = time.monotonic()
        srv = httpd_factory(conf, allow_log=[CONFIG_WARNINGS], wrapper=silent_resolver)
        started = time.monotonic() - t0
        assert started < 8, "start-up waited %.1f s for a lookup of a 2 s deadline" % started
        token = signing_keys["A"].mint(good.issuer)
        assert srv.get("/good/api/private", headers=bearer(token)).status == 200
        t0 = time.monotonic()
        r = srv.get("/silent/api/private", headers=bearer(token))
        waited = time.monotonic() - t0
        assert r.status == 503, r.text
        assert waited < 5, "a request waited %.1f s for a 2 s deadline" % waited
        assert srv.get("/good/api/private", headers=bearer(token)).status == 200


def _silent_wrapper(tmp_path, timeout):
    """Like silent_resolver, with the resolver's own timeout given."""
    import socket  # pylint: disable=import-outside-toplevel
    import shutil  # pylint: disable=import-outside-toplevel
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1): a name server on port 53 in a mount namespace")
    for last in range(97, 117):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(("127.0.0.%d" % last, 53))
            break
        except OSError:
            sock.close()
    else:
        pytest.fail("no free loopback address for a silent name server")
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.%d\noptions timeout:%d attempts:1\n" % (last, timeout))
    os.chmod(tmp_path, 0o755)
    os.chmod(conf, 0o644)
    return sock, ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
                  str(conf)]


def test_restart_while_a_lookup_outlives_its_deadline(httpd_factory, pki, signing_keys,
                                                      tmp_path):
    """Attack (or bad luck): the key host's name server is silent at start-up,
    and the administrator reloads with one more LoadModule before glibc gives
    up on the lookup. The lookup's thread then returned into the unloaded
    module and the root parent died (SIGSEGV). The module now stays mapped
    while such a thread runs."""
    import signal  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel
    from jwks_server import bearer, location  # pylint: disable=import-outside-toplevel
    sock, wrapper = _silent_wrapper(tmp_path, 6)
    try:
        with JwksServer(pki, jwks_of(signing_keys["A"])) as good:
            conf = (location("/silent/", pki.ca_file, uri="https://%s:%d/jwks.json"
                             % (SILENT_NAME, good.port), issuer=good.issuer, timeout=1)
                    + location("/good/", pki.ca_file, domain=good.domain))
            srv = httpd_factory(conf, wrapper=wrapper,
                                allow_log=[r"cannot (fetch|refresh) the keys of https://keys",
                                           r"no signing keys available", r"AH00\d+",
                                           r"honoured as set"])
            t0 = time.monotonic()
            srv.modules = ["dav", "cache", "lua", "http2"]  # the module moves in memory
            srv.write_config()
            srv.proc.send_signal(signal.SIGUSR1)
            time.sleep(max(0.0, 8 - (time.monotonic() - t0)))  # past the resolver's 6 s
            assert srv.proc.poll() is None, "the root parent died: %s" % srv.proc.returncode
            token = signing_keys["A"].mint(good.issuer)
            assert srv.get("/good/api/private", headers=bearer(token)).status == 200
    finally:
        sock.close()


def test_one_silent_host_holds_one_lookup(httpd_factory, pki, signing_keys, tmp_path):
    """Attack: an .htaccess author whose allowed key host has a name server that
    never answers drives refreshes (unknown kids, a 1 s cooldown): each used
    to leave one more lookup thread behind until the process had none left for
    any key host. While a lookup of a host runs, fetches from that host now
    fail at once instead of starting another."""
    import time  # pylint: disable=import-outside-toplevel
    from jwks_server import bearer, location, mpm_lines  # pylint: disable=import-outside-toplevel
    sock, wrapper = _silent_wrapper(tmp_path, 20)
    try:
        with JwksServer(pki, jwks_of(signing_keys["A"])) as good:
            conf = (mpm_lines(ajtest.current_mpm(), 1, threads=4)
                    + location("/silent/", pki.ca_file, uri="https://%s:%d/jwks.json"
                               % (SILENT_NAME, good.port), issuer=good.issuer, timeout=1))
            srv = httpd_factory(conf, wrapper=wrapper,
                                allow_log=[r"cannot (fetch|refresh) the keys of https://keys",
                                           r"no signing keys available", r"honoured as set",
                                           r"AH00\d+"])
            token = signing_keys["A"].mint(good.issuer)
            for _ in range(4):
                assert srv.get("/silent/api/private", headers=bearer(token)).status == 503
                time.sleep(1.1)  # past the cooldown: another refresh
            lines = srv.log_lines()
            assert any("an earlier lookup of %s has not ended" % SILENT_NAME in line
                       for line in lines), lines
            assert not any("no lookup thread" in line for line in lines), lines
    finally:
        sock.close()
