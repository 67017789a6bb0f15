"""Encrypted access tokens through a real httpd (docs/directives.md,
"Auth0DecryptionKeyFile", "Auth0TokenEncryption"): tokens signed by PyJWT and
encrypted by jwcrypto (independent of src/) and by our CLI, every alg and enc,
each part tampered with, the wrong key or kid, compression, a JWE inside a
JWE, bad inner tokens, the modes, the token cache across virtual hosts, and
key files the server user could read or replace."""

import base64
import json
import os
import re
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

import ajtest
import tokens as T
from gaps_helpers import KeepAlive
from test_dpop import b64u

ALGS = ["RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512"]
ENCS = ["A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"]
FAILED = "The token cannot be decrypted"


def b64u_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


ENC1, ENC2, STRANGER = rsa_key(), rsa_key(), rsa_key()


OAEP_HASH = {"RSA-OAEP": hashes.SHA1, "RSA-OAEP-256": hashes.SHA256,
             "RSA-OAEP-384": hashes.SHA384, "RSA-OAEP-512": hashes.SHA512}
CEK_BYTES = {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32, "A128CBC-HS256": 32,
             "A192CBC-HS384": 48, "A256CBC-HS512": 64}
HMAC_HASH = {32: hashes.SHA256, 48: hashes.SHA384, 64: hashes.SHA512}


def encrypt_by_hand(token, key, alg, enc, hdr):
    """RFC 7516 and RFC 7518 with python3-cryptography's primitives, for what
    jwcrypto 1.1 lacks (RSA-OAEP-384 and -512)."""
    h64 = b64u(json.dumps(hdr).encode())
    aad = h64.encode("ascii")
    cek = os.urandom(CEK_BYTES[enc])
    md = OAEP_HASH[alg]
    ek = key.public_key().encrypt(cek, padding.OAEP(mgf=padding.MGF1(md()), algorithm=md(),
                                                    label=None))
    plain = token.encode() if isinstance(token, str) else token
    if enc.endswith("GCM"):
        iv = os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, plain, aad)
        ct, tag = sealed[:-16], sealed[-16:]
    else:
        half = len(cek) // 2
        iv = os.urandom(16)
        padder = block_padding.PKCS7(128).padder()
        data = padder.update(plain) + padder.finalize()
        cipher = Cipher(algorithms.AES(cek[half:]), modes.CBC(iv)).encryptor()
        ct = cipher.update(data) + cipher.finalize()
        mac = hmac.HMAC(cek[:half], HMAC_HASH[len(cek)]())
        mac.update(aad + iv + ct + (len(aad) * 8).to_bytes(8, "big"))
        tag = mac.finalize()[:half]
    return ".".join([h64, b64u(ek), b64u(iv), b64u(ct), b64u(tag)])


def encrypt(token, key=ENC1, alg="RSA-OAEP-256", enc="A256GCM", kid="enc-1", **header):
    """A compact JWE made by jwcrypto (by hand for the algorithms it lacks)."""
    pub = jwcrypto_jwk.JWK.from_pem(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    hdr = {"alg": alg, "enc": enc, "cty": "JWT"}
    if kid is not None:
        hdr["kid"] = kid
    hdr.update(header)
    hdr = {k: v for k, v in hdr.items() if v is not None}
    if alg in ("RSA-OAEP-384", "RSA-OAEP-512"):
        return encrypt_by_hand(token, key, alg, enc, hdr)
    t = jwcrypto_jwe.JWE(token.encode() if isinstance(token, str) else token,
                         protected=json.dumps(hdr))
    t.allowed_algs = ALGS + ENCS + ["RSA1_5"]
    t.add_recipient(pub)
    return t.serialize(compact=True)


SNIPPET = T.AUTH0 + T.QUICKSTART + """
Auth0DecryptionKeyFile conf/enc1.pem enc-1
Auth0DecryptionKeyFile conf/enc2.pem enc-2
<Location /required/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0TokenEncryption Required
    Require valid-user
</Location>
<Location /off/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0TokenEncryption Off
    Require valid-user
</Location>
<Location /status>
    SetHandler auth0-jwt-status
</Location>
"""


def key_files():
    files = dict(T.server_files())
    files["conf/enc1.pem"] = (pem(ENC1), 0o600)
    files["conf/enc2.pem"] = (pem(ENC2), 0o600)
    return files


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="jwe", files=key_files()) as server:
        yield server


def bearer(token):
    return [("Authorization", "Bearer " + token)]


