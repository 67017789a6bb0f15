"""auth0-jwt encrypt, verify --decryption-key and decode of a JWE: what we
encrypt, jwcrypto (independent of src/) decrypts; what jwcrypto encrypts, we
decrypt and verify."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ajcli import AUD, ISS, assert_refused, assert_usage, assert_valid, run, unb64u

jwcrypto_jwe = pytest.importorskip("jwcrypto.jwe")
jwcrypto_jwk = pytest.importorskip("jwcrypto.jwk")

JWCRYPTO_ALGS = ["RSA-OAEP", "RSA-OAEP-256"]  # jwcrypto 1.1 has no RSA-OAEP-384/512
ENCS = ["A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Paths: the signing key, its JWKS, the encryption key pair (PEM)."""
    d = tmp_path_factory.mktemp("jwe")
    sig = rsa.generate_private_key(65537, 2048)
    enc = rsa.generate_private_key(65537, 2048)
    paths = {"sig": d / "sig.pem", "enc": d / "enc.pem", "enc_pub": d / "enc.pub.pem",
             "jwks": d / "jwks.json"}
    for name, key in (("sig", sig), ("enc", enc)):
        paths[name].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    paths["enc_pub"].write_bytes(enc.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(sig.public_key()))
    pub["kid"] = "s1"
    paths["jwks"].write_text(json.dumps({"keys": [pub]}))
    paths["enc_key"] = enc
    paths["token"] = jwt.encode({"iss": ISS, "aud": AUD, "sub": "u1", "exp": 4102444800,
                                 "iat": 1700000000}, sig, algorithm="RS256",
                                headers={"kid": "s1"})
    return paths


def jwcrypto_key(keys):
    return jwcrypto_jwk.JWK.from_pem(keys["enc"].read_bytes())


@pytest.mark.parametrize("alg", ["RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512"])
@pytest.mark.parametrize("enc", ENCS)
def test_ours_decrypted_by_jwcrypto(keys, alg, enc):
    res = run("encrypt", "--key", keys["enc_pub"], "--kid", "e1", "--alg", alg, "--enc", enc,
              keys["token"])
    assert res.rc == 0 and res.err == "", res
    compact = res.out.strip()
    header = json.loads(unb64u(compact.split(".")[0]))
    assert header == {"alg": alg, "enc": enc, "cty": "JWT", "kid": "e1"}
    if alg in JWCRYPTO_ALGS:
        t = jwcrypto_jwe.JWE()
        t.deserialize(compact, key=jwcrypto_key(keys))
        assert t.payload.decode() == keys["token"]
    verified = run("verify", "--jwks", keys["jwks"], "--iss", ISS, "--aud", AUD,
                   "--decryption-key", keys["enc"], compact)
    assert assert_valid(verified)["sub"] == "u1"


@pytest.mark.parametrize("alg", JWCRYPTO_ALGS)
@pytest.mark.parametrize("enc", ENCS)
def test_jwcrypto_decrypted_by_ours(keys, alg, enc):
    pub = jwcrypto_jwk.JWK.from_pem(keys["enc_pub"].read_bytes())
    t = jwcrypto_jwe.JWE(keys["token"].encode(),
                         protected=json.dumps({"alg": alg, "enc": enc, "kid": "e1"}))
    t.add_recipient(pub)
    res = run("verify", "--jwks", keys["jwks"], "--iss", ISS, "--aud", AUD,
              "--decryption-key", keys["enc"], t.serialize(compact=True))
    assert assert_valid(res)["sub"] == "u1"


def test_decode_shows_only_the_header(keys):
    compact = run("encrypt", "--key", keys["enc_pub"], keys["token"]).out.strip()
    got = assert_valid(run("decode", compact))
    assert got == {"verified": False, "encrypted": True,
                   "header": {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT"}}


def test_refusals(keys):
    compact = run("encrypt", "--key", keys["enc_pub"], keys["token"]).out.strip()
    # another key: the wrapped content key does not unwrap
    assert_refused(run("verify", "--jwks", keys["jwks"], "--iss", ISS, "--aud", AUD,
                       "--decryption-key", keys["sig"], compact), "jwe_unwrap")
    parts = compact.split(".")
    parts[3] = parts[3][:4] + ("A" if parts[3][4] != "A" else "B") + parts[3][5:]
    assert_refused(run("verify", "--jwks", keys["jwks"], "--iss", ISS, "--aud", AUD,
                       "--decryption-key", keys["enc"], ".".join(parts)), "jwe_tag")
    # without --decryption-key a JWE is no signed token
    assert_refused(run("verify", "--jwks", keys["jwks"], compact), "segments")


def test_usage_errors(keys, tmp_path):
    assert_usage(run("encrypt", keys["token"]), "--key")
    assert_usage(run("encrypt", "--key", keys["enc_pub"], "--alg", "RSA1_5", keys["token"]),
                 "alg must be")
    assert_usage(run("encrypt", "--key", keys["enc_pub"], "--enc", "A128CBC", keys["token"]),
                 "enc must be")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    assert_usage(run("encrypt", "--key", junk, keys["token"]))
    compact = run("encrypt", "--key", keys["enc_pub"], keys["token"]).out.strip()
    assert_usage(run("verify", "--jwks", keys["jwks"], "--decryption-key", keys["enc_pub"],
                     compact), "not a PEM private key")
