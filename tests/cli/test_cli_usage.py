"""auth0-jwt as a command: decode, stdin, usage errors, --help, keygen files, mint options."""

import json
import os
import re
import stat

import jwt
import pytest

from ajcli import (AUD, ISS, REPO_TOP, assert_refused, assert_usage, assert_valid, b64u,
                   header_of, payload_of, run, split)

NOW = 1_700_000_000


@pytest.fixture(scope="module")
def kdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "keys"
    res = run("keygen", "--out", d, "--alg", "ES256", "--kid", "k1")
    assert res.rc == 0, res
    return d


@pytest.fixture(scope="module")
def token(kdir):
    res = run("mint", "--key", kdir / "private.pem", "--kid", "k1", "--iss", ISS, "--aud", AUD,
              "--scope", "read:messages")
    assert res.rc == 0, res
    return res.out.strip()


def test_keygen_prints_paths_with_one_slash(tmp_path):
    """`--out keys/` names the same folder as `--out keys`: the printed paths
    are ready to copy (keys/private.pem, not keys//private.pem)."""
    res = run("keygen", "--out", str(tmp_path / "k") + "//")
    assert res.rc == 0, res
    assert "private key %s/k/private.pem\n" % tmp_path in res.out, res.out
    assert "key set %s/k/jwks.json\n" % tmp_path in res.out, res.out
    assert "//" not in res.out, res.out


def jwk_of(kdir):
    with open(kdir / "jwks.json", encoding="utf-8") as f:
        return json.load(f)["keys"][0]


# ---- decode ----------------------------------------------------------------------

def test_decode_prints_unverified_header_and_payload(token):
    res = run("decode", token)
    assert res.rc == 0, res
    out = res.json()
    assert out["verified"] is False
    assert '"verified": false' in res.out
    assert out["header"] == header_of(token) == {"alg": "ES256", "typ": "at+jwt", "kid": "k1"}
    assert out["payload"] == payload_of(token)
    assert out["payload"]["scope"] == "read:messages"


def test_decode_from_stdin(token):
    res = run("decode", "-", stdin=token + "\n")
    assert res.rc == 0, res
    assert res.json()["payload"] == payload_of(token)


def test_decode_does_not_check_the_signature(token):
    h, p, s = split(token)
    bad = ".".join([h, b64u(json.dumps({"sub": "forged", "exp": 1})), s])
    res = run("decode", bad)
    assert res.rc == 0, res
    assert res.json() == {"verified": False, "header": header_of(token),
                          "payload": {"sub": "forged", "exp": 1}}


def test_decode_not_a_jws():
    res = run("decode", "not-a-token")
    assert res.rc == 1, res
    assert res.out == "" and "not a compact JWS" in res.err


# ---- verify from stdin -------------------------------------------------------------

def test_verify_token_from_stdin(kdir, token):
    res = run("verify", "--jwks", kdir / "jwks.json", "--alg", "ES256", "--aud", AUD, "--iss",
              ISS, "-", stdin=token + "\n")
    assert_valid(res, payload_of(token))


def test_verify_from_stdin_refusal(kdir, token):
    res = run("verify", "--jwks", kdir / "jwks.json", "--alg", "ES256", "--aud", "other", "-",
              stdin=token)
    assert_refused(res, "aud_mismatch")


def test_verify_empty_stdin(kdir):
    res = run("verify", "--jwks", kdir / "jwks.json", "--alg", "ES256", "-", stdin="")
    assert_refused(res, "segments")


# ---- usage errors: exit 2, a message on stderr, nothing on stdout ------------------

