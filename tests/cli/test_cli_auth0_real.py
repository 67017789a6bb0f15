"""The real Auth0 token and its tenant's JWKS (tests/fixtures/auth0-real)."""

import json
import os
import time

import pytest

from ajcli import (assert_refused, assert_valid, fixture_dir, flip_bit, header_of, payload_of,
                   run, signature_of, split, with_header, with_payload, with_signature)

FIXTURE = fixture_dir("auth0-real")
ISS = "https://dev-1zzve41p1cec7x1j.us.auth0.com/"
AUD = "ZHTZrfntfPjYZDJiIMB1keb0HHA9AKEv"
IAT = 1781724897
EXP = 1781725017
NOW = 1781724900  # between iat and exp

@pytest.fixture(scope="module")
def token():
    with open(os.path.join(FIXTURE, "token.jwt"), encoding="ascii") as f:
        return f.read().strip()


@pytest.fixture(scope="module")
def jwks():
    return os.path.join(FIXTURE, "jwks.json")


def verify(token, jwks, *extra, stdin=None):
    return run("verify", "--jwks", jwks, *extra, token, stdin=stdin)


def test_fixture_is_what_readme_says(token):
    assert header_of(token) == {"alg": "RS256", "typ": "JWT", "kid": "MJEenCzYAP_m5TgvpAPya"}
    p = payload_of(token)
    assert (p["iss"], p["aud"], p["iat"], p["exp"]) == (ISS, AUD, IAT, EXP)


def test_real_token_valid_at_fixed_clock(token, jwks):
    res = verify(token, jwks, "--now", NOW, "--aud", AUD, "--iss", ISS)
    assert_valid(res, payload_of(token))
    # printed as the signed payload, in order
    assert list(json.loads(res.out)) == list(payload_of(token))


def test_real_token_valid_with_rs256_explicit_and_from_stdin(token, jwks):
    res = verify("-", jwks, "--alg", "RS256", "--now", NOW, "--aud", AUD, "--iss", ISS,
                 stdin=token + "\n")
    assert_valid(res, payload_of(token))


def test_real_token_signature_only_today(token, jwks):
    assert_valid(verify(token, jwks, "--signature-only"), payload_of(token))


def test_real_token_expired_today(token, jwks):
    assert time.time() > EXP + 5, "the fixture should be expired by now"
    assert_refused(verify(token, jwks, "--aud", AUD, "--iss", ISS), "expired")


@pytest.mark.parametrize("now,skew,reason", [
    (IAT, None, None),
    (IAT - 5, None, None),              # iat within the default 5 s skew
    (IAT - 6, None, "iat_future"),
    (IAT - 1, "0", "iat_future"),
    (EXP - 1, "0", None),
    (EXP, "0", "expired"),
    (EXP + 4, None, None),              # within the default skew
    (EXP + 5, None, "expired"),
    (EXP + 59, "60", None),
    (EXP + 60, "60", "expired"),
])
def test_real_token_clock_edges(token, jwks, now, skew, reason):
    extra = ["--now", now, "--aud", AUD, "--iss", ISS] + (["--skew", skew] if skew else [])
    res = verify(token, jwks, *extra)
    if reason is None:
        assert_valid(res, payload_of(token))
    else:
        assert_refused(res, reason)


@pytest.mark.parametrize("extra,reason", [
    (["--aud", "other"], "aud_mismatch"),
    (["--aud", AUD.lower()], "aud_mismatch"),
    (["--aud", "other", "--aud", AUD], None),       # any one configured audience
    (["--iss", ISS.rstrip("/")], "iss_mismatch"),   # the classic missing trailing slash
    (["--iss", ISS.upper()], "iss_mismatch"),
    (["--iss", ISS + "/"], "iss_mismatch"),
    (["--iss", "http://dev-1zzve41p1cec7x1j.us.auth0.com/"], "iss_mismatch"),
    (["--alg", "RS384"], "alg_not_allowed"),
    (["--alg", "PS256", "--alg", "ES256"], "alg_not_allowed"),
])
def test_real_token_policy(token, jwks, extra, reason):
    base = {"--aud": AUD, "--iss": ISS}
    args = ["--now", NOW] + list(extra)
    for opt, val in base.items():
        if opt not in extra:
            args += [opt, val]
    res = verify(token, jwks, *args)
    if reason is None:
        assert_valid(res, payload_of(token))
    else:
        assert_refused(res, reason)


def _payload_edit(token, **changes):
    p = payload_of(token)
    p.update(changes)
    return with_payload(token, p)


def _header_edit(token, **changes):
    h = header_of(token)
    h.update(changes)
    return with_header(token, h)


TAMPERED = {
    "payload_aud": (lambda t: _payload_edit(t, aud="https://api.example.com"), "signature_invalid"),
    "payload_exp": (lambda t: _payload_edit(t, exp=EXP + 86400), "signature_invalid"),
    "payload_sub": (lambda t: _payload_edit(t, sub="auth0|admin"), "signature_invalid"),
    "header_typ": (lambda t: _header_edit(t, typ="at+jwt"), "signature_invalid"),
    "header_kid_other_real_key": (None, "signature_invalid"),
    "header_kid_unknown": (lambda t: _header_edit(t, kid="nope"), "kid_unknown"),
    "header_alg_rs512": (lambda t: _header_edit(t, alg="RS512"), "alg_not_allowed"),
    "sig_bit": (lambda t: with_signature(t, flip_bit(signature_of(t))), "signature_invalid"),
    "sig_last_byte": (lambda t: with_signature(t, flip_bit(signature_of(t), -1, 0xff)),
                      "signature_invalid"),
    "sig_short": (lambda t: with_signature(t, signature_of(t)[1:]), "signature_length"),
    "jku_added": (lambda t: _header_edit(t, jku="https://evil.example/jwks.json"),
                  "signature_invalid"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_real_token_tampered(token, jwks, case):
    edit, reason = TAMPERED[case]
    if edit is None:  # point the kid at the tenant's other key
        with open(jwks, encoding="utf-8") as f:
            kids = [k["kid"] for k in json.load(f)["keys"]]
        other = next(k for k in kids if k != header_of(token)["kid"])
        edit = lambda t: _header_edit(t, kid=other)  # noqa: E731
    bad = edit(token)
    assert bad != token
    assert_refused(verify(bad, jwks, "--now", NOW, "--aud", AUD, "--iss", ISS), reason)


def _b64_chars():
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize("segment", [0, 1, 2])
def test_real_token_every_character_change_refused(token, jwks, segment):
    """Changing any one character of a segment never gives a valid token.

    Checked with --signature-only (the signature covers every byte) on a sample
    of positions; the reason is one of the refusals, never ok."""
    parts = list(split(token))
    seg = parts[segment]
    positions = sorted(set(range(0, len(seg), max(1, len(seg) // 25))) | {len(seg) - 1})
    for i in positions:
        c = seg[i]
        repl = _b64_chars()[(_b64_chars().index(c) + 1) % 64]
        bad_parts = list(parts)
        bad_parts[segment] = seg[:i] + repl + seg[i + 1:]
        res = verify(".".join(bad_parts), jwks, "--signature-only")
        assert res.rc == 1 and res.reason is not None, (i, res)
        assert res.reason not in ("ok", "unknown"), (i, res)


def test_real_jwks_x5c_members_ignored_and_both_keys_loaded(jwks, token):
    """No 'skipped key' warnings: both tenant keys parse."""
    res = verify(token, jwks, "--now", NOW)
    assert res.rc == 0 and res.err == "", res
