#!/usr/bin/env python3
"""make-corpus.py: (re)write the seed corpora of tests/fuzz/corpus/TARGET/.

    python3 tests/fuzz/make-corpus.py [--cli ./auth0-jwt]

Tokens are minted with the project's own CLI (`auth0-jwt mint`) from the
fixed fuzzing keys in tests/fuzz/keys/, with fixed iat/exp around the fuzzers'
clock (1781724900), so they verify in fuzz_token. ES256 and PS* signatures are
randomized, so those seeds change on every run; everything else is stable.
Needs openssl(1) for the extra JWKS seeds (P-384, P-521, Ed448, RSA-1024).
Only the standard library; no network.
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
KEYS = os.path.join(HERE, "keys")
REAL = os.path.join(TOP, "tests", "fixtures", "auth0-real")
CORPUS = os.path.join(HERE, "corpus")

NOW = 1781724900
ISS = "https://dev-1zzve41p1cec7x1j.us.auth0.com/"
AUD1 = "ZHTZrfntfPjYZDJiIMB1keb0HHA9AKEv"
AUD2 = "https://api.fuzz.example/"
ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
        "EdDSA", "HS256", "HS384", "HS512"]


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def key_for(alg):
    if alg.startswith(("RS", "PS")):
        return ["--key", os.path.join(KEYS, "rsa.pem")], "fz-rsa"
    if alg.startswith("ES"):
        return ["--key", os.path.join(KEYS, "ec.pem")], "fz-ec"
    if alg == "EdDSA":
        return ["--key", os.path.join(KEYS, "ed25519.pem")], "fz-ed25519"
    return ["--secret-file", os.path.join(KEYS, "hs.secret")], "fz-hs"


def mint(cli, alg, kid="default", claims=(), typ=None, aud=AUD1, iss=ISS, scope=None,
         permissions=None):
    keyargs, default_kid = key_for(alg)
    args = [cli, "mint"] + keyargs + ["--alg", alg, "--iss", iss, "--aud", aud,
                                      "--claim", "iat=%d" % (NOW - 100),
                                      "--claim", "exp=%d" % (NOW + 3600)]
    kid = default_kid if kid == "default" else kid
    if kid is not None:
        args += ["--kid", kid]
    if typ is not None:
        args += ["--typ", typ]
    if scope is not None:
        args += ["--scope", scope]
    if permissions is not None:
        args += ["--permissions", permissions]
    for c in claims:
        args += ["--claim", c]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def unsigned(header, payload, sig=b""):
    return "%s.%s.%s" % (b64u(header), b64u(payload), b64u(sig))


def token_seeds(cli):
    real = open(os.path.join(REAL, "token.jwt")).read().strip()
    raw = {}  # name -> token text
    for alg in ALGS:
        if alg in ("ES384", "ES512"):
            continue  # no key of those curves in the fixed set
        raw["valid-" + alg] = mint(cli, alg, scope="read:messages write:messages",
                                   permissions="read:messages")
    raw["valid-at-jwt-aud2-array"] = mint(cli, "RS256", claims=['aud=["%s","other"]' % AUD2])
    raw["valid-typ-jwt"] = mint(cli, "ES256", typ="JWT")
    raw["valid-typ-application"] = mint(cli, "EdDSA", typ="application/at+JWT")
    raw["valid-ps256-no-kid"] = mint(cli, "PS256", kid=None)
    raw["valid-roles"] = mint(cli, "HS256", claims=['https://fuzz.example/roles=["admin","x"]',
                                                    "sub=42"])
    raw["ambiguous-rs256-no-kid"] = mint(cli, "RS256", kid=None)
    raw["kid-unknown"] = mint(cli, "RS256", kid="nope")
    raw["kid-wrong-type"] = mint(cli, "ES256", kid="fz-rsa")
    raw["expired"] = mint(cli, "RS256", claims=["exp=%d" % (NOW - 60)])
    raw["exp-missing"] = mint(cli, "HS256", claims=["exp=null"])
    raw["exp-string"] = mint(cli, "HS256", claims=['exp="soon"'])
    raw["exp-float"] = mint(cli, "HS256", claims=["exp=1781728400.5"])
    raw["exp-huge"] = mint(cli, "HS256", claims=["exp=1e400"])
    raw["nbf-future"] = mint(cli, "EdDSA", claims=["nbf=%d" % (NOW + 600)])
    raw["iat-future"] = mint(cli, "EdDSA", claims=["iat=%d" % (NOW + 600)])
    raw["aud-mismatch"] = mint(cli, "RS256", aud="someone-else")
    raw["aud-empty-array"] = mint(cli, "RS256", claims=["aud=[]"])
    raw["aud-number"] = mint(cli, "RS256", claims=["aud=[1]"])
    raw["iss-mismatch"] = mint(cli, "ES256", iss="https://evil.example/")
    raw["typ-bad"] = mint(cli, "ES256", typ="JOSE")
    raw["auth0-real"] = real
    t = list(real)
    t[len(t) // 2] = "A" if t[len(t) // 2] != "A" else "B"
    raw["auth0-real-tampered"] = "".join(t)
    hdr_rs = '{"alg":"RS256","typ":"JWT","kid":"fz-rsa"}'
    pl = '{"iss":"%s","aud":"%s","exp":%d}' % (ISS, AUD1, NOW + 60)
    raw["alg-none"] = unsigned('{"alg":"none"}', pl)
    raw["alg-None"] = unsigned('{"alg":"None","typ":"JWT"}', pl)
    raw["alg-missing"] = unsigned('{"typ":"JWT"}', pl, b"x")
    raw["alg-unknown"] = unsigned('{"alg":"HS1024"}', pl, b"x")
    raw["crit"] = unsigned('{"alg":"RS256","crit":["exp"],"exp":1}', pl, b"x" * 256)
    raw["header-dup"] = unsigned('{"alg":"RS256","alg":"HS256"}', pl, b"x")
    raw["header-array"] = unsigned('["alg","RS256"]', pl, b"x")
    raw["header-deep"] = unsigned('{"alg":"RS256","x":' + "[" * 40 + "]" * 40 + "}", pl, b"x")
    raw["header-bad-utf8"] = unsigned(b'{"alg":"RS256","kid":"\xff\xfe"}', pl, b"x")
    raw["kid-number"] = unsigned('{"alg":"RS256","kid":7}', pl, b"x")
    raw["sig-short"] = unsigned(hdr_rs, pl, b"\x01" * 255)
    raw["es256-zero-sig"] = unsigned('{"alg":"ES256","kid":"fz-ec"}', pl, b"\x00" * 64)
    raw["two-segments"] = "eyJhbGciOiJSUzI1NiJ9.e30"
    raw["four-segments"] = "a.b.c.d"
    raw["empty-segments"] = ".."
    raw["bad-base64"] = "eyJhbGciOiJSUzI1NiJ9.e30=.abc"
    raw["bad-base64-bits"] = "eyJhbGciOiJSUzI1NiJ9.e31.AB"
    big = mint(cli, "HS256", claims=["pad=\"%s\"" % ("p" * 12000)])
    raw["max-size"] = big  # under AJ_TOKEN_MAX_LEN (16384)
    raw["too-large"] = mint(cli, "HS256", claims=["pad=\"%s\"" % ("p" * 12400)])  # over it
    for name, tok in raw.items():
        write("token", "m0-" + name, b"\x00" + tok.encode())
    for name in ("valid-HS256", "valid-HS512", "valid-RS256", "auth0-real", "valid-roles",
                 "kid-unknown"):
        write("token", "m1-" + name, b"\x01" + raw[name].encode())

    # Signing mode: byte 0 = 2 or 3, byte 1 = algorithm, HEADER NUL PAYLOAD.
    def signed_seed(mode, alg, header, payload):
        return bytes([mode, ALGS.index(alg)]) + header.encode() + b"\x00" + payload.encode()

    good = {"iss": ISS, "aud": AUD1, "iat": NOW - 10, "exp": NOW + 600,
            "scope": "read:messages write:messages", "permissions": ["read:messages"],
            "sub": "auth0|fuzz"}
    for alg in ALGS:
        _, kid = key_for(alg)
        hdr = json.dumps({"alg": alg, "typ": "at+jwt", "kid": kid}, separators=(",", ":"))
        write("token", "m2-" + alg, signed_seed(2, alg, hdr, json.dumps(good)))
    payloads = {
        "dup-exp": '{"exp":%d,"exp":%d,"iss":"%s","aud":"%s"}' % (NOW + 9, NOW + 99, ISS, AUD1),
        "deep": '{"exp":%d,"x":%s}' % (NOW + 9, "[" * 33 + "]" * 33),
        "not-object": "[1,2,3]",
        "not-json": "exp=1",
        "escapes": '{"exp":%d,"iss":"https:\\/\\/dev-1zzve41p1cec7x1j.us.auth0.com\\/",'
                   '"aud":"\\u005aHTZrfntfPjYZDJiIMB1keb0HHA9AKEv","sub":"\\ud83d\\ude00"}' % (NOW + 9),
        "nul-escape": '{"exp":%d,"sub":"a\\u0000b"}' % (NOW + 9),
        "exp-negative": '{"exp":-1}',
        "exp-1e308": '{"exp":1e308,"iss":"%s","aud":"%s"}' % (ISS, AUD1),
        "exp-max": '{"exp":253402300799,"nbf":0,"iat":0,"iss":"%s","aud":["%s"]}' % (ISS, AUD2),
        "nbf-string": '{"exp":%d,"nbf":"0"}' % (NOW + 9),
        "iat-true": '{"exp":%d,"iat":true}' % (NOW + 9),
        "iss-number": '{"exp":%d,"iss":5}' % (NOW + 9),
        "aud-null-in-array": '{"exp":%d,"iss":"%s","aud":["%s",null]}' % (NOW + 9, ISS, AUD1),
        "roles": '{"exp":%d,"iss":"%s","aud":"%s","https://fuzz.example/roles":[42,true,null,"admin",1.5,{}],'
                 '"scope":"  read:messages   write:messages ","sub":42}' % (NOW + 9, ISS, AUD1),
        "big-int": '{"exp":%d,"iss":"%s","aud":"%s","sub":123456789012345678901234567890}' % (NOW + 9, ISS, AUD1),
        "empty": "{}",
    }
    for i, (name, payload) in enumerate(sorted(payloads.items())):
        alg = ALGS[[0, 3, 6, 9, 10, 12][i % 6]]
        _, kid = key_for(alg)
        hdr = json.dumps({"alg": alg, "kid": kid}, separators=(",", ":"))
        write("token", "m%d-%s" % (2 + i % 2, name), signed_seed(2 + i % 2, alg, hdr, payload))
    headers = {
        "hdr-no-kid-ps512": ("PS512", '{"alg":"PS512"}'),
        "hdr-typ-JWT-hs384": ("HS384", '{"alg":"HS384","typ":"JWT"}'),
        "hdr-crit": ("EdDSA", '{"alg":"EdDSA","crit":[]}'),
        "hdr-alg-mismatch": ("RS256", '{"alg":"HS256","kid":"fz-rsa"}'),
        "hdr-jku-x5u": ("ES256", '{"alg":"ES256","kid":"fz-ec","jku":"https://evil/","x5u":"x","jwk":{}}'),
        "hdr-es384-p256": ("ES384", '{"alg":"ES384","kid":"fz-ec"}'),
        "hdr-kid-auth0": ("RS256", '{"alg":"RS256","kid":"MJEenCzYAP_m5TgvpAPya"}'),
    }
    for name, (alg, hdr) in headers.items():
        write("token", "m2-" + name, signed_seed(2, alg, hdr, json.dumps(good)))


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), check=True, capture_output=True,
                          input=data).stdout


def jwks_seeds(cli, tmp):
    def doc(*keys):
        return json.dumps({"keys": list(keys)}, indent=1)

    def load(name):
        return json.load(open(os.path.join(KEYS, name)))["keys"]

    real = open(os.path.join(REAL, "jwks.json")).read()
    write("jwks", "auth0-real", real)
    rsa, ec, ed = load("rsa.jwks.json")[0], load("ec.jwks.json")[0], load("ed25519.jwks.json")[0]
    secret = open(os.path.join(KEYS, "hs.secret"), "rb").read()
    oct_key = {"kty": "oct", "kid": "fz-hs", "k": b64u(secret), "alg": "HS256"}
    write("jwks", "fixed-set", doc(rsa, ec, ed, oct_key))
    write("jwks", "rsa", doc(rsa))
    write("jwks", "ec", doc(ec))
    write("jwks", "ed25519", doc(ed))
    write("jwks", "oct", doc(oct_key))
    for alg in ("ES384", "ES512"):
        d = os.path.join(tmp, alg)
        subprocess.run([cli, "keygen", "--out", d, "--alg", alg, "--kid", "k-" + alg],
                       check=True, capture_output=True)
        write("jwks", "ec-" + alg, open(os.path.join(d, "jwks.json")).read())
    # Ed448 and RSA-1024 with openssl(1); public keys taken from the DER.
    ed448 = openssl("genpkey", "-algorithm", "ed448")
    der = openssl("pkey", "-pubout", "-outform", "DER", data=ed448)
    write("jwks", "ed448", doc({"kty": "OKP", "crv": "Ed448", "x": b64u(der[-57:]), "kid": "ed448"}))
    rsa1024 = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
    mod = openssl("rsa", "-noout", "-modulus", data=rsa1024).decode().strip().split("=", 1)[1]
    write("jwks", "rsa-1024", doc({"kty": "RSA", "kid": "small", "n": b64u(bytes.fromhex(mod)),
                                   "e": "AQAB"}))
    bad = [
        ("use-enc", dict(rsa, use="enc")),
        ("key-ops-encrypt", dict(ec, key_ops=["encrypt"])),
        ("key-ops-verify", dict(ed, key_ops=["sign", "verify"])),
        ("key-ops-not-array", dict(ed, key_ops="verify")),
        ("use-number", dict(rsa, use=1)),
        ("e-even", dict(rsa, e=b64u(b"\x01\x00\x00"))),
        ("e-one", dict(rsa, e="AQ")),
        ("e-long", dict(rsa, e=b64u(b"\x01" * 5))),
        ("n-leading-zeros", dict(rsa, n=b64u(b"\x00\x00" + base64.urlsafe_b64decode(rsa["n"] + "==")))),
        ("n-bad-base64", dict(rsa, n=rsa["n"] + "=")),
        ("ec-off-curve", dict(ec, y=b64u(b"\x01" * 32))),
        ("ec-short-x", dict(ec, x=b64u(b"\x01" * 31))),
        ("ec-bad-crv", dict(ec, crv="secp256k1")),
        ("okp-x25519", dict(ed, crv="X25519")),
        ("oct-empty", {"kty": "oct", "k": ""}),
        ("oct-short", {"kty": "oct", "k": b64u(b"short")}),
        ("no-kty", {"kid": "x", "n": rsa["n"], "e": "AQAB"}),
        ("kty-number", dict(rsa, kty=3)),
        ("kid-number", dict(rsa, kid=3)),
        ("alg-object", dict(ec, alg={})),
        ("not-object", "RSA"),
    ]
    for name, key in bad:
        write("jwks", "bad-" + name, doc(key, ec))
    write("jwks", "dup-kid", doc(rsa, dict(rsa), dict(ec, kid="fz-rsa")))
    write("jwks", "keys-not-array", '{"keys":{"kty":"RSA"}}')
    write("jwks", "no-keys", '{"kids":[]}')
    write("jwks", "empty-keys", '{"keys":[]}')
    write("jwks", "array", '[{"keys":[]}]')
    write("jwks", "dup-member", '{"keys":[],"keys":[]}')
    write("jwks", "deep", '{"keys":[' + "[" * 40 + "]" * 40 + "]}")
    write("jwks", "truncated", real[: len(real) // 2])
    write("jwks", "utf8-bad", b'{"keys":[{"kty":"oct","k":"' + b64u(secret).encode() + b'","kid":"\xc3\x28"}]}')


def http_seeds():
    body = open(os.path.join(KEYS, "ec.jwks.json"), "rb").read()

    def seed(flags, split, response):
        if isinstance(response, str):
            response = response.encode()
        return bytes([flags, (split >> 8) & 0xFF, split & 0xFF]) + response

    ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    cases = {
        "content-length": (3, 1, ok + b"Content-Length: %d\r\n\r\n" % len(body) + body),
        "content-length-small-limit": (1, 2, ok + b"Content-Length: %d\r\n\r\n" % len(body) + body),
        "content-length-zero": (3, 3, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        "chunked": (3, 4, ok + b"Transfer-Encoding: chunked\r\n\r\n"
                    + b"%x\r\n" % 10 + body[:10] + b"\r\n"
                    + b"%x;ext=1\r\n" % (len(body) - 10) + body[10:] + b"\r\n"
                    + b"0\r\nX-Trailer: t\r\n\r\n"),
        "chunked-upper-hex": (3, 5, ok + b"transfer-encoding: CHUNKED\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
        "close-delimited": (7, 6, ok + b"Connection: close\r\n\r\n" + body),
        "close-http10": (7, 7, b"HTTP/1.0 200 OK\r\n\r\n" + body),
        "no-reason": (3, 8, b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n{}"),
        "204": (3, 9, b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
        "304": (3, 10, b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
        "100": (3, 11, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
        "404-body": (3, 12, b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"),
        "redirect": (3, 13, b"HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n"),
        "header-spaces": (3, 14, b"HTTP/1.1 200 OK\r\nContent-Length: \t 2 \t\r\nCache-Control:max-age=60\r\n\r\n{}"),
        "dup-content-length": (3, 15, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\n{}"),
        "te-and-cl": (3, 16, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        "te-gzip": (3, 17, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        "cl-negative": (3, 18, b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
        "cl-huge": (3, 19, b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\n"),
        "cl-over-limit": (0, 20, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
        "chunk-bad-size": (3, 21, ok + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
        "chunk-long-size": (3, 22, ok + b"Transfer-Encoding: chunked\r\n\r\n" + b"0" * 20 + b"1\r\nx\r\n0\r\n\r\n"),
        "chunk-no-crlf": (3, 23, ok + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"),
        "chunk-lf-only": (3, 24, ok + b"Transfer-Encoding: chunked\r\n\r\n2\n{}\n0\n\n"),
        "chunk-over-limit": (1, 25, ok + b"Transfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n1\r\nx\r\n0\r\n\r\n"),
        "truncated-body": (7, 26, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"),
        "truncated-head": (7, 27, b"HTTP/1.1 200 OK\r\nContent-Le"),
        "empty-eof": (7, 28, b""),
        "obs-fold": (3, 29, b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n"),
        "no-colon": (3, 30, b"HTTP/1.1 200 OK\r\nJunk\r\n\r\n"),
        "http2": (3, 31, b"HTTP/2 200\r\n\r\n"),
        "status-letters": (3, 32, b"HTTP/1.1 2x0 OK\r\n\r\n"),
        "lf-only-head": (7, 33, b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}"),
        "pipelined-extra": (3, 34, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n\r\n"),
        "head-too-large": (3, 36, b"HTTP/1.1 200 OK\r\nX-Big: " + b"b" * 16400 + b"\r\n\r\n"),
        "nul-in-header": (3, 35, b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 1\r\n\r\nx"),
    }
    for name, (flags, split, response) in cases.items():
        write("http", name, seed(flags, split, response))


def bearer_seeds(real):
    cases = {
        "bearer": "Bearer " + real,
        "lower": "bearer abc.def.ghi",
        "upper-spaces": "  BEARER    abc.def.ghi  \t ",
        "padding": "Bearer YWJj==",
        "b64token-chars": "Bearer aZ09-._~+/",
        "basic": "Basic dXNlcjpwYXNz",
        "bearer-alone": "Bearer",
        "bearer-space": "Bearer ",
        "bearer-tab": "Bearer\tabc",
        "bearer-space-tab": "Bearer \tabc",
        "two-tokens": "Bearer abc def",
        "comma": "Bearer abc, Basic xyz",
        "bad-char": "Bearer abc\"def",
        "equals-middle": "Bearer ab=cd",
        "only-equals": "Bearer ===",
        "bearerx": "Bearerx abc",
        "empty": "",
        "blank": " \t ",
        "utf8": "Bearer \xc3\xa9t\xc3\xa9",
    }
    for name, value in cases.items():
        write("bearer", name, value.encode("latin-1") if name != "bearer" else value.encode())


def require_seeds():
    cases = {
        "scopes": "read:messages write:messages",
        "claim": "https://example.com/roles admin editor",
        "double-quoted": '"https://example.com/team name" "red team"',
        "single-quoted": "claim 'a b' c",
        "escapes": r'"a \"quoted\" word" "back\\slash"',
        "escape-outside": r"a\ b",
        "tabs": "\tread\t\twrite\t",
        "empty-quoted": '"" \'\'',
        "unterminated": '"never closed',
        "unterminated-escape": '"ends with a backslash\\',
        "adjacent": 'a"b c"d',
        "empty": "",
        "spaces": "     ",
        "utf8": "r\u00f4le \u2603",
    }
    for name, value in cases.items():
        write("require", name, value)


def dpop_seeds(cli):
    """Proofs made by our CLI (for the fixed request of fuzz_dpop.c, and for
    others), with the odd forms of URIs htu normalization must handle."""
    url = "https://api.example.com/api/private"
    for name, key, args in (
            ("es256", "ec.pem", ["--method", "GET", "--url", url, "--token", "a.b.c",
                                 "--iat", "1700000000"]),
            ("ed25519", "ed25519.pem", ["--method", "GET", "--url", url, "--token", "a.b.c",
                                        "--iat", "1700000000"]),
            ("rsa-other-url", "rsa.pem", ["--method", "POST", "--url",
                                          "http://[::1]:8443/a/../b?q#f", "--iat", "1"]),
    ):
        out = subprocess.run([cli, "dpop", "--key", os.path.join(KEYS, key)] + args,
                             capture_output=True, text=True, check=True)
        write("dpop", name, out.stdout.strip())
    uris = {
        "uri-plain": url,
        "uri-case-port": "HTTPS://API.Example.COM:443/api/./x/../private?x=1#f",
        "uri-escapes": "http://h/%7e%2F%41%zz",
        "uri-ipv6": "https://[::1]:0443/",
        "uri-userinfo": "https://user@h/",
        "uri-dots": "http://h/../../a/./b/..",
        "uri-empty": "",
    }
    for name, value in uris.items():
        write("dpop", name, value)


def jwe_seeds(cli):
    """Tokens encrypted by our CLI to keys/rsa.pem (the harness's decryption
    key) with every alg and enc, and the refused kinds: nested, JSON inside,
    another key, headers with zip or another alg."""
    inner = subprocess.run([cli, "mint", "--key", os.path.join(KEYS, "rsa.pem"), "--kid", "fz-rsa",
                            "--iss", "https://fz.example/", "--aud", "fz"],
                           capture_output=True, text=True, check=True).stdout.strip()

    def encrypt(text, alg="RSA-OAEP-256", enc="A256GCM", key="rsa.pem", kid="fz-rsa"):
        args = [cli, "encrypt", "--key", os.path.join(KEYS, key), "--alg", alg, "--enc", enc]
        args += ["--kid", kid] if kid else []
        return subprocess.run(args + [text], capture_output=True, text=True,
                              check=True).stdout.strip()

    for alg in ("RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512"):
        for enc in ("A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384",
                    "A256CBC-HS512"):
            write("jwe", "%s-%s" % (alg.lower(), enc.lower()), encrypt(inner, alg, enc))
    write("jwe", "no-kid", encrypt(inner, kid=None))
    write("jwe", "nested", encrypt(encrypt(inner)))
    write("jwe", "json-inside", encrypt('{"sub":"x"}'))
    good = encrypt(inner).split(".")
    for name, hdr in (("zip", '{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}'),
                      ("dir", '{"alg":"dir","enc":"A256GCM"}'),
                      ("rsa1_5", '{"alg":"RSA1_5","enc":"A128CBC-HS256"}'),
                      ("crit", '{"alg":"RSA-OAEP","enc":"A128GCM","crit":["x"],"x":1}')):
        b = base64.urlsafe_b64encode(hdr.encode()).rstrip(b"=").decode()
        write("jwe", "header-" + name, ".".join([b] + good[1:]))


def json_seeds():
    """JSON texts for the fast reader: token payloads and headers, and the
    forms it must leave to jansson (reals, \\u escapes, duplicates, UTF-8)."""
    seeds = {
        "payload": '{"iss":"https://t.example/","sub":"auth0|1","aud":["a","b"],'
                   '"iat":1700000000,"exp":1700086400,"scope":"read:messages",'
                   '"permissions":["read:messages"],"azp":"x","gty":"client-credentials"}',
        "header": '{"alg":"RS256","typ":"at+jwt","kid":"k1"}',
        "nested": '{"cnf":{"jkt":"abc"},"a":[[],{},[1,[2]],null,true,false,-0]}',
        "escapes": '{"s":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"}',
        "unicode-escape": '{"s":"\\u00e9\\ud83d\\ude00"}',
        "utf8": '{"s":"\u00e9\u20ac\U0001f600"}',
        "real": '{"iat":1700000000.5,"x":1e3,"y":-2.5E-3}',
        "big-int": '{"n":123456789012345678901234567890}',
        "duplicate": '{"a":1,"a":2}',
        "ws": ' \t\r\n{ "a" : [ 1 , 2 ] } \n',
        "empty": '{}',
    }
    for name, text in seeds.items():
        write("json", name, text.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(TOP, "auth0-jwt"))
    args = ap.parse_args()
    if not os.access(args.cli, os.X_OK):
        sys.exit("make-corpus.py: %s not found (run make first)" % args.cli)
    for t in ("token", "jwks", "http", "bearer", "require", "dpop", "jwe", "json"):
        shutil.rmtree(os.path.join(CORPUS, t), ignore_errors=True)
    real = open(os.path.join(REAL, "token.jwt")).read().strip()
    with tempfile.TemporaryDirectory() as tmp:
        token_seeds(args.cli)
        jwks_seeds(args.cli, tmp)
    http_seeds()
    bearer_seeds(real)
    require_seeds()
    dpop_seeds(args.cli)
    jwe_seeds(args.cli)
    json_seeds()
    for t in sorted(os.listdir(CORPUS)):
        print("%-8s %3d seeds" % (t, len(os.listdir(os.path.join(CORPUS, t)))))


if __name__ == "__main__":
    main()
