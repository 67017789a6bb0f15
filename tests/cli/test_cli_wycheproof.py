"""Wycheproof's JWS and JWK vectors (tests/vectors/wycheproof/, C2SP/wycheproof,
Apache-2.0) through `auth0-jwt verify --signature-only`.

Each vector is a compact JWS, a key (a JWK or a key set, public when Wycheproof
gives one, else private) and the verdict it expects: "valid" must exit 0 and
print the payload exactly as signed (often not JSON: the signature is all that is
checked), "invalid" must exit 1 with a reason, "acceptable" may do either but
never anything else. All thirteen algorithms are allowed, so that only the key
(its kty, crv, alg, use, key_ops, size) and the signature decide: an alg/key
confusion vector must be refused by key fitness, not by the allow-list.
"""

import base64
import json
import os
import subprocess

import pytest

from ajcli import ALL_ALGS, REPO_TOP, cli_path

VECTORS = os.path.join(REPO_TOP, "tests", "vectors", "wycheproof")

# Where our verdict differs from the vector's, by a rule we keep on purpose or
# because the vector contradicts another one. Each entry is asserted exactly:
# the exit status and the reason the tool must give, plus the check that
# justifies it. Nothing else may differ.
DEPARTURES = {
    # RFC 7520's keys as Wycheproof publishes them carry an "alg" (PS256,
    # "ES521") that is not the token's (PS384, ES512). docs/validation.md, key
    # choice: a key whose JWK alg differs from the token's never verifies it
    # (RFC 8725 3.1: one key, one algorithm).
    ("json_web_signature", 346): ("key_alg_mismatch", "key alg PS256, token PS384"),
    ("json_web_signature", 347): ("key_alg_mismatch", "key alg ES521, token ES512"),
    ("json_web_signature", 350): ("key_alg_mismatch", "key alg PS256, token PS384"),
    ("json_web_signature", 351): ("key_alg_mismatch", "key alg ES521, token ES512"),
    # "invalidBase64Padding" vectors that lost their padding: byte for byte the
    # valid tcId 357, which must be (and is) accepted.
    ("json_web_signature", 367): (None, "the same JWS as tcId 357"),
    ("json_web_signature", 370): (None, "the same JWS as tcId 357"),
    # "InvalidCharacterInserted...": a '?' inside a segment, marked valid. A
    # '?' is not base64url; strict decoding refuses it.
    ("json_web_signature", 372): ("base64", "'?' in the header segment"),
    ("json_web_signature", 373): ("base64", "'?' in the payload segment"),
}
JWS_357 = ("eyJraWQiOiJoczI1Ni1rZXkiLCJhbGciOiJIUzI1NiJ9.VGVzdA."
           "c1LROH7eNQwUT8KMVEO52VC3WZ9e_AnDWbZ7aMmowV8")
FILES = ("json_web_signature_test.json", "json_web_key_test.json")


def _vectors():
    out = []
    for name in FILES:
        with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
            doc = json.load(f)
        count = 0
        for group in doc["testGroups"]:
            key = group.get("public") or group["private"]
            jwks = key if "keys" in key else {"keys": [key]}
            for t in group["tests"]:
                count += 1
                kind = name.split("_test")[0]
                out.append(pytest.param(kind, jwks, t, id="%s-%d-%s" % (
                    kind, t["tcId"], t["comment"])))
        # the file is read whole: every vector it announces becomes a case
        assert count == doc["numberOfTests"], name
    return out


def _b64u_decode(seg):
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def _reason(stderr):
    """The reason code of the tool's last line, 'invalid: CODE: text'."""
    last = stderr.decode("utf-8", "replace").rstrip("\n").split("\n")[-1]
    return last.split(":")[1].strip() if last.startswith("invalid: ") else None


@pytest.mark.parametrize("kind,jwks,vector", _vectors())
def test_wycheproof_vector(tmp_path, kind, jwks, vector):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks), encoding="utf-8")
    args = [cli_path(), "verify", "--jwks", str(path), "--signature-only"]
    for alg in ALL_ALGS:
        args += ["--alg", alg]
    proc = subprocess.run(args + [vector["jws"]], capture_output=True, timeout=60, check=False)
    what = "tcId %d (%s, flags %s, expects %s): exit %d, stderr %r" % (
        vector["tcId"], vector["comment"], vector["flags"], vector["result"], proc.returncode,
        proc.stderr.decode("utf-8", "replace")[-400:])
    assert proc.returncode in (0, 1), what
    departure = DEPARTURES.get((kind, vector["tcId"]))
    if departure is not None:
        reason, why = departure
        if reason is None:
            assert vector["jws"] == JWS_357 and proc.returncode == 0, (why, what)
        else:
            assert proc.returncode == 1 and _reason(proc.stderr) == reason, (why, what)
        return
    if vector["result"] == "valid":
        assert proc.returncode == 0, what
        assert proc.stdout == _b64u_decode(vector["jws"].split(".")[1]), what
    elif vector["result"] == "invalid":
        assert proc.returncode == 1, what
        assert proc.stdout == b"" and _reason(proc.stderr), what
