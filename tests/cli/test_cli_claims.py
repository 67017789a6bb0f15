"""Claim rules (docs/validation.md section 7) at a fixed clock (--now) and leeway (--skew), with tokens
minted by PyJWT so the claims are exactly what each case says."""

import pytest

from ajcli import AUD, ISS, assert_refused, assert_valid, run

NOW = 1_700_000_000
ALG = "ES256"  # any algorithm does; the claims are what is under test


def base(**changes):
    payload = {"iss": ISS, "aud": AUD, "sub": "auth0|claims", "iat": NOW - 60, "exp": NOW + 60}
    for name, value in changes.items():
        if value is DROP:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload


DROP = object()

# (id, payload changes, --skew or None for the default 5, expected reason or None)
CASES = [
    # exp: now < exp + skew
    ("exp_future", dict(exp=NOW + 1), "0", None),
    ("exp_now_no_skew", dict(exp=NOW), "0", "expired"),
    ("exp_past_no_skew", dict(exp=NOW - 1), "0", "expired"),
    ("exp_fraction_inside", dict(exp=NOW + 0.5), "0", None),
    ("exp_fraction_outside", dict(exp=NOW - 0.5), "0", "expired"),
    ("exp_inside_default_skew", dict(exp=NOW - 4), None, None),
    ("exp_at_default_skew", dict(exp=NOW - 5), None, "expired"),
    ("exp_inside_skew_30", dict(exp=NOW - 29), "30", None),
    ("exp_at_skew_30", dict(exp=NOW - 30), "30", "expired"),
    ("exp_outside_skew_30", dict(exp=NOW - 31), "30", "expired"),
    ("exp_missing", dict(exp=DROP), None, "exp_missing"),
    ("exp_missing_even_with_skew", dict(exp=DROP), "3600", "exp_missing"),
    ("exp_string", dict(exp=str(NOW + 60)), None, "exp_invalid"),
    ("exp_bool", dict(exp=True), None, "exp_invalid"),
    ("exp_null", dict(exp=None), None, "exp_invalid"),
    ("exp_array", dict(exp=[NOW + 60]), None, "exp_invalid"),
    ("exp_negative", dict(exp=-1), None, "exp_invalid"),
    ("exp_huge", dict(exp=1e300), None, "exp_invalid"),
    ("exp_year_9999", dict(exp=253402300799), None, None),
    # nbf: now >= nbf - skew
    ("nbf_past", dict(nbf=NOW - 1), "0", None),
    ("nbf_now", dict(nbf=NOW), "0", None),
    ("nbf_future_no_skew", dict(nbf=NOW + 1), "0", "not_yet_valid"),
    ("nbf_at_default_skew", dict(nbf=NOW + 5), None, None),
    ("nbf_outside_default_skew", dict(nbf=NOW + 6), None, "not_yet_valid"),
    ("nbf_at_skew_30", dict(nbf=NOW + 30), "30", None),
    ("nbf_outside_skew_30", dict(nbf=NOW + 31), "30", "not_yet_valid"),
    ("nbf_string", dict(nbf="soon"), None, "nbf_invalid"),
    ("nbf_negative", dict(nbf=-5), None, "nbf_invalid"),
    # iat: not later than now + skew
    ("iat_now", dict(iat=NOW), "0", None),
    ("iat_future_no_skew", dict(iat=NOW + 1), "0", "iat_future"),
    ("iat_at_default_skew", dict(iat=NOW + 5), None, None),
    ("iat_outside_default_skew", dict(iat=NOW + 6), None, "iat_future"),
    ("iat_at_skew_30", dict(iat=NOW + 30), "30", None),
    ("iat_outside_skew_30", dict(iat=NOW + 31), "30", "iat_future"),
    ("iat_missing_is_fine", dict(iat=DROP), None, None),
    ("iat_string", dict(iat="now"), None, "iat_invalid"),
    ("iat_bool", dict(iat=False), None, "iat_invalid"),
    # expiry is judged first
    ("expired_and_nbf_future", dict(exp=NOW - 100, nbf=NOW + 100), None, "expired"),
    ("expired_and_wrong_aud", dict(exp=NOW - 100, aud="x"), None, "expired"),
    # iss: exact
    ("iss_missing", dict(iss=DROP), None, "iss_missing"),
    ("iss_no_trailing_slash", dict(iss=ISS.rstrip("/")), None, "iss_mismatch"),
    ("iss_other_case", dict(iss=ISS.upper()), None, "iss_mismatch"),
    ("iss_number", dict(iss=1), None, "iss_mismatch"),
    ("iss_array", dict(iss=[ISS]), None, "iss_mismatch"),
    # aud: string or array of strings holding the audience
    ("aud_array_holding", dict(aud=["https://tenant.example.auth0.com/userinfo", AUD]), None,
     None),
    ("aud_array_without", dict(aud=["a", "b"]), None, "aud_mismatch"),
    ("aud_other", dict(aud="https://api.example.com/"), None, "aud_mismatch"),
    ("aud_missing", dict(aud=DROP), None, "aud_missing"),
    ("aud_empty_array", dict(aud=[]), None, "aud_invalid"),
    ("aud_number", dict(aud=42), None, "aud_invalid"),
    ("aud_array_with_number", dict(aud=[AUD, 42]), None, "aud_invalid"),
    ("aud_object", dict(aud={"aud": AUD}), None, "aud_invalid"),
]


