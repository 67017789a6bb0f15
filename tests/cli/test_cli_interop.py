"""Tokens minted by PyJWT / python3-cryptography, checked by `auth0-jwt verify`.

For every JOSE algorithm the product supports: valid tokens are accepted and
print exactly the signed payload; tampered tokens are refused with the exact
reason; a token whose alg is not in --alg is refused with alg_not_allowed.
"""

import hashlib
import hmac
import json

import pytest

from ajcli import (ALL_ALGS, AUD, EC_ALGS, HMAC_ALGS, ISS, RSA_ALGS, assert_refused,
                   assert_valid, b64u, flip_bit, header_of, payload_of, run, signature_of,
                   split, with_header, with_payload, with_signature, write_jwks, public_jwk)

NOW = 1_700_000_000


def claims(**extra):
    payload = {
        "iss": ISS,
        "sub": "auth0|interop",
        "aud": AUD,
        "iat": NOW - 10,
        "exp": NOW + 3600,
        "scope": "read:messages write:messages",
        "permissions": ["read:messages"],
        "https://example.com/roles": ["admin"],
        "azp": "client-1",
        "ratio": 1.5,
        "nested": {"a": [1, 2, {"b": None}], "t": True},
        "text": "h\u00e9llo \u2713 \U0001f600",
    }
    payload.update(extra)
    return payload


def verify(token, jwks, *algs, extra=()):
    args = ["verify", "--jwks", jwks, "--aud", AUD, "--iss", ISS, "--now", NOW]
    for alg in algs:
        args += ["--alg", alg]
    return run(*args, *extra, token)


# ---- valid -----------------------------------------------------------------------

@pytest.mark.parametrize("style", ["kid", "bare"])
@pytest.mark.parametrize("alg", ALL_ALGS)
def test_pyjwt_token_valid(keys, pyjwt_mint, alg, style):
    payload = claims()
    token = pyjwt_mint(alg, payload, style=style)
    assert header_of(token)["alg"] == alg
    assert_valid(verify(token, keys[alg].jwks[style], alg), payload)


@pytest.mark.parametrize("alg", ALL_ALGS)
def test_pyjwt_token_valid_among_all_algs(keys, pyjwt_mint, alg):
    """--alg repeated with every algorithm still picks the right verifier."""
    payload = claims(aud=["other", AUD])
    token = pyjwt_mint(alg, payload)
    assert_valid(verify(token, keys[alg].jwks["kid"], *ALL_ALGS), payload)


@pytest.fixture(scope="module")
def all_keys_jwks(keys, tmp_path_factory):
    """One JWKS holding every algorithm's key (kid + alg on each)."""
    d = tmp_path_factory.mktemp("alljwks")
    jwks = [public_jwk(keys[a].key, kid=keys[a].kid, alg=a) for a in ALL_ALGS]
    return write_jwks(d / "all.json", *jwks)


@pytest.mark.parametrize("style", ["kid", "bare"])
@pytest.mark.parametrize("alg", ALL_ALGS)
def test_pyjwt_token_key_chosen_from_full_set(all_keys_jwks, pyjwt_mint, alg, style):
    """With a kid, that key; without, the only key whose kty/crv/alg fit.

    The set holds public keys and HMAC secrets alike: a secret published beside
    public keys is no secret, so HS* tokens are refused (key_mixed_set), while
    the same secrets in a set of their own verify (test_hmac_secrets_alone)."""
    payload = claims()
    token = pyjwt_mint(alg, payload, style=style)
    res = verify(token, all_keys_jwks, *ALL_ALGS)
    if alg in HMAC_ALGS:
        assert_refused(res, "key_mixed_set" if style == "kid" else "no_matching_key")
    else:
        assert_valid(res, payload)


@pytest.mark.parametrize("alg", HMAC_ALGS)
def test_hmac_secrets_alone(keys, pyjwt_mint, alg):
    """The HMAC secret in a key set without public keys verifies its tokens."""
    payload = claims()
    assert_valid(verify(pyjwt_mint(alg, payload), keys[alg].jwks["kid"], alg), payload)