USAGE = [
    ("no_command", [], None),
    ("unknown_command", ["frobnicate"], "unknown command"),
    ("unknown_command_like_option", ["--verify"], "unknown command"),
    ("keygen_unknown_option", ["keygen", "--out", "{tmp}/k", "--bogus"], "unknown option"),
    ("keygen_no_out", ["keygen"], "--out"),
    ("keygen_extra_arg", ["keygen", "--out", "{tmp}/k", "extra"], "--out"),
    ("keygen_alg_hs256", ["keygen", "--out", "{tmp}/k", "--alg", "HS256"], "--alg"),
    ("keygen_alg_unknown", ["keygen", "--out", "{tmp}/k", "--alg", "RS1024"], "--alg"),
    ("keygen_out_unwritable", ["keygen", "--out", "/proc/no/such/dir"], None),
    ("mint_unknown_option", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--bogus"],
     "unknown option"),
    ("mint_no_iss", ["mint", "--key", "{key}", "--aud", AUD], "--iss"),
    ("mint_no_aud", ["mint", "--key", "{key}", "--iss", ISS], "--aud"),
    ("mint_no_key", ["mint", "--iss", ISS, "--aud", AUD], "--key"),
    ("mint_key_and_secret", ["mint", "--key", "{key}", "--secret-file", "{key}", "--iss", ISS,
                             "--aud", AUD], "--key"),
    ("mint_ttl_abc", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--ttl", "abc"],
     "--ttl"),
    ("mint_ttl_empty", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--ttl", ""],
     "--ttl"),
    ("mint_ttl_trailing", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--ttl", "60s"],
     "--ttl"),
    # out of range: strtol saturates (ERANGE) or now + ttl overflows a signed time_t
    ("mint_ttl_out_of_range", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--ttl",
                               "99999999999999999999"], "--ttl"),
    ("mint_ttl_overflows_exp", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--ttl",
                                "9223372036854775807"], "--ttl"),
    ("mint_claim_no_eq", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--claim",
                          "roles"], "--claim"),
    ("mint_claim_no_name", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--claim",
                            "=1"], "--claim"),
    ("mint_alg_unknown", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--alg", "X"],
     "--alg"),
    ("mint_hs_with_ec_key", ["mint", "--key", "{key}", "--iss", ISS, "--aud", AUD, "--alg",
                             "HS256"], "--alg"),
    ("mint_key_missing_file", ["mint", "--key", "{tmp}/nope.pem", "--iss", ISS, "--aud", AUD],
     "nope.pem"),
    ("mint_key_not_pem", ["mint", "--key", "{jwks}", "--iss", ISS, "--aud", AUD], None),
    ("mint_secret_missing_file", ["mint", "--secret-file", "{tmp}/nope", "--iss", ISS, "--aud",
                                  AUD], "nope"),
    ("verify_unknown_option", ["verify", "--jwks", "{jwks}", "--bogus", "{token}"],
     "unknown option"),
    ("verify_missing_jwks", ["verify", "{token}"], "--jwks"),
    ("verify_missing_token", ["verify", "--jwks", "{jwks}"], "TOKEN"),
    ("verify_two_tokens", ["verify", "--jwks", "{jwks}", "{token}", "{token}"], "TOKEN"),
    ("verify_unknown_alg", ["verify", "--jwks", "{jwks}", "--alg", "XS256", "{token}"],
     "--alg"),
    ("verify_alg_none", ["verify", "--jwks", "{jwks}", "--alg", "none", "{token}"], "--alg"),
    ("verify_alg_lowercase", ["verify", "--jwks", "{jwks}", "--alg", "rs256", "{token}"],
     "--alg"),
    ("verify_now_abc", ["verify", "--jwks", "{jwks}", "--now", "abc", "{token}"], "--now"),
    ("verify_skew_negative", ["verify", "--jwks", "{jwks}", "--skew", "-1", "{token}"],
     "--skew"),
    ("verify_skew_beyond_int", ["verify", "--jwks", "{jwks}", "--alg", "ES256", "--skew",
                                "4294967301", "{token}"],
     "--skew"),
    ("verify_skew_abc", ["verify", "--jwks", "{jwks}", "--skew", "abc", "{token}"], "--skew"),
    ("verify_jwks_missing_file", ["verify", "--jwks", "{tmp}/none.json", "{token}"],
     "none.json"),
    ("verify_jwks_not_json", ["verify", "--jwks", "{key}", "{token}"], None),
    ("verify_jwks_no_keys", ["verify", "--jwks", "{tmp}/nokeys.json", "{token}"], "keys"),
    ("decode_missing_token", ["decode"], "TOKEN"),
    ("decode_two_tokens", ["decode", "{token}", "{token}"], "TOKEN"),
    ("decode_unknown_option", ["decode", "--bogus"], None),
]


