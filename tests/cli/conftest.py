"""pytest glue for the auth0-jwt CLI / interoperability tests.

Fixtures:
  keys        session: one key per algorithm made by python3-cryptography (one RSA
              key serves all RS*/PS*), with JWKS files written by the tests
  pyjwt_mint  mint(alg, payload, headers=None, style="kid") -> a token signed by PyJWT
  now         a fixed clock for claim tests
"""

import os
import secrets
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ajcli  # noqa: E402  pylint: disable=wrong-import-position


def pytest_report_header(config):
    import cryptography
    import jwt
    return ["auth0-jwt: %s (PyJWT %s, cryptography %s)"
            % (ajcli.cli_path(), jwt.__version__, cryptography.__version__)]


@pytest.fixture(scope="session", autouse=True)
def _built_cli():
    path = ajcli.cli_path()
    if not os.access(path, os.X_OK):
        pytest.exit("%s is missing: run `make` first (or set AJ_CLI)" % path, 2)


class KeyInfo:
    """A signing key for one algorithm and the JWKS files that publish it.

    jwks["kid"]:  {kty, key material, kid, alg, use=sig}   (how Auth0 publishes keys)
    jwks["bare"]: {kty, key material} only, and tokens carry no kid
    """

    def __init__(self, alg, key, kid, jwks):
        self.alg = alg
        self.key = key      # cryptography private key, or bytes for HS*
        self.kid = kid
        self.jwks = jwks


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    d = tmp_path_factory.mktemp("keys")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    curves = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
    out = {}
    for alg in ajcli.ALL_ALGS:
        if alg in ajcli.RSA_ALGS:
            key = rsa_key
        elif alg in curves:
            key = ec.generate_private_key(curves[alg])
        elif alg == "EdDSA":
            key = ed25519.Ed25519PrivateKey.generate()
        else:
            # a secret of exactly the hash size, never looking like a PEM/SSH key to PyJWT
            key = b"s" + secrets.token_bytes(ajcli.HMAC_SECRET_BYTES[alg] - 1)
        kid = "kid-%s-%s" % (alg.lower(), secrets.token_hex(4))
        jwks = {
            "kid": ajcli.write_jwks(d / ("%s-kid.json" % alg),
                                    ajcli.public_jwk(key, kid=kid, alg=alg)),
            "bare": ajcli.write_jwks(d / ("%s-bare.json" % alg),
                                     ajcli.public_jwk(key, use=None)),
        }
        out[alg] = KeyInfo(alg, key, kid, jwks)
    return out


@pytest.fixture(scope="session")
def pyjwt_mint(keys):
    import jwt

    def mint(alg, payload, headers=None, style="kid"):
        info = keys[alg]
        hdr = {"kid": info.kid} if style == "kid" else {}
        hdr.update(headers or {})
        return jwt.encode(payload, info.key, algorithm=alg, headers=hdr or None)

    return mint


@pytest.fixture
def now():
    return 1_700_000_000
