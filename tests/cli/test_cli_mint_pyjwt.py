"""`auth0-jwt keygen` + `mint` tokens checked by PyJWT (an independent verifier),
and the round trip through our own `verify`."""

import hashlib
import json
import os
import time

import jwt
import pytest

from ajcli import (AUD, EC_CURVES, ISS, RSA_ALGS, assert_refused, assert_valid, b64u,
                   header_of, run, signature_of, unb64u, write_jwks)

ASYM_ALGS = RSA_ALGS + ["ES256", "ES384", "ES512", "EdDSA"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """keygen output per algorithm: (dir, jwk)."""
    base = tmp_path_factory.mktemp("keygen")
    out = {}
    for alg in ASYM_ALGS:
        d = base / alg
        res = run("keygen", "--out", d, "--alg", alg)
        assert res.rc == 0, res
        with open(d / "jwks.json", encoding="utf-8") as f:
            jwks = json.load(f)
        assert len(jwks["keys"]) == 1
        out[alg] = (d, jwks["keys"][0])
    return out


def mint(d, *extra):
    res = run("mint", "--key", d / "private.pem", "--iss", ISS, "--aud", AUD, *extra)
    assert res.rc == 0, res
    assert res.err == "", res
    token = res.out.strip()
    assert res.out == token + "\n"
    return token


@pytest.mark.parametrize("alg", ASYM_ALGS)
def test_keygen_jwks_shape(generated, alg):
    _, jwk = generated[alg]
    assert jwk["alg"] == alg
    assert jwk["use"] == "sig"
    assert "d" not in jwk and "p" not in jwk  # never the private part
    if alg in RSA_ALGS:
        assert jwk["kty"] == "RSA" and len(unb64u(jwk["n"])) == 256
    elif alg == "EdDSA":
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and len(unb64u(jwk["x"])) == 32
    else:
        crv, size = EC_CURVES[alg]
        assert jwk["kty"] == "EC" and jwk["crv"] == crv
        assert len(unb64u(jwk["x"])) == size and len(unb64u(jwk["y"])) == size


def rfc7638_thumbprint(jwk):
    required = {"RSA": ["e", "kty", "n"], "EC": ["crv", "kty", "x", "y"],
                "OKP": ["crv", "kty", "x"]}[jwk["kty"]]
    canon = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canon.encode()).digest())


@pytest.mark.parametrize("alg", ASYM_ALGS)
def test_keygen_default_kid_is_rfc7638_thumbprint(generated, alg):
    _, jwk = generated[alg]
    assert jwk["kid"] == rfc7638_thumbprint(jwk)


@pytest.mark.parametrize("alg", ASYM_ALGS)
def test_mint_verified_by_pyjwt(generated, alg):
    d, jwk = generated[alg]
    before = int(time.time())
    token = mint(d, "--kid", jwk["kid"], "--scope", "read:messages",
                 "--permissions", "read:messages write:messages", "--sub", "auth0|pyjwt",
                 *(["--alg", alg] if alg in RSA_ALGS else []))
    header = header_of(token)
    assert header == {"alg": alg, "typ": "at+jwt", "kid": jwk["kid"]}
    if alg in EC_CURVES:  # raw r||s (RFC 7518 3.4), not DER
        assert len(signature_of(token)) == 2 * EC_CURVES[alg][1]
    pyjwk = jwt.PyJWK(jwk)
    payload = jwt.decode(token, pyjwk.key, algorithms=[alg], audience=AUD, issuer=ISS,
                         options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    assert payload["sub"] == "auth0|pyjwt"
    assert payload["scope"] == "read:messages"
    assert payload["permissions"] == ["read:messages", "write:messages"]
    assert before <= payload["iat"] <= int(time.time())
    assert payload["exp"] == payload["iat"] + 3600
    # PyJWT refuses it for another audience / issuer / algorithm, as it should
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, pyjwk.key, algorithms=[alg], audience="other", issuer=ISS)
    with pytest.raises(jwt.InvalidIssuerError):
        jwt.decode(token, pyjwk.key, algorithms=[alg], audience=AUD, issuer=ISS.rstrip("/"))


@pytest.mark.parametrize("alg", ASYM_ALGS)
def test_mint_default_alg_from_key(generated, alg):
    """Without --alg, mint picks the key's natural algorithm (RSA: RS256)."""
    d, _ = generated[alg]
    want = "RS256" if alg in RSA_ALGS else alg
    assert header_of(mint(d))["alg"] == want


@pytest.mark.parametrize("alg", ASYM_ALGS)
def test_mint_round_trip_own_verify(generated, alg):
    d, jwk = generated[alg]
    token = mint(d, "--kid", jwk["kid"], "--alg", alg)
    got = assert_valid(run("verify", "--jwks", d / "jwks.json", "--alg", alg, "--aud", AUD,
                           "--iss", ISS, token))
    assert got["iss"] == ISS and got["aud"] == AUD


@pytest.mark.parametrize("alg", ASYM_ALGS)
def test_mint_verified_against_keygen_jwks_without_kid(generated, alg):
    """keygen's JWKS has one key: a token without kid still finds it."""
    d, _ = generated[alg]
    token = mint(d, "--alg", alg)
    assert "kid" not in header_of(token)
    assert_valid(run("verify", "--jwks", d / "jwks.json", "--alg", alg, token))


@pytest.mark.parametrize("alg,size", [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_mint_hmac_secret_file_verified_by_pyjwt(tmp_path, alg, size):
    secret = b"k" + os.urandom(size - 1)
    sf = tmp_path / "secret"
    sf.write_bytes(secret)
    token = mint_secret(sf, alg)
    assert header_of(token)["alg"] == alg
    assert len(signature_of(token)) == size
    payload = jwt.decode(token, secret, algorithms=[alg], audience=AUD, issuer=ISS)
    assert payload["iss"] == ISS
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, secret[:-1] + bytes([secret[-1] ^ 1]), algorithms=[alg],
                   audience=AUD, issuer=ISS)
    # and our verify with an oct key
    jwks = write_jwks(tmp_path / "oct.json", {"kty": "oct", "k": b64u(secret)})
    assert_valid(run("verify", "--jwks", jwks, "--alg", alg, "--aud", AUD, "--iss", ISS, token),
                 payload)


def mint_secret(sf, alg):
    res = run("mint", "--secret-file", sf, "--alg", alg, "--iss", ISS, "--aud", AUD)
    assert res.rc == 0, res
    return res.out.strip()


def test_mint_hs256_default_alg_with_secret_file(tmp_path):
    secret = b"k" + os.urandom(31)
    sf = tmp_path / "secret"
    sf.write_bytes(secret)
    res = run("mint", "--secret-file", sf, "--iss", ISS, "--aud", AUD)
    assert res.rc == 0, res
    token = res.out.strip()
    assert header_of(token)["alg"] == "HS256"
    assert jwt.decode(token, secret, algorithms=["HS256"], audience=AUD, issuer=ISS)["aud"] == AUD


def test_mint_signed_with_other_key_refused(generated):
    """Our verify refuses a token from keygen A against keygen B's JWKS (same alg)."""
    d_a, _ = generated["RS256"]
    d_b, _ = generated["RS384"]  # another RSA key, JWK alg RS384
    token = mint(d_a, "--alg", "RS384")
    assert_refused(run("verify", "--jwks", d_b / "jwks.json", "--alg", "RS384", token),
                   "signature_invalid")