@pytest.mark.parametrize("args,fragment", [u[1:] for u in USAGE], ids=[u[0] for u in USAGE])
def test_usage_error_exit_2(kdir, token, tmp_path, args, fragment):
    (tmp_path / "nokeys.json").write_text('{"kids": []}')
    subst = {"tmp": str(tmp_path), "key": str(kdir / "private.pem"),
             "jwks": str(kdir / "jwks.json"), "token": token}
    res = run(*[a.format(**subst) for a in args])
    assert_usage(res, fragment)


@pytest.mark.parametrize("cmd", ["keygen", "mint", "verify", "decode"])
def test_help_per_command(cmd):
    res = run(cmd, "--help")
    assert res.rc == 0, res
    assert res.out.startswith("usage: auth0-jwt %s" % cmd), res
    assert res.err == ""


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_top_level(flag):
    res = run(flag)
    assert res.rc == 0, res
    for cmd in ("keygen", "mint", "verify", "decode"):
        assert cmd in res.out


def test_version_is_ac_init_version():
    """`auth0-jwt --version` prints configure.ac's AC_INIT version, which the
    Debian package's version must equal (scripts/package-test.sh checks that)."""
    with open(os.path.join(REPO_TOP, "configure.ac")) as f:
        version = re.search(r"^AC_INIT\(\[[^]]*\], *\[([^]]*)\]", f.read(), re.M).group(1)
    res = run("--version")
    assert res.rc == 0 and res.err == "", res
    assert res.out == "auth0-jwt (mod_auth0_jwt) %s\n" % version, res


def test_verify_help_even_with_other_options(kdir):
    res = run("verify", "--jwks", kdir / "jwks.json", "--help")
    assert res.rc == 0 and res.out.startswith("usage: auth0-jwt verify"), res


# ---- keygen -------------------------------------------------------------------------

@pytest.mark.parametrize("alg,kty", [("RS256", "RSA"), ("ES256", "EC"), ("EdDSA", "OKP")])
def test_keygen_files(tmp_path, alg, kty):
    out = tmp_path / "new"
    res = run("keygen", "--out", out, "--alg", alg, "--kid", "my-kid")
    assert res.rc == 0, res
    assert "my-kid" in res.out
    pem = out / "private.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    assert pem.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    jwks = json.loads((out / "jwks.json").read_text())
    assert [k["kid"] for k in jwks["keys"]] == ["my-kid"]
    assert jwks["keys"][0]["kty"] == kty and jwks["keys"][0]["alg"] == alg
    # the PEM is a key cryptography reads, and its public half is the JWKS key
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    priv = load_pem_private_key(pem.read_bytes(), password=None)
    assert jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        *_spki()) == priv.public_key().public_bytes(*_spki())


