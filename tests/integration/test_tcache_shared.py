"""The shared level of the verified-token cache (docs/validation.md, "The
verified-token cache"; Auth0TokenCacheShared). Under prefork every child has
its own cache, so without a shared level each child verifies every token
again. With it, a token is verified about once per server, and a record
another child made is re-checked by the reader exactly as an entry of its own:
it lends no trust across scopes, outlives neither its key nor its exp.

Each test runs prefork (whatever AJ_MPM says): a prefork child serves one
connection at a time, so connections held open together meet distinct
children, which the access log's %P proves.
"""

import json
import os
import time

import tokens as T
from gaps_helpers import KeepAlive
from jwks_server import CONFIG_WARNINGS, PID_LOG, mpm_lines, pid_log

CHILDREN = 4

SNIPPET = """
%(mpm)s
%(pid_log)s
Auth0Issuer %(iss)s
Auth0Audience %(aud)s
Auth0JWKSCacheTTL 1
Auth0ClockSkew 1
KeepAliveTimeout 30
%(extra)s
<Location /a/>
    Auth0JWKSFile conf/a.json
</Location>
<Location /b/>
    Auth0JWKSFile conf/a.json
    Auth0Algorithms RS256 PS256
</Location>
<LocationMatch "^/[ab]/api/">
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</LocationMatch>
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""


def _server(httpd_factory, extra=""):
    snippet = SNIPPET % {"mpm": mpm_lines("prefork", CHILDREN), "pid_log": PID_LOG,
                         "iss": T.ISSUER, "aud": T.AUDIENCE, "extra": extra}
    return httpd_factory(snippet, mpm="prefork", files={"conf/a.json": T.keys().jwks_text},
                         allow_log=[CONFIG_WARNINGS])


def _status(srv):
    r = srv.get("/status", headers=[("Accept", "application/json")])
    assert r.status == 200, r.text
    return r.json()["token_cache"]


def _on_each_child(srv, path, token, n=CHILDREN):
    """GET path with token on n connections held open together (n children);
    the statuses, and the pids that answered."""
    conns = [KeepAlive(srv) for _ in range(n)]
    try:
        statuses = [c.get(path, T.bearer(token))[0] for c in conns]
    finally:
        for c in conns:
            c.close()
    time.sleep(0.2)  # the access log line is written after the answer
    pids = {pid for pid, _, p in pid_log(srv) if p == path}
    return statuses, pids


def test_prefork_children_verify_a_token_once(httpd_factory):
    """Under prefork (the default: On), a token met by four children is
    verified once: the three others find the first child's record."""
    srv = _server(httpd_factory)
    token = T.pyjwt()
    statuses, pids = _on_each_child(srv, "/a/api/private", token)
    assert statuses == [200] * CHILDREN
    assert len(pids) == CHILDREN, "the connections did not meet %d children: %r" % (CHILDREN, pids)
    tc = _status(srv)
    assert tc["shared"]["on"] is True and tc["shared"]["bytes"] >= 1 << 20, tc
    assert tc["misses"] == 1, "verified %d times by %d children" % (tc["misses"], CHILDREN)
    assert tc["hits"] == CHILDREN - 1 and tc["shared"]["hits"] == CHILDREN - 1, tc


def test_level_mutex_takes_its_own_mutex_line(httpd_factory):
    """The test servers say `Mutex file:DIR default`, which makes every mutex
    an fcntl lock (two system calls a lookup). `Mutex default
    auth0-jwt-tcache` (docs/directives.md) gives the level's eight mutexes
    (one a shard) the platform's own mechanism back, and the level still
    works across children."""
    def lock_files(pids):
        """the children's open files named after the level's mutex (an fcntl
        lock keeps its file open, unlinked; a pthread mutex has none)"""
        found = []
        for pid in pids:
            fd_dir = "/proc/%d/fd" % pid
            for fd in os.listdir(fd_dir):
                try:
                    target = os.readlink(os.path.join(fd_dir, fd))
                except OSError:
                    continue
                if "auth0-jwt-tcache" in target:
                    found.append(target)
        return found

    for extra, fcntl in (("", True), ("Mutex default auth0-jwt-tcache", False)):
        srv = _server(httpd_factory, extra)
        statuses, pids = _on_each_child(srv, "/a/api/private", T.pyjwt())
        assert statuses == [200] * CHILDREN and len(pids) == CHILDREN
        tc = _status(srv)
        assert tc["misses"] == 1 and tc["shared"]["hits"] == CHILDREN - 1, (extra, tc)
        files = lock_files(pids)
        # eight shards, each its own mutex: eight lock files, held by every child
        assert len(files) == (8 * CHILDREN if fcntl else 0), (extra, files)
        assert len(set(files)) == (8 if fcntl else 0), (extra, files)
        srv.stop()