def assert_refused(srv, r, reason, description=FAILED):
    assert r.status == 401, (r.status, r.text)
    assert r.json() == {"error": "invalid_token", "error_description": description}
    assert r.header("WWW-Authenticate").startswith('Bearer realm="api", error="invalid_token"')
    assert any("refused %s" % reason in line for line in srv.log_lines()), srv.log_lines()


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("enc", ENCS)
def test_every_alg_and_enc(srv, alg, enc):
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), alg=alg, enc=enc)))
    assert r.status == 200, r.text


def test_scope_and_identity_come_from_the_inner_token(srv):
    ajtest.expect_log(r"AH01630")  # the 403 below
    token = encrypt(T.pyjwt(scope="read:messages"))
    assert srv.get("/api/private-scoped", headers=bearer(token)).status == 200
    r = srv.get("/api/private-scoped", headers=bearer(encrypt(T.pyjwt(scope="write:x"))))
    assert r.status == 403, r.text


def test_our_cli_encrypts_what_the_server_decrypts(srv, tmp_path):
    pub = tmp_path / "enc2.pub.pem"
    pub.write_bytes(ENC2.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    for enc in ENCS:
        out = subprocess.run([os.path.join(ajtest.top_builddir(), "auth0-jwt"), "encrypt", "--key", str(pub), "--kid", "enc-2",
                              "--alg", "RSA-OAEP", "--enc", enc, T.pyjwt()],
                             capture_output=True, text=True, check=True)
        r = srv.get("/api/private", headers=bearer(out.stdout.strip()))
        assert r.status == 200, (enc, r.text)


def tamper(token, part):
    """Change one character of one part (not the last of the part)."""
    parts = token.split(".")
    p = parts[part]
    parts[part] = p[0] + ("B" if p[1] == "A" else "A") + p[2:]
    return ".".join(parts)


@pytest.mark.parametrize("part,reason", [(1, "jwe_unwrap"), (2, "jwe_tag"), (3, "jwe_tag"),
                                         (4, "jwe_tag")],
                         ids=["encrypted-key", "iv", "ciphertext", "tag"])
@pytest.mark.parametrize("enc", ["A256GCM", "A128CBC-HS256"])
def test_tampered_part_gets_one_answer(srv, part, reason, enc):
    """Attack: a padding or key oracle. Whatever part is changed, the client
    gets the same answer; only the log tells the reasons apart."""
    r = srv.get("/api/private", headers=bearer(tamper(encrypt(T.pyjwt(), enc=enc), part)))
    assert_refused(srv, r, reason)


def test_tampered_header_is_authenticated(srv):
    """Attack: change the protected header (e.g. drop cty, another kid): it is
    the additional authenticated data, so the tag no longer matches."""
    token = encrypt(T.pyjwt(), kid="enc-1")
    hdr = json.loads(b64u_decode(token.split(".")[0]))
    hdr["extra"] = "x"
    forged = b64u(json.dumps(hdr).encode()) + token[token.index("."):]
    assert_refused(srv, srv.get("/api/private", headers=bearer(forged)), "jwe_tag")


def test_wrong_key_and_unknown_kid(srv):
    """Encrypted to a key the server does not hold, under a kid it has, or
    under a kid it does not know."""
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), key=STRANGER, kid="enc-1")))
    assert_refused(srv, r, "jwe_unwrap")
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), key=STRANGER, kid="other")))
    assert_refused(srv, r, "jwe_key")
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), kid=None)))
    assert_refused(srv, r, "jwe_key")  # two keys, no kid: which one is not guessed
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), key=ENC2, kid="enc-2")))
    assert r.status == 200, r.text


def test_compressed_and_refused_algorithms(srv):
    """zip (a decompression bomb or a compression oracle), RSA1_5 (Bleichenbacher)."""
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), zip="DEF")))
    assert_refused(srv, r, "jwe_header")
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(), alg="RSA1_5",
                                                       enc="A128CBC-HS256")))
    assert_refused(srv, r, "jwe_alg")


def test_nested_jwe_refused(srv):
    inner = encrypt(T.pyjwt())
    assert_refused(srv, srv.get("/api/private", headers=bearer(encrypt(inner))), "jwe_nested")


