"""Helpers for the auth0-jwt CLI tests: locating the tool, running it, JOSE bits.

Everything cryptographic on the test side comes from python3-cryptography and
python3-jwt (PyJWT), an implementation independent of src/.
"""

import base64
import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_TOP = os.path.normpath(os.path.join(HERE, "..", ".."))

# Algorithm families as JOSE names them (RFC 7518, RFC 8037).
RSA_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
EC_ALGS = ["ES256", "ES384", "ES512"]
OKP_ALGS = ["EdDSA"]
HMAC_ALGS = ["HS256", "HS384", "HS512"]
ALL_ALGS = RSA_ALGS + EC_ALGS + OKP_ALGS + HMAC_ALGS

# ES*: curve and coordinate size (raw r||s is twice that).
EC_CURVES = {"ES256": ("P-256", 32), "ES384": ("P-384", 48), "ES512": ("P-521", 66)}
# HS*: the smallest secret the product accepts (the hash size).
HMAC_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}

ISS = "https://tenant.example.auth0.com/"
AUD = "https://api.example.com"

_REASON_RE = re.compile(r"^invalid: ([a-z_0-9]+): ", re.M)


def cli_path():
    """The auth0-jwt binary: $AJ_CLI, else ./auth0-jwt at the repository top."""
    path = os.environ.get("AJ_CLI")
    if not path:
        path = os.path.join(REPO_TOP, "auth0-jwt")
    return os.path.abspath(path)


def fixture_dir(name):
    """tests/fixtures/NAME in this repository."""
    return os.path.join(REPO_TOP, "tests", "fixtures", name)


class Result:
    """One finished auth0-jwt run."""

    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def reason(self):
        """The reason name from 'invalid: NAME: text' on stderr, or None."""
        m = _REASON_RE.search(self.err)
        return m.group(1) if m else None

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "auth0-jwt %s -> rc=%s\nstdout: %s\nstderr: %s" % (
            " ".join(self.args), self.rc, self.out[:2000], self.err[:2000])


def run(*args, stdin=None, cwd=None):
    args = [str(a) for a in args]
    proc = subprocess.run([cli_path()] + args, input=stdin, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=60, cwd=cwd, check=False)
    return Result(args, proc)


def assert_valid(res, payload=None):
    assert res.rc == 0, res
    assert res.err == "", res
    got = res.json()
    if payload is not None:
        assert got == payload, res
    return got


def assert_refused(res, reason):
    assert res.rc == 1, res
    assert res.out == "", res
    assert res.reason == reason, res
    # one line, the documented shape
    assert res.err.count("\n") == 1 and res.err.startswith("invalid: %s: " % reason), res


def assert_usage(res, fragment=None):
    assert res.rc == 2, res
    assert res.out == "", res
    assert res.err.strip() != "", res
    if fragment is not None:
        assert fragment in res.err, res


# ---- base64url and token surgery ------------------------------------------------

def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split(token):
    h, p, s = token.split(".")
    return h, p, s


def header_of(token):
    return json.loads(unb64u(split(token)[0]))


def payload_of(token):
    return json.loads(unb64u(split(token)[1]))


def with_header(token, header):
    """The token with its header replaced (signature kept)."""
    _, p, s = split(token)
    return ".".join([b64u(json.dumps(header, separators=(",", ":"))), p, s])


def with_payload(token, payload):
    """The token with its payload replaced (signature kept)."""
    h, _, s = split(token)
    return ".".join([h, b64u(json.dumps(payload, separators=(",", ":"))), s])


def with_signature(token, sig):
    h, p, _ = split(token)
    return ".".join([h, p, b64u(sig)])


def signature_of(token):
    return unb64u(split(token)[2])


def flip_bit(data, index=None, bit=0x01):
    """data with one bit changed at index (default: the middle byte)."""
    b = bytearray(data)
    i = len(b) // 2 if index is None else index
    b[i] ^= bit
    return bytes(b)


# ---- JWKs from cryptography key objects ------------------------------------------

def _uint(n, size=None):
    if size is None:
        size = max(1, (n.bit_length() + 7) // 8)
    return b64u(n.to_bytes(size, "big"))


def public_jwk(key, kid=None, alg=None, use="sig"):
    """The public JWK of a cryptography private key (or an HMAC secret as bytes)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives import serialization

    if isinstance(key, (bytes, bytearray)):
        jwk = {"kty": "oct", "k": b64u(bytes(key))}
    elif isinstance(key, rsa.RSAPrivateKey):
        nums = key.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": _uint(nums.n), "e": _uint(nums.e)}
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        nums = key.public_key().public_numbers()
        crv, size = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48),
                     "secp521r1": ("P-521", 66)}[key.curve.name]
        jwk = {"kty": "EC", "crv": crv, "x": _uint(nums.x, size), "y": _uint(nums.y, size)}
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
    else:
        raise TypeError("no JWK for %r" % (key,))
    if kid is not None:
        jwk["kid"] = kid
    if alg is not None:
        jwk["alg"] = alg
    if use is not None:
        jwk["use"] = use
    return jwk


def write_jwks(path, *jwks):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"keys": list(jwks)}, f, indent=2)
    return str(path)
