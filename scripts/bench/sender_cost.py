"""sender_cost.py: what a DPoP request and an encrypted (JWE) token cost over a
bearer token, end to end: one httpd (event MPM, one child, 64 threads) on
127.0.0.1, wrk -t2 -c32, REPS rounds of SECS seconds per point, medians;
beside `openssl speed rsa2048 ecdsap256` in the same run.

Points: public (no token), bearer cache hit, bearer miss (Auth0TokenCacheSize 0),
DPoP (a fixed proof, Auth0DPoPReplay Off; the token a cache hit), JWE hit and
JWE miss. "us/req" is 2 cores x 1e6 / req/s: the CPU time of one request with
both cores busy (wrk shares them), so differences between points are what
counts. Run on an otherwise idle machine, after make:

    REPS=5 SECS=5 /usr/bin/python3 scripts/bench/sender_cost.py
"""
import os, re, subprocess, sys, tempfile, statistics
TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
os.environ.setdefault("AJ_TOP_SRCDIR", TOP)
os.environ.setdefault("AJ_TOP_BUILDDIR", TOP)
os.environ.setdefault("AJ_TMPDIR", tempfile.mkdtemp(prefix="aj-bench."))
import ajtest, tokens as T
from test_dpop import Client, token_for
from test_jwe import encrypt, pem, ENC1
REPS = int(os.environ.get("REPS", "5")); SECS = int(os.environ.get("SECS", "5"))
def wrk(port, path, headers):
    cmd = ["wrk", "-t2", "-c32", "-d%ds" % SECS]
    for k, v in headers: cmd += ["-H", "%s: %s" % (k, v)]
    out = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True).stdout
    assert "Non-2xx" not in out, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
snippet = T.AUTH0 + """
Auth0DecryptionKeyFile conf/enc1.pem enc-1
<Location /api/>
    SetHandler auth0-demo
    Require all granted
</Location>
<Location /hit/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0DPoPReplay Off
    Require valid-user
</Location>
<Location /miss/>
    SetHandler auth0-demo
    AuthType Auth0
    Auth0TokenCacheSize 0
    Require valid-user
</Location>
"""
lines = "StartServers 1\nServerLimit 1\nThreadsPerChild 64\nThreadLimit 64\nMaxRequestWorkers 64\nLogLevel warn\n"
files = dict(T.server_files()); files["conf/enc1.pem"] = (pem(ENC1), 0o600)
alice = Client()
with ajtest.Httpd(lines + snippet, name="bench", files=files) as srv:
    bearer = T.pyjwt(ttl=36000); dtoken = token_for(alice, ttl=36000); jwe = encrypt(T.pyjwt(ttl=36000))
    url = "http://127.0.0.1:%d/hit/api/private" % srv.port
    points = {
        "public": ("/api/public", lambda: []),
        "bearer hit": ("/hit/api/private", lambda: [("Authorization", "Bearer " + bearer)]),
        "bearer miss": ("/miss/api/private", lambda: [("Authorization", "Bearer " + bearer)]),
        "dpop (hit)": ("/hit/api/private", lambda: [("Authorization", "DPoP " + dtoken), ("DPoP", alice.proof(url, dtoken))]),
        "jwe hit": ("/hit/api/private", lambda: [("Authorization", "Bearer " + jwe)]),
        "jwe miss": ("/miss/api/private", lambda: [("Authorization", "Bearer " + jwe)]),
    }
    res = {k: [] for k in points}
    for i in range(REPS):
        for k, (path, hdrs) in points.items():
            res[k].append(wrk(srv.port, path, hdrs()))
    sp = subprocess.run(["openssl", "speed", "-seconds", "2", "rsa2048", "ecdsap256"], capture_output=True, text=True).stdout
    print("\n".join(l for l in sp.splitlines() if re.match(r"\s*(rsa|256 bits)", l)))
    us = lambda r: 1e6 * 2 / r   # CPU-µs per request with both cores busy (wrk shares them)
    med = {k: statistics.median(v) for k, v in res.items()}
    for k, v in res.items():
        print("%-12s runs %s  median %.0f req/s  %.1f us/req  extra over public %.1f us" % (k, ["%.0f" % x for x in v], med[k], us(med[k]), us(med[k]) - us(med["public"])))
    print("dpop over bearer hit: %.1f us; jwe hit over bearer hit: %.1f us; jwe miss over bearer hit: %.1f us" % (
        us(med["dpop (hit)"]) - us(med["bearer hit"]), us(med["jwe hit"]) - us(med["bearer hit"]), us(med["jwe miss"]) - us(med["bearer hit"])))
