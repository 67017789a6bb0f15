"""DPoP (RFC 9449) through a real httpd (docs/directives.md, "Auth0DPoP"):
proofs minted by PyJWT (independent of src/) and by our CLI, every check of the
proof failing in turn, the binding of the token to the proof's key, replays on
one connection, on new ones and across child processes, the three modes, and
Auth0DPoPURL behind a proxy that ends TLS."""

import base64
import hashlib
import json
import os
import subprocess
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import ajtest
import tokens as T
from gaps_helpers import KeepAlive
from jwks_server import MPM_FULL, PID_LOG, fire, mpm_lines, pid_log


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Client:
    """A DPoP client: its key pair, its public JWK and that JWK's thumbprint."""

    def __init__(self, curve=ec.SECP256R1(), alg="ES256"):
        self.key = ec.generate_private_key(curve)
        self.alg = alg
        self.jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(self.key.public_key()))
        # PyJWT 2.6 drops leading zero bytes of a coordinate (about 1 key in 180);
        # RFC 7518 6.2.1.2 wants the curve's full size, which the module insists on
        size = (self.key.curve.key_size + 7) // 8
        for c in ("x", "y"):
            raw = base64.urlsafe_b64decode(self.jwk[c] + "=" * (-len(self.jwk[c]) % 4))
            self.jwk[c] = b64u(raw.rjust(size, b"\0"))
        canon = json.dumps({k: self.jwk[k] for k in ("crv", "kty", "x", "y")},
                           separators=(",", ":"), sort_keys=True)
        self.jkt = b64u(hashlib.sha256(canon.encode()).digest())

    def pem_file(self, folder):
        path = os.path.join(folder, "dpop-%s.pem" % self.jkt[:8])
        with open(path, "wb") as f:
            f.write(self.key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        return path

    def proof(self, htu, token, htm="GET", now=None, header=None, drop=(), signer=None,
              **claims):
        payload = {"jti": uuid.uuid4().hex, "htm": htm, "htu": htu,
                   "iat": int(time.time() if now is None else now),
                   "ath": b64u(hashlib.sha256(token.encode()).digest())}
        payload.update(claims)
        for name in drop:
            payload.pop(name, None)
        hdr = {"typ": "dpop+jwt", "jwk": self.jwk}
        hdr.update(header or {})
        hdr = {k: v for k, v in hdr.items() if v is not None}
        return jwt.encode(payload, signer or self.key, algorithm=self.alg, headers=hdr)


ALICE = Client()
MALLORY = Client()


def token_for(client, **kw):
    return T.pyjwt(extra={"cnf": {"jkt": client.jkt}}, **kw)


def dpop(token, proof):
    h = [("Authorization", "DPoP " + token)]
    return h + ([("DPoP", proof)] if proof is not None else [])


SNIPPET = T.AUTH0 + T.CGI_BIN + T.QUICKSTART + """
<Location /cgi/>
    AuthType Auth0
    Require valid-user
</Location>
<Location /required/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0DPoP Required
    Require valid-user
</Location>
<Location /off/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0DPoP Off
    Require valid-user
</Location>
<Location /public/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0DPoPURL https://api.example.com
    Require valid-user
</Location>
<Location /doc/>
    AuthType Auth0
    Require valid-user
    ErrorDocument 404 /api/private
</Location>
<Location /noreplay/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0DPoPReplay Off
    Require valid-user
</Location>
<Location /edonly/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0DPoPAlgorithms EdDSA
    Require valid-user
</Location>
"""

ENV_CGI = "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nenv\n"


@pytest.fixture(scope="module")
def srv():
    mpm = ajtest.current_mpm()
    lines = mpm_lines(mpm, 4 if mpm == "prefork" else 2, threads=8) + PID_LOG + "\n"
    with ajtest.Httpd(lines + SNIPPET, name="dpop", files=T.server_files(),
                      allow_log=[MPM_FULL]) as server:
        server.write_file("cgi-bin/env.cgi", ENV_CGI, mode=0o755)
        yield server


def htu(srv, path):
    return "http://127.0.0.1:%d%s" % (srv.port, path)


def assert_proof_refused(r, description):
    assert r.status == 401, (r.status, r.text)
    assert r.header("WWW-Authenticate") == (
        'DPoP realm="api", error="invalid_dpop_proof", error_description="%s", algs="ES256"'
        % description), r.header("WWW-Authenticate")
    assert r.json() == {"error": "invalid_dpop_proof", "error_description": description}


def test_valid_proof(srv):
    token = token_for(ALICE)
    r = srv.get("/api/private", headers=dpop(token, ALICE.proof(htu(srv, "/api/private"), token)))
    assert r.status == 200, r.text


def test_valid_proof_from_our_cli(srv, tmp_path):
    token = token_for(ALICE)
    out = subprocess.run([os.path.join(ajtest.top_builddir(), "auth0-jwt"), "dpop", "--key",
                          ALICE.pem_file(str(tmp_path)), "--method", "GET", "--url",
                          htu(srv, "/api/private"), "--token", token],
                         capture_output=True, text=True, check=True)
    r = srv.get("/api/private", headers=dpop(token, out.stdout.strip()))
    assert r.status == 200, r.text


def test_backend_learns_the_scheme_and_key(srv):
    token = token_for(ALICE)
    r = srv.get("/cgi/env.cgi", headers=dpop(token, ALICE.proof(htu(srv, "/cgi/env.cgi"), token)))
    assert r.status == 200, r.text
    env = dict(line.split("=", 1) for line in r.text.splitlines() if "=" in line)
    assert env.get("AUTH0_TOKEN_TYPE") == "DPoP", env
    assert env.get("AUTH0_CNF_JKT") == ALICE.jkt, env


# (attack, how the proof is made wrong, the description the client gets)
WRONG = [
    ("no typ", dict(header={"typ": None}), "The DPoP proof type is not accepted"),
    ("typ JWT", dict(header={"typ": "JWT"}), "The DPoP proof type is not accepted"),
    ("no jwk", dict(header={"jwk": None}), "The DPoP proof key is not accepted"),
    ("private key in the header", dict(header={"jwk": dict(ALICE.jwk, d="AAAA")}),
     "The DPoP proof key is not accepted"),
    ("signed by another key than its jwk", dict(signer=MALLORY.key),
     "The DPoP proof signature is invalid"),
    ("no jti", dict(drop=("jti",)), "The DPoP proof has no identifier"),
    ("htm POST for a GET", dict(htm="POST"), "The DPoP proof is for another method"),
    ("no htm", dict(drop=("htm",)), "The DPoP proof is for another method"),
    ("htu of another path", dict(htu_path="/api/public"), "The DPoP proof is for another URI"),
    ("htu of another host", dict(htu="http://evil.example:80/api/private"),
     "The DPoP proof is for another URI"),
    ("no htu", dict(drop=("htu",)), "The DPoP proof is for another URI"),
    ("stale iat", dict(age=400), "The DPoP proof is too old or too new"),
    ("future iat", dict(age=-60), "The DPoP proof is too old or too new"),
    ("no iat", dict(drop=("iat",)), "The DPoP proof is too old or too new"),
    ("no ath", dict(drop=("ath",)), "The DPoP proof is for another token"),
    ("ath of another token", dict(ath=b64u(hashlib.sha256(b"other").digest())),
     "The DPoP proof is for another token"),
]


@pytest.mark.parametrize("attack,how,description", WRONG, ids=[w[0] for w in WRONG])
def test_each_proof_check(srv, attack, how, description):
    token = token_for(ALICE)
    how = dict(how)
    url = htu(srv, how.pop("htu_path", "/api/private"))
    url = how.pop("htu", url)
    if "age" in how:
        how["now"] = time.time() - how.pop("age")
    proof = ALICE.proof(url, token, **how)
    assert_proof_refused(srv.get("/api/private", headers=dpop(token, proof)), description)


def test_proof_alg_not_allowed(srv):
    """ES384 is not in the default Auth0DPoPAlgorithms (ES256)."""
    p384 = Client(ec.SECP384R1(), "ES384")
    token = token_for(p384)
    r = srv.get("/api/private", headers=dpop(token, p384.proof(htu(srv, "/api/private"), token)))
    assert_proof_refused(r, "The DPoP proof algorithm is not accepted")


def test_no_proof_and_two_proofs(srv):
    token = token_for(ALICE)
    assert_proof_refused(srv.get("/api/private", headers=dpop(token, None)),
                         "A DPoP proof is required")
    p1, p2 = (ALICE.proof(htu(srv, "/api/private"), token) for _ in range(2))
    r = srv.get("/api/private", headers=dpop(token, p1) + [("DPoP", p2)])
    assert_proof_refused(r, "Exactly one DPoP proof is allowed")


def test_proof_of_another_key_than_the_token_names(srv):
    """Attack: a stolen DPoP-bound token with a proof made with the thief's own key."""
    token = token_for(ALICE)
    r = srv.get("/api/private",
                headers=dpop(token, MALLORY.proof(htu(srv, "/api/private"), token)))
    assert r.status == 401
    assert r.json() == {"error": "invalid_token",
                        "error_description": "The token is not bound to the DPoP proof key"}
    assert r.header("WWW-Authenticate").startswith('DPoP realm="api", error="invalid_token"')


def test_unbound_token_with_the_dpop_scheme(srv):
    token = T.pyjwt()
    r = srv.get("/api/private", headers=dpop(token, ALICE.proof(htu(srv, "/api/private"), token)))
    assert r.status == 401
    assert r.json()["error_description"] == "The token is not bound to the DPoP proof key"


def test_replay_on_one_connection(srv):
    token = token_for(ALICE)
    proof = ALICE.proof(htu(srv, "/api/private"), token)
    conn = KeepAlive(srv)
    try:
        assert conn.get("/api/private", dpop(token, proof))[0] == 200
        status, headers, body = conn.get("/api/private", dpop(token, proof))
    finally:
        conn.close()
    assert status == 401, body
    assert b"The DPoP proof was already used" in body, body


def test_replay_on_new_connections_and_other_processes(srv):
    """Attack: a captured request (token and proof) replayed from elsewhere, on
    fresh connections that other threads and child processes answer."""
    token = token_for(ALICE)
    proof = ALICE.proof(htu(srv, "/api/private"), token)
    assert srv.get("/api/private", headers=dpop(token, proof)).status == 200
    before = len(pid_log(srv))
    results = fire(srv, 24, lambda i: dict(dpop(token, proof)), threads=12,
                   path="/api/private")
    assert [st for st, _, _ in results] == [401] * 24, [st for st, _, _ in results]
    pids = {pid for pid, _, _ in pid_log(srv)[before:]}
    if ajtest.current_mpm() == "prefork":
        assert len(pids) >= 2, "the replays were all answered by one child: %s" % pids


def test_replay_allowed_when_off(srv):
    token = token_for(ALICE)
    proof = ALICE.proof(htu(srv, "/noreplay/api/private"), token)
    for _ in range(2):
        assert srv.get("/noreplay/api/private", headers=dpop(token, proof)).status == 200


def test_required_refuses_bearer(srv):
    r = srv.get("/required/api/private", headers=T.bearer(T.pyjwt()))
    assert r.status == 401
    assert r.header("WWW-Authenticate") == (
        'DPoP realm="api", error="invalid_dpop_proof", error_description="A DPoP proof is '
        'required", algs="ES256"')
    r = srv.get("/required/api/private")
    assert r.header("WWW-Authenticate") == 'DPoP realm="api", algs="ES256"'
    token = token_for(ALICE)
    r = srv.get("/required/api/private",
                headers=dpop(token, ALICE.proof(htu(srv, "/required/api/private"), token)))
    assert r.status == 200, r.text


def test_off_ignores_the_scheme(srv):
    token = token_for(ALICE)
    r = srv.get("/off/api/private",
                headers=dpop(token, ALICE.proof(htu(srv, "/off/api/private"), token)))
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Bearer realm="api"'
    assert srv.get("/off/api/private", headers=T.bearer(T.pyjwt())).status == 200


def test_allowed_without_token_gives_both_challenges(srv):
    r = srv.get("/api/private")
    assert r.header("WWW-Authenticate") == T.no_token_challenge()


def test_insufficient_scope_with_dpop(srv):
    ajtest.expect_log(r"AH01630")
    token = token_for(ALICE, scope="write:messages")
    r = srv.get("/api/private-scoped",
                headers=dpop(token, ALICE.proof(htu(srv, "/api/private-scoped"), token)))
    assert r.status == 403, r.text
    assert r.header("WWW-Authenticate").startswith(
        'DPoP realm="api", error="insufficient_scope"'), r.header("WWW-Authenticate")


def test_public_origin_behind_a_proxy(srv):
    """Auth0DPoPURL: the proof names the origin the client used (https, the
    public name), not the one httpd sees behind a TLS-ending proxy."""
    token = token_for(ALICE)
    public = "https://api.example.com/public/api/private"
    r = srv.get("/public/api/private", headers=dpop(token, ALICE.proof(public, token)))
    assert r.status == 200, r.text
    r = srv.get("/public/api/private",
                headers=dpop(token, ALICE.proof(htu(srv, "/public/api/private"), token)))
    assert_proof_refused(r, "The DPoP proof is for another URI")


def test_refusals_are_logged_by_reason(srv):
    token = token_for(ALICE)
    srv.begin_test()
    assert srv.get("/api/private", headers=dpop(token, None)).status == 401
    assert any("refused dpop_missing" in line for line in srv.log_lines()), srv.log_lines()


def test_origin_is_the_servers_own_name(srv):
    """Attack: a proof captured at another server (its htu names that server)
    sent here with a matching Host header, or as an absolute-form request
    target. The origin of htu is this server's ServerName and port, never what
    the client names."""
    import http.client  # pylint: disable=import-outside-toplevel
    token = token_for(ALICE)
    for host, target in (("victim.example", "/api/private"),
                         ("127.0.0.1:%d" % srv.port, "http://other.example:8443/api/private")):
        url = ("http://victim.example/api/private" if target.startswith("/") else target)
        proof = ALICE.proof(url, token)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        try:
            conn.putrequest("GET", target, skip_host=True)
            conn.putheader("Host", host)
            conn.putheader("Authorization", "DPoP " + token)
            conn.putheader("DPoP", proof)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        assert resp.status == 401, (host, target, resp.status, body)
        assert b"The DPoP proof is for another URI" in body, body


def test_errordocument_in_another_scope_does_not_spend_the_proof_twice(srv):
    """An ErrorDocument served from another protected scope checks the request
    again; the proof the client sent once is that request's, not a replay."""
    ajtest.expect_log(r"AH00\d+")
    token = token_for(ALICE)
    r = srv.get("/doc/nothing", headers=dpop(token, ALICE.proof(htu(srv, "/doc/nothing"), token)))
    # the ErrorDocument's own handler sets the status it answers with
    assert "Hello from a private endpoint" in r.text, (r.status, r.text)


def test_cached_token_keeps_its_own_ath(srv):
    """Attack: two tokens bound to the same key, both in the token cache (which
    keeps each token's ath, so that its proofs cost no hash of the token). A
    proof made for one, sent with the other, is refused every time: the ath
    the cache gives is the token's own."""
    a, b = token_for(ALICE, sub="ath-a@clients"), token_for(ALICE, sub="ath-b@clients")
    assert a != b
    url = htu(srv, "/api/private")
    for _ in range(3):  # the first request puts each token in the cache
        for token in (a, b):
            r = srv.get("/api/private", headers=dpop(token, ALICE.proof(url, token)))
            assert r.status == 200, r.text
    for token, other in ((a, b), (b, a)):
        for _ in range(3):
            assert_proof_refused(
                srv.get("/api/private", headers=dpop(token, ALICE.proof(url, other))),
                "The DPoP proof is for another token")


def test_remembered_proof_header_lends_no_algorithm(srv):
    """Attack: a proof header remembered (per process) after a scope that
    allows ES256 accepted it, sent to a scope that allows only EdDSA: the
    algorithm is checked again for the scope at hand."""
    token = token_for(ALICE)
    for _ in range(3):
        r = srv.get("/api/private",
                    headers=dpop(token, ALICE.proof(htu(srv, "/api/private"), token)))
        assert r.status == 200, r.text
    for _ in range(3):
        r = srv.get("/edonly/api/private",
                    headers=dpop(token, ALICE.proof(htu(srv, "/edonly/api/private"), token)))
        assert r.status == 401, r.text
        assert r.json()["error_description"] == "The DPoP proof algorithm is not accepted"
