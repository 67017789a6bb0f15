"""auth0-jwt dpop, thumbprint and mint --cnf-*: every value checked with an
independent implementation (PyJWT and python3-cryptography), never with src/."""

import base64
import datetime
import hashlib
import json

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from ajcli import AUD, ISS, run

NOW = 1_700_000_000
URL = "https://api.example.com/api/private"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc7638(jwk):
    """The RFC 7638 thumbprint, computed here from the required members."""
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"),
                "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canon = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canon.encode("utf-8")).digest())


@pytest.fixture(scope="module", params=["ec", "ed25519", "rsa"])
def key(request, tmp_path_factory):
    """(private PEM path, the public JWK as PyJWT writes it, JOSE alg)."""
    d = tmp_path_factory.mktemp("dpopkey")
    priv = {"ec": lambda: ec.generate_private_key(ec.SECP256R1()),
            "ed25519": ed25519.Ed25519PrivateKey.generate,
            "rsa": lambda: rsa.generate_private_key(65537, 2048)}[request.param]()
    alg = {"ec": "ES256", "ed25519": "EdDSA", "rsa": "RS256"}[request.param]
    path = d / "key.pem"
    path.write_bytes(priv.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    algo = jwt.get_algorithm_by_name(alg)
    jwk = json.loads(algo.to_jwk(priv.public_key()))
    if jwk["kty"] == "EC":  # PyJWT 2.6 drops leading zero bytes; RFC 7518 wants 32
        for c in ("x", "y"):
            jwk[c] = b64u(base64.urlsafe_b64decode(jwk[c] + "=" * (-len(jwk[c]) % 4))
                          .rjust(32, b"\0"))
    return path, jwk, alg


def test_proof_verifies_with_an_independent_library(key):
    path, jwk, alg = key
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    res = run("dpop", "--key", path, "--method", "POST", "--url", URL + "?q=1#frag",
              "--token", token, "--iat", str(NOW), "--jti", "fixed-jti")
    assert res.rc == 0, res
    proof = res.out.strip()
    header = jwt.get_unverified_header(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == alg, header
    assert "d" not in header["jwk"], "the private key went into the proof"
    assert rfc7638(header["jwk"]) == rfc7638(jwk), "the proof names another key"
    public = jwt.PyJWK(header["jwk"], algorithm=alg)
    claims = jwt.decode(proof, public.key, algorithms=[alg],
                        options={"verify_iat": False, "verify_aud": False})
    assert claims == {"jti": "fixed-jti", "htm": "POST", "htu": URL, "iat": NOW,
                      "ath": b64u(hashlib.sha256(token.encode()).digest())}, claims


def test_proof_jti_is_random_and_ath_optional(key):
    path, _, _ = key
    seen = set()
    for _ in range(3):
        res = run("dpop", "--key", path, "--method", "GET", "--url", URL)
        assert res.rc == 0, res
        claims = jwt.decode(res.out.strip(), options={"verify_signature": False})
        assert "ath" not in claims
        assert len(claims["jti"]) >= 22
        seen.add(claims["jti"])
    assert len(seen) == 3, seen


def test_thumbprint_of_a_key_in_every_form(key, tmp_path):
    path, jwk, _ = key
    want = rfc7638(jwk)
    assert run("thumbprint", path).out.strip() == want
    (tmp_path / "jwk.json").write_text(json.dumps(jwk))
    assert run("thumbprint", tmp_path / "jwk.json").out.strip() == want
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    assert run("thumbprint", tmp_path / "jwks.json").out.strip() == want


def test_thumbprint_rfc7638_example(tmp_path):
    """RFC 7638 section 3.1: the example RSA key and its thumbprint."""
    jwk = {"kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
           "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxu"
                "hDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6"
                "Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n"
                "91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF4"
                "4-csFCur-kEgU8awapJzKnqDKgw"}
    (tmp_path / "k.json").write_text(json.dumps(jwk))
    res = run("thumbprint", tmp_path / "k.json")
    assert res.rc == 0, res
    assert res.out.strip() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed client certificate, made here: (path, SHA-256 of its DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client")])
    now = datetime.datetime.now(datetime.timezone.utc)
    c = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
         .public_key(key.public_key()).serial_number(1)
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    path = tmp_path_factory.mktemp("cert") / "client.pem"
    path.write_bytes(c.public_bytes(serialization.Encoding.PEM))
    return path, b64u(c.fingerprint(hashes.SHA256()))


def test_thumbprint_of_a_certificate(cert):
    path, want = cert
    res = run("thumbprint", path)
    assert res.rc == 0, res
    assert res.out.strip() == want


def test_mint_binds_to_a_key_or_a_certificate(key, cert):
    path, jwk, _ = key
    res = run("mint", "--key", path, "--iss", ISS, "--aud", AUD, "--cnf-jkt-of", path)
    assert res.rc == 0, res
    claims = jwt.decode(res.out.strip(), options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": rfc7638(jwk)}, claims
    res = run("mint", "--key", path, "--iss", ISS, "--aud", AUD, "--cnf-x5t-of", cert[0])
    assert res.rc == 0, res
    claims = jwt.decode(res.out.strip(), options={"verify_signature": False})
    assert claims["cnf"] == {"x5t#S256": cert[1]}, claims


@pytest.mark.parametrize("args,needle", [
    (["dpop", "--method", "GET", "--url", URL], "needs --key"),
    (["dpop", "--key", "{key}", "--url", URL], "needs --key"),
    (["dpop", "--key", "{key}", "--method", "GET", "--url", "/api/private"], "--url"),
    (["dpop", "--key", "{key}", "--method", "GET", "--url", "ftp://x/y"], "--url"),
    (["dpop", "--key", "{key}", "--method", "GET", "--url", URL, "--alg", "ES384"], "--alg"),
    (["dpop", "--key", "{key}", "--method", "GET", "--url", URL, "--iat", "soon"], "--iat"),
    (["thumbprint"], "one FILE"),
    (["thumbprint", "{junk}"], "holds no key"),
    (["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--cnf-x5t-of", "{key}"],
     "--cnf-x5t-of"),
])
def test_usage_errors(tmp_path, args, needle):
    priv = ec.generate_private_key(ec.SECP256R1())
    kpath = tmp_path / "k.pem"
    kpath.write_bytes(priv.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    (tmp_path / "junk").write_text("not a key\n")
    argv = [a.format(key=kpath, junk=tmp_path / "junk") for a in args]
    res = run(*argv)
    assert res.rc == 2, res
    assert needle in res.err, res.err