def test_inner_token_is_validated_in_full(srv):
    """An expired inner token, a badly signed one, one for another audience."""
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(ttl=-120))))
    assert_refused(srv, r, "expired", "The token has expired")
    tampered = T.pyjwt()
    tampered = tampered[:-6] + ("AAAAAA" if not tampered.endswith("AAAAAA") else "BBBBBB")
    r = srv.get("/api/private", headers=bearer(encrypt(tampered)))
    assert r.status == 401 and r.json()["error"] == "invalid_token", r.text
    r = srv.get("/api/private", headers=bearer(encrypt(T.pyjwt(aud="https://other/api"))))
    assert_refused(srv, r, "aud_mismatch", "The token audience is not accepted")


def test_required_and_off(srv):
    plain = T.pyjwt()
    r = srv.get("/required/api/private", headers=bearer(plain))
    assert_refused(srv, r, "jwe_required", "The token must be encrypted")
    assert srv.get("/required/api/private", headers=bearer(encrypt(plain))).status == 200
    r = srv.get("/off/api/private", headers=bearer(encrypt(plain)))
    assert_refused(srv, r, "segments", "The token is not a signed JWT")
    assert srv.get("/off/api/private", headers=bearer(plain)).status == 200
    # a token cached as valid elsewhere is no exception
    token = encrypt(T.pyjwt())
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    assert_refused(srv, srv.get("/off/api/private", headers=bearer(token)), "segments",
                   "The token is not a signed JWT")


def test_cache_hit_skips_decryption(srv):
    """On one connection (one process): the first request decrypts and
    verifies, the next four are hits on the JWE as it came."""
    token = encrypt(T.pyjwt())
    before = srv.get("/status", headers=[("Accept", "application/json")]).json()["token_cache"]
    conn = KeepAlive(srv)
    try:
        for _ in range(5):
            assert conn.get("/api/private", bearer(token))[0] == 200
    finally:
        conn.close()
    after = srv.get("/status", headers=[("Accept", "application/json")]).json()["token_cache"]
    assert after["hits"] - before["hits"] == 4, (before, after)


VHOSTS = """
<VirtualHost 127.0.0.1:${AJ_PORT}>
    ServerName a.jwe.test
    Auth0DecryptionKeyFile conf/enc1.pem enc-1
</VirtualHost>
<VirtualHost 127.0.0.1:${AJ_PORT}>
    ServerName b.jwe.test
    Auth0DecryptionKeyFile conf/stranger.pem
</VirtualHost>
"""


def test_cached_jwe_lends_no_trust_to_another_vhost():
    """Attack: a JWE that one virtual host decrypted (and cached) sent to
    another virtual host of the same server that holds another decryption key.
    The cache entry is bound to the key set that decrypted it, so the other
    host decrypts for itself, and fails."""
    files = key_files()
    files["conf/stranger.pem"] = (pem(STRANGER), 0o600)
    with ajtest.Httpd(T.AUTH0 + T.QUICKSTART + VHOSTS, name="jwe-vhosts", files=files) as srv:
        token = encrypt(T.pyjwt())
        conn = KeepAlive(srv)
        try:
            for _ in range(3):
                assert conn.get("/api/private", [("Host", "a.jwe.test")] + bearer(token))[0] == 200
            status, _, body = conn.get("/api/private", [("Host", "b.jwe.test")] + bearer(token))
        finally:
            conn.close()
        assert status == 401, body
        assert any("refused jwe_" in line for line in srv.log_lines()), srv.log_lines()
        theirs = encrypt(T.pyjwt(), key=STRANGER, kid=None)
        assert srv.get("/api/private", headers=[("Host", "b.jwe.test")] + bearer(theirs)).status == 200


@pytest.mark.skipif(os.geteuid() != 0, reason="the key file checks need a server user: root only")
@pytest.mark.parametrize("case", ["world-readable", "group-readable", "owned-by-server-user",
                                  "directory-writable", "acl-read", "acl-write",
                                  "grandparent-owned", "symlink-into-servers-folder"])