def test_pyjwt_token_ambiguous_without_kid(keys, pyjwt_mint, tmp_path):
    """Two RSA keys without kid or alg, a token without kid: refused, not guessed."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = write_jwks(tmp_path / "two.json", public_jwk(keys["RS256"].key, use=None),
                      public_jwk(other, use=None))
    token = pyjwt_mint("RS256", claims(), style="bare")
    assert_refused(verify(token, jwks, "RS256"), "key_ambiguous")


# ---- tampered ----------------------------------------------------------------------

def _payload_changed(token):
    p = payload_of(token)
    p["sub"] = "auth0|someone-else"
    return with_payload(token, p)


def _payload_claim_added(token):
    p = payload_of(token)
    p["permissions"] = ["read:messages", "admin:everything"]
    return with_payload(token, p)


def _payload_exp_extended(token):
    p = payload_of(token)
    p["exp"] += 1
    return with_payload(token, p)


def _header_member_added(token):
    h = header_of(token)
    h["x-extra"] = "1"
    return with_header(token, h)


def _header_typ_changed(token):
    h = header_of(token)
    h["typ"] = "at+jwt"
    return with_header(token, h)


def _header_reencoded(token):
    # same members, other JSON spacing: other signing input
    return ".".join([b64u(json.dumps(header_of(token), indent=1))] + list(split(token)[1:]))


def _sig_first_bit(token):
    return with_signature(token, flip_bit(signature_of(token), 0, 0x40))


def _sig_middle_bit(token):
    return with_signature(token, flip_bit(signature_of(token)))


def _sig_last_bit(token):
    return with_signature(token, flip_bit(signature_of(token), -1, 0x80))


def _sig_truncated(token):
    return with_signature(token, signature_of(token)[:-1])


def _sig_extended(token):
    return with_signature(token, signature_of(token) + b"\x00")


def _sig_empty(token):
    h, p, _ = split(token)
    return h + "." + p + "."


def _sig_zero(token):
    return with_signature(token, bytes(len(signature_of(token))))


TAMPER = {
    "payload_changed": _payload_changed,
    "payload_claim_added": _payload_claim_added,
    "payload_exp_extended": _payload_exp_extended,
    "header_member_added": _header_member_added,
    "header_typ_changed": _header_typ_changed,
    "header_reencoded": _header_reencoded,
    "sig_first_bit": _sig_first_bit,
    "sig_middle_bit": _sig_middle_bit,
    "sig_last_bit": _sig_last_bit,
    "sig_truncated": _sig_truncated,
    "sig_extended": _sig_extended,
    "sig_empty": _sig_empty,
    "sig_zero": _sig_zero,
}

# What each tampering must be refused with. Signatures of the wrong size are
# signature_length for RSA (modulus size), ES* (raw r||s, exactly twice the
# coordinate size), EdDSA (64 bytes for Ed25519) and HS* (the MAC size);
# everything else is signature_invalid.
LENGTH_CHECKED = set(RSA_ALGS) | set(EC_ALGS) | set(HMAC_ALGS) | {"EdDSA"}


def expected_tamper_reason(alg, case):
    if case in ("sig_truncated", "sig_extended", "sig_empty") and alg in LENGTH_CHECKED:
        return "signature_length"
    return "signature_invalid"


@pytest.mark.parametrize("case", sorted(TAMPER))
@pytest.mark.parametrize("alg", ALL_ALGS)
def test_pyjwt_token_tampered(keys, pyjwt_mint, alg, case):
    token = pyjwt_mint(alg, claims())
    bad = TAMPER[case](token)
    assert bad != token
    assert_refused(verify(bad, keys[alg].jwks["kid"], alg), expected_tamper_reason(alg, case))


@pytest.mark.parametrize("alg", ALL_ALGS)
def test_pyjwt_signature_of_other_token(keys, pyjwt_mint, alg):
    """A genuine signature, but over another payload from the same key."""
    token = pyjwt_mint(alg, claims())
    other = pyjwt_mint(alg, claims(sub="auth0|other"))
    bad = with_signature(token, signature_of(other))
    assert_refused(verify(bad, keys[alg].jwks["kid"], alg), "signature_invalid")


@pytest.mark.parametrize("alg", ALL_ALGS)
def test_pyjwt_token_against_other_key_of_same_kind(keys, pyjwt_mint, alg, tmp_path):
    """The right kty/crv/alg and kid, but a different key: signature_invalid."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    key = keys[alg].key
    if alg in RSA_ALGS:
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg in EC_ALGS:
        other = ec.generate_private_key(key.curve)
    elif alg == "EdDSA":
        other = ed25519.Ed25519PrivateKey.generate()
    else:
        other = bytes(b ^ 0x5A for b in key)
    jwks = write_jwks(tmp_path / "other.json", public_jwk(other, kid=keys[alg].kid, alg=alg))
    token = pyjwt_mint(alg, claims())
    assert_refused(verify(token, jwks, alg), "signature_invalid")