def _spki():
    from cryptography.hazmat.primitives import serialization
    return (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_keygen_default_is_rs256(tmp_path):
    res = run("keygen", "--out", tmp_path / "d")
    assert res.rc == 0, res
    jwk = json.loads((tmp_path / "d" / "jwks.json").read_text())["keys"][0]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256"


def test_keygen_overwrites_with_mode_0600(tmp_path):
    out = tmp_path / "again"
    out.mkdir()
    pem = out / "private.pem"
    pem.write_text("old")
    os.chmod(pem, 0o644)
    res = run("keygen", "--out", out, "--alg", "EdDSA")
    assert res.rc == 0, res
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    assert pem.read_text() != "old"


def test_keygen_mode_0600_despite_permissive_umask(tmp_path):
    import subprocess
    from ajcli import cli_path
    out = tmp_path / "umask"
    proc = subprocess.run(["/bin/sh", "-c", 'umask 000 && exec "$0" keygen --out "$1" --alg ES256',
                           cli_path(), str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(out / "private.pem").st_mode) == 0o600


# ---- mint ----------------------------------------------------------------------------

def mint(kdir, *extra):
    res = run("mint", "--key", kdir / "private.pem", "--iss", ISS, "--aud", AUD, *extra)
    assert res.rc == 0, res
    return res.out.strip()


def test_mint_custom_claims(kdir):
    token = mint(kdir, "--claim", 'https://example.com/roles=["admin"]',
                 "--claim", "https://example.com/email=\"a@example.com\"",
                 "--claim", "org_id=org_123", "--claim", "tier=3", "--claim", "beta=true",
                 "--claim", 'meta={"a":[1,{"b":null}]}', "--claim", "empty=")
    p = payload_of(token)
    assert p["https://example.com/roles"] == ["admin"]
    assert p["https://example.com/email"] == "a@example.com"
    assert p["org_id"] == "org_123"          # a bare word is a string
    assert p["tier"] == 3 and p["beta"] is True
    assert p["meta"] == {"a": [1, {"b": None}]}
    assert p["empty"] == ""
    # and they survive verification unchanged
    got = assert_valid(run("verify", "--jwks", kdir / "jwks.json", "--alg", "ES256",
                           "--aud", AUD, "--iss", ISS, token), p)
    assert got["https://example.com/roles"] == ["admin"]


def test_mint_claim_value_with_equals(kdir):
    p = payload_of(mint(kdir, "--claim", "q=a=b"))
    assert p["q"] == "a=b"


def test_mint_claim_overrides_standard_claims(kdir):
    p = payload_of(mint(kdir, "--claim", "sub=auth0|override", "--claim", 'aud=["x","y"]',
                        "--claim", "exp=1"))
    assert p["sub"] == "auth0|override" and p["aud"] == ["x", "y"] and p["exp"] == 1


def test_mint_permissions_array_and_scope_string(kdir):
    p = payload_of(mint(kdir, "--permissions", "read:messages  write:messages",
                        "--scope", "openid read:messages"))
    assert p["permissions"] == ["read:messages", "write:messages"]
    assert p["scope"] == "openid read:messages"


def test_mint_defaults(kdir):
    token = mint(kdir)
    p = payload_of(token)
    assert set(p) == {"iss", "sub", "aud", "iat", "exp"}
    assert p["iss"] == ISS and p["aud"] == AUD and p["exp"] - p["iat"] == 3600
    assert "permissions" not in p and "scope" not in p
    assert header_of(token) == {"alg": "ES256", "typ": "at+jwt"}


def test_mint_ttl_and_typ_and_sub(kdir):
    token = mint(kdir, "--ttl", "60", "--typ", "JWT", "--sub", "auth0|x")
    p = payload_of(token)
    assert p["exp"] - p["iat"] == 60 and p["sub"] == "auth0|x"
    assert header_of(token)["typ"] == "JWT"


def test_mint_negative_ttl_gives_an_expired_token(kdir):
    token = mint(kdir, "--ttl", "-60")
    assert_refused(run("verify", "--jwks", kdir / "jwks.json", "--alg", "ES256", token),
                   "expired")


# mint must not label a signature with an algorithm its key cannot make: the token
# would carry alg X over a signature of another kind.
MISFIT = [
    ("ES256", "RS256"),     # P-256 key, RSA algorithm
    ("ES256", "ES512"),     # P-256 key, P-521 algorithm
    ("ES256", "EdDSA"),
    ("RS256", "EdDSA"),     # RSA key, Ed25519 algorithm
    ("RS256", "ES256"),
    ("EdDSA", "RS256"),
]


@pytest.mark.parametrize("keyalg,alg", MISFIT, ids=["%s-key-as-%s" % m for m in MISFIT])
def test_mint_refuses_alg_that_does_not_fit_the_key(tmp_path, keyalg, alg):
    d = tmp_path / "k"
    assert run("keygen", "--out", d, "--alg", keyalg).rc == 0
    res = run("mint", "--key", d / "private.pem", "--alg", alg, "--iss", ISS, "--aud", AUD)
    assert_usage(res)  # exit 2, a message, and no token on stdout