def test_key_file_the_server_user_could_reach_stops_the_start(case):
    """Attack: read the decryption key as the server user (a file-reading bug in
    any script), or replace it (the file or its folder) before a restart."""
    import pwd  # pylint: disable=import-outside-toplevel
    www = pwd.getpwnam("www-data")
    files = dict(T.server_files())
    mode = {"world-readable": 0o644, "group-readable": 0o640}.get(case, 0o600)
    files["keys/enc1.pem"] = (pem(ENC1), mode)
    srv = ajtest.Httpd(T.AUTH0 + T.QUICKSTART + "Auth0DecryptionKeyFile keys/enc1.pem\n",
                       name="jwe-perm", files=files)
    srv.write_config()
    if case == "group-readable":
        os.chown(srv.path("keys/enc1.pem"), 0, www.pw_gid)
    if case == "owned-by-server-user":
        os.chown(srv.path("keys/enc1.pem"), www.pw_uid, 0)
    if case == "directory-writable":
        os.chown(srv.path("keys"), www.pw_uid, 0)
    if case.startswith("acl-"):  # the mode bits say 600; an ACL says otherwise
        subprocess.run(["setfacl", "-m", "u:www-data:%s" % ("r" if case == "acl-read" else "rw"),
                        srv.path("keys/enc1.pem")], check=True)
        # and www-data may walk to it (the test's own folders are root-only)
        d = srv.path("keys")
        while d != "/":
            if not os.stat(d).st_mode & 0o001:
                subprocess.run(["setfacl", "-m", "u:www-data:x", d], check=True)
            d = os.path.dirname(d)
    if case == "grandparent-owned":
        os.makedirs(srv.path("keys/deep"), mode=0o755)
        os.rename(srv.path("keys/enc1.pem"), srv.path("keys/deep/enc1.pem"))
        os.symlink("deep/enc1.pem", srv.path("keys/enc1.pem"))
        os.chown(srv.path("keys"), www.pw_uid, 0)
    if case == "symlink-into-servers-folder":
        theirs = srv.path("htdocs/uploads")
        os.makedirs(theirs, exist_ok=True)
        os.rename(srv.path("keys/enc1.pem"), os.path.join(theirs, "enc1.pem"))
        os.chown(theirs, www.pw_uid, www.pw_gid)
        os.symlink(os.path.join(theirs, "enc1.pem"), srv.path("keys/enc1.pem"))
    # httpd -t on the files as they now are (srv.configtest() would write them again)
    res = subprocess.run([ajtest.httpd_binary(), "-d", srv.root, "-f", srv.conf_path, "-t"],
                         capture_output=True, text=True, timeout=60, check=False,
                         env=ajtest.httpd_env())
    rc, out = res.returncode, res.stdout + res.stderr
    assert rc != 0, out
    assert re.search(r"Auth0DecryptionKeyFile .*enc1\.pem", out), out
    assert "BEGIN" not in out  # never the key itself


HTACCESS_SNIPPET = T.AUTH0 + """
Auth0DecryptionKeyFile conf/enc1.pem enc-1
<Directory ${AJ_SERVERROOT}/htdocs/user>
    AllowOverride AuthConfig
</Directory>
<Directory ${AJ_SERVERROOT}/htdocs/admin>
    AllowOverride AuthConfig
    AuthType Auth0
    Auth0TokenEncryption Required
    Require valid-user
</Directory>
"""


def test_htaccess_cannot_decrypt_with_the_servers_key_nor_lower_required():
    """Attack: an .htaccess author turns AuthType Auth0 on for their own folder
    to have the server decrypt tokens for their scripts (whose claims the
    encryption keeps from clients), or writes Auth0TokenEncryption Off under
    the administrator's Required to take plain tokens."""
    files = key_files()
    files["htdocs/user/.htaccess"] = "AuthType Auth0\nRequire valid-user\n"
    files["htdocs/user/data.json"] = '{"ok": true}\n'
    files["htdocs/admin/data.json"] = '{"ok": true}\n'
    files["htdocs/admin/sub/.htaccess"] = "Auth0TokenEncryption Off\n"
    files["htdocs/admin/sub/data.json"] = '{"ok": true}\n'
    files["htdocs/admin/req/.htaccess"] = "Auth0TokenEncryption Required\n"
    files["htdocs/admin/req/data.json"] = '{"ok": true}\n'
    with ajtest.Httpd(HTACCESS_SNIPPET, name="jwe-htaccess", files=files) as srv:
        plain = T.pyjwt()
        assert srv.get("/user/data.json", headers=bearer(plain)).status == 200
        r = srv.get("/user/data.json", headers=bearer(encrypt(plain)))
        assert_refused(srv, r, "segments", "The token is not a signed JWT")
        # the administrator's scope decrypts; an .htaccess may only ask for more
        assert srv.get("/admin/data.json", headers=bearer(encrypt(plain))).status == 200
        assert srv.get("/admin/req/data.json", headers=bearer(encrypt(plain))).status == 200
        ajtest.expect_log(r"Auth0TokenEncryption in \.htaccess may only be Required")
        assert srv.get("/admin/sub/data.json", headers=bearer(plain)).status == 500