# ---- alg allow-list -----------------------------------------------------------------

def _others(alg):
    """Another algorithm of the same family and one of another family."""
    family = next(f for f in (RSA_ALGS, EC_ALGS, HMAC_ALGS, ["EdDSA"]) if alg in f)
    same = [a for a in family if a != alg]
    cross = "HS256" if alg not in HMAC_ALGS else "RS256"
    return (same[:1] if same else []) + [cross]


@pytest.mark.parametrize("alg,allowed", [(a, o) for a in ALL_ALGS for o in _others(a)])
def test_pyjwt_token_alg_not_allowed(keys, pyjwt_mint, alg, allowed):
    token = pyjwt_mint(alg, claims())
    assert_refused(verify(token, keys[alg].jwks["kid"], allowed), "alg_not_allowed")


@pytest.mark.parametrize("alg", [a for a in ALL_ALGS if a != "RS256"])
def test_pyjwt_token_alg_default_is_rs256_only(keys, pyjwt_mint, alg):
    """Without --alg only RS256 is accepted."""
    token = pyjwt_mint(alg, claims())
    assert_refused(verify(token, keys[alg].jwks["kid"]), "alg_not_allowed")


def test_rs256_default_alg_accepts(keys, pyjwt_mint):
    payload = claims()
    assert_valid(verify(pyjwt_mint("RS256", payload), keys["RS256"].jwks["kid"]), payload)


# ---- header alg swapped / algorithm confusion -------------------------------------------

def _hs_with(secret, alg, header, payload):
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = (b64u(json.dumps(header, separators=(",", ":"))) + "." +
                     b64u(json.dumps(payload, separators=(",", ":"))))
    return signing_input + "." + b64u(hmac.new(secret, signing_input.encode(), digest).digest())


# (token alg, header alg written over it, JWKS style, --alg list, expected reason)
SWAPS = [
    ("RS256", "RS384", "bare", ["RS256", "RS384"], "signature_invalid"),
    ("RS256", "RS512", "bare", ["RS256", "RS512"], "signature_invalid"),
    ("RS256", "PS256", "bare", ["RS256", "PS256"], "signature_invalid"),
    ("PS256", "RS256", "bare", ["RS256", "PS256"], "signature_invalid"),
    ("PS384", "PS512", "bare", ["PS384", "PS512"], "signature_invalid"),
    # the JWK says alg RS256: a token claiming RS384 with that kid cannot use it
    ("RS256", "RS384", "kid", ["RS256", "RS384"], "key_alg_mismatch"),
    ("PS256", "RS256", "kid", ["RS256", "PS256"], "key_alg_mismatch"),
    # ES256 key (P-256) for an ES384 token: the curve does not fit
    ("ES256", "ES384", "kid", ["ES256", "ES384"], "key_alg_mismatch"),
    ("ES256", "ES384", "bare", ["ES256", "ES384"], "no_matching_key"),
    ("ES512", "ES256", "bare", ["ES256", "ES512"], "no_matching_key"),
    ("EdDSA", "ES256", "kid", ["ES256", "EdDSA"], "key_alg_mismatch"),
    ("HS256", "HS384", "kid", ["HS256", "HS384"], "key_alg_mismatch"),
    ("HS512", "HS256", "bare", ["HS256", "HS512"], "signature_length"),
    ("RS256", "HS256", "kid", ["RS256", "HS256"], "key_alg_mismatch"),
    ("RS256", "HS256", "bare", ["RS256", "HS256"], "no_matching_key"),
]