def test_shared_off_each_child_verifies(httpd_factory):
    """Auth0TokenCacheShared Off: each child verifies the token for itself
    (the figure the shared level is measured against)."""
    srv = _server(httpd_factory, "Auth0TokenCacheShared Off")
    statuses, pids = _on_each_child(srv, "/a/api/private", T.pyjwt())
    assert statuses == [200] * CHILDREN and len(pids) == CHILDREN
    tc = _status(srv)
    assert tc["shared"]["on"] is False and tc["shared"]["hits"] == 0, tc
    assert tc["misses"] == CHILDREN, tc


def test_shared_record_is_named_by_the_scopes_key_policy(httpd_factory):
    """Attack: a token verified under one scope's key policy is presented to a
    scope with another (here: another algorithm list, same keys), hoping that
    the other children take the first scope's verdict from shared memory. The
    name of a record covers the key policy: the second scope finds nothing and
    verifies the token itself."""
    srv = _server(httpd_factory)
    token = T.pyjwt()
    statuses, _ = _on_each_child(srv, "/a/api/private", token, n=1)
    assert statuses == [200]
    before = _status(srv)
    statuses, _ = _on_each_child(srv, "/b/api/private", token, n=2)
    assert statuses == [200, 200]
    after = _status(srv)
    assert after["shared"]["hits"] - before["shared"]["hits"] <= 1, (before, after)
    assert after["misses"] - before["misses"] >= 1, "scope /b took /a's verdict: %r" % after


def test_shared_record_dies_with_its_key(httpd_factory):
    """Attack: a token verified (and shared) while its key signed, replayed to
    other children after the tenant republished that key as `use: enc`. The
    reader re-checks the record's key in its own key set: refused, as a fresh
    token signed by that key is. And a refused entry is no hit (found by
    review: the counts took it for one): four misses, no hit."""
    srv = _server(httpd_factory)
    token = T.pyjwt()
    statuses, _ = _on_each_child(srv, "/a/api/private", token, n=1)
    assert statuses == [200]
    doc = json.loads(T.keys().jwks_text)
    doc["keys"][0]["use"] = "enc"
    srv.write_file("conf/a.json", json.dumps(doc))
    time.sleep(1.2)  # past Auth0JWKSCacheTTL: the file is read again
    before = _status(srv)
    statuses, _ = _on_each_child(srv, "/a/api/private", token)
    assert statuses == [401] * CHILDREN, "a shared record outlived its key: %r" % statuses
    after = _status(srv)
    assert after["hits"] == before["hits"], (before, after)
    assert after["misses"] - before["misses"] == CHILDREN, (before, after)


def test_shared_record_never_outlives_exp(httpd_factory):
    """Attack: replay a token after its exp to children that never saw it,
    hoping the shared record answers. Records die at exp by the reader's own
    clock, and the claims are checked on every hit."""
    srv = _server(httpd_factory)
    token = T.pyjwt(ttl=2)
    statuses, _ = _on_each_child(srv, "/a/api/private", token, n=1)
    assert statuses == [200]
    time.sleep(3.5)  # past exp and the 1 s of skew
    statuses, _ = _on_each_child(srv, "/a/api/private", token)
    assert statuses == [401] * CHILDREN
    srv.wait_log(r"refused expired: ")


def test_shared_record_keeps_an_empty_kid(httpd_factory):
    """Attack (found by review): a token signed under `"kid": ""` is verified
    and shared; the tenant then renames that key. A fresh token with the empty
    kid is refused (`kid_unknown`), and so must the shared one be in every
    child: a record that turned the empty kid into no kid let other children
    choose the key by its algorithm alone and accept it."""
    doc = json.loads(T.keys().jwks_text)
    doc["keys"][0]["kid"] = ""
    srv = _server(httpd_factory)
    srv.write_file("conf/a.json", json.dumps(doc))
    time.sleep(1.2)  # past Auth0JWKSCacheTTL: the file is read again
    token = T.pyjwt(kid="")
    statuses, _ = _on_each_child(srv, "/a/api/private", token, n=1)
    assert statuses == [200]
    doc["keys"][0]["kid"] = "renamed"
    srv.write_file("conf/a.json", json.dumps(doc))
    time.sleep(1.2)
    statuses, _ = _on_each_child(srv, "/a/api/private", T.pyjwt(kid="", sub="auth0|fresh"), n=1)
    assert statuses == [401]
    statuses, _ = _on_each_child(srv, "/a/api/private", token)
    assert statuses == [401] * CHILDREN, "a shared record lost its empty kid: %r" % statuses
    srv.wait_log(r"refused kid_unknown: ")


def test_malformed_header_reaches_neither_level_nor_counts(httpd_factory):
    """A malformed Authorization header (found by review) is read whole before
    a lookup is counted: refused as `header_syntax`, with the counts of both
    levels untouched. (Both levels may be asked first, as for any token: only
    verified tokens, all base64url and dots, were ever stored, so bytes like
    these never match.)"""
    srv = _server(httpd_factory)
    before = _status(srv)
    r = srv.get("/a/api/private", headers=[("Authorization", "Bearer abc def")])
    assert r.status == 401
    srv.wait_log(r"refused header_syntax: ")
    after = _status(srv)
    for k in ("hits", "misses"):
        assert after[k] == before[k], (before, after)
        assert after["shared"][k] == before["shared"][k], (before, after)


