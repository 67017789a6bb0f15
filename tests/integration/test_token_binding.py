"""Tokens bound by their cnf claim (docs/validation.md, "Bound tokens"): a
certificate-bound token (RFC 8705, cnf["x5t#S256"]) is honoured only over TLS
with that very client certificate, through a real mod_ssl virtual host and
client certificates from a CA made here; a DPoP-bound token (RFC 9449,
cnf.jkt) is never honoured as a bearer token. Tokens are minted by PyJWT and by
our own CLI."""

import base64
import datetime
import http.client
import os
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import tokens as T
from jwks_server import pki  # noqa: F401  (fixture)


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _cert(cn, issuer_key, issuer_name, key, client=True, ca=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(issuer_name).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(hours=1))
         .not_valid_after(now + datetime.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if client:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


class Clients:
    """A client CA and two client certificates it signed ("alice", "bob")."""

    def __init__(self, folder):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client CA")])
        ca = _cert("client CA", ca_key, ca_name, ca_key, client=False, ca=True)
        self.ca_file = self._write(folder, "client-ca.pem",
                                   ca.public_bytes(serialization.Encoding.PEM))
        self.files, self.x5t = {}, {}
        for who in ("alice", "bob"):
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _cert(who, ca_key, ca_name, key)
            crt = self._write(folder, who + ".crt", cert.public_bytes(serialization.Encoding.PEM))
            pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            self.files[who] = (crt, self._write(folder, who + ".key", pem))
            self.x5t[who] = b64u(cert.fingerprint(hashes.SHA256()))

    @staticmethod
    def _write(folder, name, data):
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return path


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    d = tmp_path_factory.mktemp("clients")
    os.chmod(d, 0o755)
    return Clients(str(d))


LOCATION = """<Location /api/>
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</Location>
<Location /cgi/>
    AuthType Auth0
    Require valid-user
</Location>
"""


@pytest.fixture
def srv(httpd_factory, pki, clients):
    tls = """Listen 127.0.0.1:${AJ_PORT_1}
<VirtualHost 127.0.0.1:${AJ_PORT_1}>
    SSLEngine on
    SSLCertificateFile %s
    SSLCertificateKeyFile %s
    SSLCACertificateFile %s
    SSLVerifyClient optional
    SSLVerifyDepth 1
%s</VirtualHost>
""" % (pki.certs["good"][0], pki.certs["good"][1], clients.ca_file, LOCATION)
    server = httpd_factory(T.AUTH0 + T.CGI_BIN + LOCATION + tls, files=T.server_files(),
                           modules=["ssl"], extra_ports=1,
                           allow_log=[r"AH01873: Init: Session Cache is not configured"])
    server.write_file("cgi-bin/env.cgi", ENV_CGI, mode=0o755)
    return server


ENV_CGI = "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nenv\n"


def tls_get(srv, pki, path, token, cert=None):
    """GET path over TLS on the mod_ssl port, with a client certificate or none."""
    ctx = ssl.create_default_context(cafile=pki.ca_file)
    if cert:
        ctx.load_cert_chain(*cert)
    conn = http.client.HTTPSConnection("localhost", srv.extra_ports[0], context=ctx, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def minted(minter, x5t=None, jkt=None):
    cnf = {k: v for k, v in (("x5t#S256", x5t), ("jkt", jkt)) if v}
    if minter == "pyjwt":
        return T.pyjwt(extra={"cnf": cnf})
    return T.cli(extra={"cnf": cnf})


@pytest.mark.parametrize("minter", T.MINTERS)
def test_certificate_bound_token_with_its_certificate(srv, pki, clients, minter):
    token = minted(minter, x5t=clients.x5t["alice"])
    status, _, body = tls_get(srv, pki, "/api/private", token, clients.files["alice"])
    assert status == 200, body


@pytest.mark.parametrize("minter", T.MINTERS)
def test_certificate_bound_token_with_another_certificate(srv, pki, clients, minter):
    """Attack: a stolen certificate-bound token replayed by a client holding
    another certificate of the same CA."""
    token = minted(minter, x5t=clients.x5t["alice"])
    status, headers, body = tls_get(srv, pki, "/api/private", token, clients.files["bob"])
    assert status == 401, body
    assert 'error="invalid_token"' in headers["www-authenticate"], headers
    assert b"The token is not bound to the client certificate" in body, body


def test_certificate_bound_token_without_a_certificate(srv, pki, clients):
    """Attack: the stolen token sent over TLS without any client certificate."""
    token = minted("pyjwt", x5t=clients.x5t["alice"])
    status, _, body = tls_get(srv, pki, "/api/private", token)
    assert status == 401, body
    assert b"not bound to the client certificate" in body


def test_certificate_bound_token_over_plain_http(srv, clients):
    """Attack: the stolen token sent over plain HTTP, where there is no TLS
    client certificate at all."""
    r = srv.get("/api/private", headers=T.bearer(minted("cli", x5t=clients.x5t["alice"])))
    T.assert_invalid(r, "The token is not bound to the client certificate")


def test_certificate_bound_token_a_cache_hit_checks_again(srv, pki, clients):
    """The token cache keeps verified tokens, not connections: after a hit-making
    success with alice's certificate, the same token with bob's is refused."""
    token = minted("pyjwt", x5t=clients.x5t["alice"])
    assert tls_get(srv, pki, "/api/private", token, clients.files["alice"])[0] == 200
    assert tls_get(srv, pki, "/api/private", token, clients.files["bob"])[0] == 401
    assert tls_get(srv, pki, "/api/private", token, clients.files["alice"])[0] == 200


def test_backend_learns_the_binding(srv, pki, clients):
    token = minted("pyjwt", x5t=clients.x5t["alice"])
    status, _, body = tls_get(srv, pki, "/cgi/env.cgi", token, clients.files["alice"])
    assert status == 200, body
    env = dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)
    assert env.get("AUTH0_CNF_X5T") == clients.x5t["alice"], env
    assert env.get("AUTH0_TOKEN_TYPE") == "Bearer", env


@pytest.mark.parametrize("minter", T.MINTERS)
def test_dpop_bound_token_is_no_bearer_token(srv, minter):
    """Attack: a DPoP-bound token, stolen without its private key, sent as a
    plain bearer token (a downgrade, RFC 9449 section 7.1)."""
    r = srv.get("/api/private", headers=T.bearer(minted(minter, jkt="A" * 43)))
    assert r.status == 401, r.text
    # the challenge names the scheme the token needs
    assert r.header("WWW-Authenticate") == (
        'DPoP realm="api", error="invalid_token", error_description="A DPoP-bound token must '
        'be sent with a DPoP proof", algs="ES256"'), r.header("WWW-Authenticate")
    assert r.json() == {"error": "invalid_token", "error_description":
                        "A DPoP-bound token must be sent with a DPoP proof"}


@pytest.mark.parametrize("cnf", ['"x"', "[]", '{"jkt": 1}', '{"x5t#S256": {}}'])
def test_malformed_cnf_is_refused(srv, cnf):
    import json  # pylint: disable=import-outside-toplevel
    r = srv.get("/api/private", headers=T.bearer(T.pyjwt(extra={"cnf": json.loads(cnf)})))
    assert r.status == 401, r.text


def test_unbound_token_still_works_everywhere(srv, pki, clients):
    token = T.pyjwt()
    assert srv.get("/api/private", headers=T.bearer(token)).status == 200
    assert tls_get(srv, pki, "/api/private", token)[0] == 200
    assert tls_get(srv, pki, "/api/private", token, clients.files["bob"])[0] == 200