@pytest.mark.parametrize("changes,skew,reason", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_claims(keys, pyjwt_mint, changes, skew, reason):
    payload = base(**changes)
    token = pyjwt_mint(ALG, payload)
    args = ["verify", "--jwks", keys[ALG].jwks["kid"], "--alg", ALG, "--aud", AUD, "--iss", ISS,
            "--now", NOW]
    if skew is not None:
        args += ["--skew", skew]
    res = run(*args, token)
    if reason is None:
        assert_valid(res, payload)
    else:
        assert_refused(res, reason)


@pytest.mark.parametrize("now,reason", [
    (str(NOW), None),
    ("%d.25" % (NOW + 64), None),       # fractional clock: 64.25 < 60 + 5
    ("%d.0" % (NOW + 65), "expired"),
])
def test_now_accepts_fractional_seconds(keys, pyjwt_mint, now, reason):
    payload = base()
    token = pyjwt_mint(ALG, payload)
    res = run("verify", "--jwks", keys[ALG].jwks["kid"], "--alg", ALG, "--now", now, token)
    if reason is None:
        assert_valid(res, payload)
    else:
        assert_refused(res, reason)


def test_several_audiences_configured(keys, pyjwt_mint):
    payload = base(aud=["https://other.example.com", "https://second.example.com"])
    token = pyjwt_mint(ALG, payload)
    args = ["verify", "--jwks", keys[ALG].jwks["kid"], "--alg", ALG, "--now", NOW]
    assert_refused(run(*args, "--aud", AUD, token), "aud_mismatch")
    assert_valid(run(*args, "--aud", AUD, "--aud", "https://second.example.com", token), payload)


def test_iss_and_aud_not_checked_when_not_given(keys, pyjwt_mint):
    """The CLI checks only what it is asked to: without --aud/--iss, times only."""
    payload = base(iss=DROP, aud=DROP)
    token = pyjwt_mint(ALG, payload)
    assert_valid(run("verify", "--jwks", keys[ALG].jwks["kid"], "--alg", ALG, "--now", NOW,
                     token), payload)
    # ...but exp stays mandatory
    token = pyjwt_mint(ALG, base(exp=DROP))
    assert_refused(run("verify", "--jwks", keys[ALG].jwks["kid"], "--alg", ALG, "--now", NOW,
                       token), "exp_missing")


def test_exp_missing_refused_even_with_signature_valid_everywhere(keys, pyjwt_mint):
    for alg in ("RS256", "EdDSA", "HS256"):
        token = pyjwt_mint(alg, base(exp=DROP))
        assert_refused(run("verify", "--jwks", keys[alg].jwks["kid"], "--alg", alg, "--aud", AUD,
                           "--iss", ISS, "--now", NOW, token), "exp_missing")