def test_shared_record_keeps_the_tokens_own_ath(httpd_factory):
    """A DPoP-bound token's record carries its ath (the SHA-256 its proofs
    name), so that no child hashes the token again. Attack: a second token
    bound to the same key, its proof sent with the first token to the children
    that take the first token from shared memory: refused on each, while the
    first token's own proofs pass there."""
    from test_dpop import Client, dpop
    alice = Client()
    srv = _server(httpd_factory)
    url = "http://127.0.0.1:%d/a/api/private" % srv.port
    a = T.pyjwt(sub="ath-a@clients", extra={"cnf": {"jkt": alice.jkt}})
    b = T.pyjwt(sub="ath-b@clients", extra={"cnf": {"jkt": alice.jkt}})
    assert a != b
    conns = [KeepAlive(srv) for _ in range(CHILDREN)]
    try:
        first = conns[0].get("/a/api/private", dpop(a, alice.proof(url, a)))
        assert first[0] == 200, first
        before = _status(srv)
        wrong = [c.get("/a/api/private", dpop(a, alice.proof(url, b)))[0] for c in conns[1:]]
        right = [c.get("/a/api/private", dpop(a, alice.proof(url, a)))[0] for c in conns[1:]]
    finally:
        for c in conns:
            c.close()
    assert wrong == [401] * (CHILDREN - 1), "a proof for another token passed: %r" % wrong
    assert right == [200] * (CHILDREN - 1), right
    after = _status(srv)
    assert after["misses"] == before["misses"], "a child verified the token again: %r" % after
    assert after["shared"]["hits"] - before["shared"]["hits"] >= 1, (before, after)


def test_shared_level_holds_a_full_cache_of_tokens(httpd_factory):
    """The shared level keeps as many records as Auth0TokenCacheSize asks for
    (found by the 32-child benchmark: shmcb sized its index for 2 KB records,
    so it held half as many, and 30,000 tokens were verified 1.7 times each).
    700 tokens through one child, then through another: the second finds every
    one in shared memory and verifies none."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    pem = T.keys().pem
    key = load_pem_private_key(pem if isinstance(pem, bytes) else pem.encode(), None)
    n = 700
    tokens = [T.pyjwt(sub="fill-%d@clients" % i, key=key) for i in range(n)]
    srv = _server(httpd_factory, "Auth0TokenCacheSize %d\nMaxKeepAliveRequests 0" % n)
    first, second = KeepAlive(srv), KeepAlive(srv)  # open together: two children
    try:
        assert {first.get("/a/api/private", T.bearer(t))[0] for t in tokens} == {200}
        before = _status(srv)
        assert {second.get("/a/api/private", T.bearer(t))[0] for t in tokens} == {200}
    finally:
        first.close()
        second.close()
    after = _status(srv)
    assert before["misses"] == n, before
    assert after["misses"] == n, "the second child verified %d of %d tokens again" % (
        after["misses"] - n, n)
    assert after["shared"]["hits"] - before["shared"]["hits"] == n, (before, after)


def test_shared_quick_hit_reads_claims_the_view_does_not_keep(httpd_factory, expect_log):
    """Attack (review of the lazy payload): a shared-level hit builds only the
    claims the view keeps; a claim it does not keep (a custom claim required
    by `Require auth0-claim`, negated under <RequireAll>, and the claim
    Auth0RemoteUserClaim names) is read from the record's text on demand.
    Every child must answer as the child that verified the token: the
    admin in, the banned out, REMOTE_USER the custom claim."""
    extra = """
CustomLog "${AJ_SERVERROOT}/logs/user_log" "%P %>s %U %u"
<LocationMatch "^/a/claim/">
    SetHandler auth0-demo
    AuthType Auth0
    Auth0RemoteUserClaim https://x/email
    <RequireAll>
        Require valid-user
        Require auth0-claim https://x/roles admin banned
        Require not auth0-claim https://x/roles banned
    </RequireAll>
</LocationMatch>
"""
    expect_log(r"AH01630")
    srv = _server(httpd_factory, extra)
    admin = T.pyjwt(extra={"https://x/roles": ["admin"], "https://x/email": "adm\u00e9@x",
                           "org": {"sub": "inner", "exp": 1}})
    banned = T.pyjwt(extra={"https://x/roles": ["admin", "banned"],
                            "https://x/email": "ban@x"})
    statuses, pids = _on_each_child(srv, "/a/claim/api/private", admin)
    assert statuses == [200] * CHILDREN, statuses
    statuses, _ = _on_each_child(srv, "/a/claim/api/public", banned)
    assert statuses == [403] * CHILDREN, statuses
    tc = _status(srv)
    assert tc["shared"]["hits"] == 2 * (CHILDREN - 1), tc
    time.sleep(0.2)
    with open(srv.path("logs", "user_log"), encoding="utf-8", errors="replace") as f:
        users = [line.split()[3] for line in f if "/a/claim/api/private" in line]
    assert users == ["adm\u00e9@x"] * CHILDREN or users == ["adm\\xc3\\xa9@x"] * CHILDREN, users