@pytest.mark.parametrize("alg,swapped,style,allowed,reason", SWAPS,
                         ids=["%s-as-%s-%s" % (s[0], s[1], s[2]) for s in SWAPS])
def test_pyjwt_token_header_alg_swapped(keys, pyjwt_mint, alg, swapped, style, allowed,
                                        reason):
    token = pyjwt_mint(alg, claims(), style=style)
    h = header_of(token)
    h["alg"] = swapped
    assert_refused(verify(with_header(token, h), keys[alg].jwks[style], *allowed), reason)


@pytest.mark.parametrize("form", ["pem", "der", "jwk"])
@pytest.mark.parametrize("style", ["kid", "bare"])
def test_hs256_keyed_with_rsa_public_key(keys, style, form):
    """The classic confusion: HMAC over the RSA public key, RS256 JWKS."""
    from cryptography.hazmat.primitives import serialization
    pub = keys["RS256"].key.public_key()
    secret = {
        "pem": lambda: pub.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo),
        "der": lambda: pub.public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk": lambda: json.dumps(public_jwk(keys["RS256"].key)).encode(),
    }[form]()
    header = {"alg": "HS256", "typ": "JWT"}
    if style == "kid":
        header["kid"] = keys["RS256"].kid
    token = _hs_with(secret, "HS256", header, claims())
    reason = "key_alg_mismatch" if style == "kid" else "no_matching_key"
    assert_refused(verify(token, keys["RS256"].jwks[style], "RS256", "HS256"), reason)


@pytest.mark.parametrize("none", ["none", "None", "NONE"])
def test_unsigned_token(keys, none):
    token = ".".join([b64u(json.dumps({"alg": none, "typ": "JWT"})), b64u(json.dumps(claims())),
                      ""])
    assert_refused(verify(token, keys["RS256"].jwks["kid"], *ALL_ALGS), "alg_none")


def test_kid_unknown(keys, pyjwt_mint):
    token = pyjwt_mint("ES256", claims(), headers={"kid": "no-such-kid"})
    assert_refused(verify(token, keys["ES256"].jwks["kid"], "ES256"), "kid_unknown")


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA", "HS256"])
def test_signature_only_skips_claims(keys, pyjwt_mint, alg):
    payload = claims(exp=NOW - 3600, aud="someone-else", iss="https://evil.example/")
    token = pyjwt_mint(alg, payload)
    res = verify(token, keys[alg].jwks["kid"], alg)
    assert_refused(res, "expired")
    assert_valid(verify(token, keys[alg].jwks["kid"], alg, extra=["--signature-only"]), payload)
    assert_refused(verify(_payload_changed(token), keys[alg].jwks["kid"], alg,
                          extra=["--signature-only"]), "signature_invalid")


@pytest.mark.parametrize("alg,size,style,reason", [
    ("HS256", 31, "kid", "key_too_small"),     # the kid names it: say why it is unusable
    ("HS256", 31, "bare", "no_matching_key"),  # no kid: simply no key fits
    ("HS384", 47, "kid", "key_too_small"),
    ("HS512", 63, "kid", "key_too_small"),
    ("HS512", 32, "kid", "key_too_small"),     # enough for HS256, not for HS512
])
def test_hmac_secret_shorter_than_hash(tmp_path, alg, size, style, reason):
    secret = b"z" * size
    kid = "short" if style == "kid" else None
    jwks = write_jwks(tmp_path / "short.json", public_jwk(secret, kid=kid, use=None))
    token = _hs_with(secret, alg, {"alg": alg, **({"kid": kid} if kid else {})}, claims())
    assert_refused(verify(token, jwks, alg), reason)
