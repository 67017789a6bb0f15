"""cache_scale.py: the verified-token cache at scale (issue 17, goals 5 and 6),
end to end: httpd on 127.0.0.1, wrk -t2 -c32 rotating through many distinct
RS256 tokens (a Lua script), the status page for hits and misses. Markdown on
stdout, for docs/performance.md. Loopback only; run on an otherwise idle
machine, after make:

    /usr/bin/python3 scripts/bench/cache_scale.py

  SCALE_TOKENS=100000   distinct tokens for the scale points
  PREFORK_TOKENS=30000  distinct tokens for the prefork points
  PREFORK_CHILDREN=32   prefork children
  SECS=10               seconds per measured point; REPS=3 rounds (medians)
  POINTS=levels,scale,prefork   which points to run

Points:
  scale   event MPM, one child of 64 threads (one cache), the tokens in
          rotation: a cache larger than the working set (after one warm-up
          pass), then one smaller (least recently used: a rotation larger
          than the cache never hits). Hit rate, req/s, p50/p99, and the
          memory one cache entry costs (the child's RSS before and after the
          warm-up pass, over the entries it holds).
  prefork PREFORK_CHILDREN children, a cold start per point, the tokens in
          rotation over 32 connections: verifications (misses) per distinct
          token and the hit rate, with Auth0TokenCacheShared On and Off.
  levels  what a hit in the shared level costs over a hit in the process's
          own cache, under prefork (where the level is On by default) with
          LEVELS_CHILDREN (8) children: the same 256 tokens in rotation; an
          own cache of 16 entries (so almost every lookup misses there) with
          the shared level On, against a cache that holds them all.
          LEVELS_MPM=event runs it in one event child of 64 threads instead. "us/req" is
          2 cores x 1e6 / req/s, wrk's share included. All four servers run
          at once and the rounds are interleaved, so that the machine's drift
          falls on every point alike; on a 2-core machine run-to-run noise is
          still several us (tests/bench/bench_tcache times it natively).
          "httpd CPU us/req" is the user + system time of the server's
          processes (/proc/PID/stat) over the requests wrk counted in the
          round: it leaves out wrk's share and the time httpd waits, so it
          moves less than req/s. Differences are taken round by round, each
          against the own-cache server of the same round.
"""
import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
os.environ.setdefault("AJ_TOP_SRCDIR", TOP)
os.environ.setdefault("AJ_TOP_BUILDDIR", TOP)
os.environ.setdefault("AJ_TMPDIR", tempfile.mkdtemp(prefix="aj-bench."))
import ajtest  # noqa: E402
import tokens as T  # noqa: E402

SCALE_TOKENS = int(os.environ.get("SCALE_TOKENS", "100000"))
PREFORK_TOKENS = int(os.environ.get("PREFORK_TOKENS", "30000"))
PREFORK_CHILDREN = int(os.environ.get("PREFORK_CHILDREN", "32"))
SECS = int(os.environ.get("SECS", "10"))
REPS = int(os.environ.get("REPS", "3"))
WORK = os.environ["AJ_TMPDIR"]

ROTATE_LUA = """
-- each wrk thread walks the token list from its own offset, one token a
-- request; the requests are made once, in init, so a request costs wrk a
-- table lookup
local reqs, i = {}, 0
function setup(thread)
    thread:set("offset", math.random(1, 1000000))
end
function init(args)
    local path = os.getenv("BENCH_PATH")
    for line in io.lines(os.getenv("BENCH_TOKENS")) do
        reqs[#reqs + 1] = wrk.format("GET", path, {["Authorization"] = "Bearer " .. line})
    end
    i = (tonumber(offset) or 0) %% #reqs
end
function request()
    i = i %% #reqs + 1
    return reqs[i]
end
""".replace("%%", "%")

PROTECTED = """
%(auth0)s
LogLevel warn
<Location /api/>
    SetHandler auth0-demo
    AuthType Auth0
    Require valid-user
</Location>
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""

LEVELS_MPM = os.environ.get("LEVELS_MPM", "prefork")
LEVELS_CHILDREN = int(os.environ.get("LEVELS_CHILDREN", "8"))
EVENT_ONE_CHILD = ("StartServers 1\nServerLimit 1\nThreadsPerChild 64\nThreadLimit 64\n"
                   "MaxRequestWorkers 64\nMinSpareThreads 1\nMaxSpareThreads 64\n")


def out(line=""):
    print(line, flush=True)


_KEY = []  # the signing key, loaded once per process (a PEM load costs more than a signature)


def _mint(i):
    if not _KEY:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        pem = T.keys().pem
        _KEY.append(load_pem_private_key(pem if isinstance(pem, bytes) else pem.encode(), None))
    return T.pyjwt(sub="auth0|bench-%d" % i, scope="read:messages", ttl=86400, key=_KEY[0])


def mint_tokens(n, path):
    """n distinct RS256 tokens, one per line, minted on every core."""
    if os.path.exists(path):
        with open(path) as f:
            if sum(1 for _ in f) == n:
                return path
    T.keys()  # the key exists before the workers fork
    with multiprocessing.Pool() as pool:
        toks = pool.map(_mint, range(n), chunksize=500)
    with open(path, "w") as f:
        f.write("\n".join(toks) + "\n")
    return path


def wrk(port, path, tokens_file, secs, connections=32):
    lua = os.path.join(WORK, "rotate.lua")
    with open(lua, "w") as f:
        f.write(ROTATE_LUA)
    env = dict(os.environ, BENCH_TOKENS=tokens_file, BENCH_PATH=path)
    r = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % secs, "--latency",
                        "-s", lua, "http://127.0.0.1:%d%s" % (port, path)],
                       capture_output=True, text=True, env=env)
    text = r.stdout
    if "Non-2xx" in text or r.returncode != 0:
        raise RuntimeError("wrk: errors or refusals:\n" + text + r.stderr)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    return rps, lat.get("50", "-"), lat.get("99", "-"), total


def status(srv):
    r = srv.get("/status", headers=[("Accept", "application/json")])
    assert r.status == 200, r.text
    return r.json()


def child_rss_kb(srv):
    kids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/status" % pid) as f:
                    st = f.read()
            except OSError:
                continue
            if re.search(r"^PPid:\s+%d$" % srv.proc.pid, st, re.M):
                kids.append(int(re.search(r"^VmRSS:\s+(\d+)", st, re.M).group(1)))
    return sum(kids)


def hit_rate(before, after):
    b, a = before["token_cache"], after["token_cache"]
    hits, misses = a["hits"] - b["hits"], a["misses"] - b["misses"]
    return hits, misses, (100.0 * hits / (hits + misses) if hits + misses else 0.0)


def server(lines, name, mpm="event"):
    files = dict(T.server_files())
    return ajtest.Httpd(lines + PROTECTED % {"auth0": T.AUTH0}, name=name, mpm=mpm,
                        files=files)


def scale_points(tokens_file):
    out("## Scale: %d distinct tokens in rotation (event, one child of 64 threads)" % SCALE_TOKENS)
    out()
    out("| cache entries | working set | hit rate | req/s (median of %d) | p50 | p99 | "
        "memory per entry |" % REPS)
    out("|---:|---:|---:|---:|---:|---:|---:|")
    for size in (SCALE_TOKENS + SCALE_TOKENS // 2, SCALE_TOKENS // 5):
        with server(EVENT_ONE_CHILD + "Auth0TokenCacheSize %d\nAuth0TokenCacheShared Off\n"
                    % size, "scale") as srv:
            srv.get("/api/public")
            rss0 = child_rss_kb(srv)
            # warm-up: until the cache holds the working set (or can hold no
            # more), at most two minutes
            deadline = time.time() + 120
            while True:
                wrk(srv.port, "/api/private", tokens_file, 5)
                held = status(srv)["token_cache"]["entries"]
                if held >= min(size, SCALE_TOKENS) * 0.99 or time.time() > deadline:
                    break
            st0 = status(srv)
            entries = st0["token_cache"]["entries"]
            per_entry = (child_rss_kb(srv) - rss0) * 1024.0 / entries if entries else 0
            runs = [wrk(srv.port, "/api/private", tokens_file, SECS) for _ in range(REPS)]
            hits, misses, rate = hit_rate(st0, status(srv))
            med = statistics.median(r[0] for r in runs)
            mid = sorted(runs)[len(runs) // 2]
            out("| %d | %d | %.1f %% (%d hits, %d misses) | %.0f (%s) | %s | %s | %s |" % (
                size, SCALE_TOKENS, rate, hits, misses, med,
                " / ".join("%.0f" % r[0] for r in runs), mid[1], mid[2],
                "%.0f bytes (%d entries, RSS +%d kB)" % (per_entry, entries,
                                                        child_rss_kb(srv) - rss0)
                if size > SCALE_TOKENS else "-"))
    out()


def prefork_points(tokens_file):
    out("## Prefork: %d children, %d distinct tokens over 32 connections, %d s from a cold "
        "start" % (PREFORK_CHILDREN, PREFORK_TOKENS, SECS))
    out()
    out("| Auth0TokenCacheShared | requests | verifications (misses) | per distinct token | "
        "hit rate | shared-level hits | req/s |")
    out("|---|---:|---:|---:|---:|---:|---:|")
    lines = ("StartServers %d\nServerLimit %d\nMaxRequestWorkers %d\nMinSpareServers %d\n"
             "MaxSpareServers %d\nAuth0TokenCacheSize 50000\n"
             % ((PREFORK_CHILDREN,) * 5))
    for shared in ("On", "Off"):
        rows = []
        for _ in range(REPS):
            with server(lines + "Auth0TokenCacheShared %s\n" % shared, "prefork",
                        mpm="prefork") as srv:
                deadline = time.time() + 30
                while len(srv_children(srv)) < PREFORK_CHILDREN and time.time() < deadline:
                    time.sleep(0.2)
                st0 = status(srv)
                rps = wrk(srv.port, "/api/private", tokens_file, SECS)[0]
                st1 = status(srv)
                hits, misses, rate = hit_rate(st0, st1)
                rows.append((rps, hits, misses, rate,
                             st1["token_cache"]["shared"]["hits"] - st0["token_cache"]["shared"]["hits"]))
        rps, hits, misses, rate, shits = sorted(rows)[len(rows) // 2]
        out("| %s | %d | %d | %.2f | %.1f %% | %d | %.0f (%s) |" % (
            shared, hits + misses, misses, misses / float(min(PREFORK_TOKENS, hits + misses)),
            rate, shits, rps, " / ".join("%.0f" % r[0] for r in rows)))
    out()


def srv_children(srv):
    kids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/stat" % pid) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == srv.proc.pid:
                        kids.append(pid)
            except (OSError, ValueError, IndexError):
                continue
    return kids


def cpu_seconds(srv):
    """User + system CPU time of a server's parent and children so far."""
    tick, total = float(os.sysconf("SC_CLK_TCK")), 0
    for pid in [str(srv.proc.pid)] + srv_children(srv):
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a child gone between the listing and the read
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def level_points():
    if LEVELS_MPM == "event":
        mpm_lines, where = EVENT_ONE_CHILD, "event, one child of 64 threads"
    else:
        mpm_lines = ("StartServers %d\nMinSpareServers %d\nMaxSpareServers %d\nServerLimit %d\n"
                     "MaxRequestWorkers %d\n" % ((LEVELS_CHILDREN,) * 5))
        where = "prefork, %d children" % LEVELS_CHILDREN
    out("## A hit in the shared level against a hit in the process's own cache (%s)" % where)
    out()
    toks = os.path.join(WORK, "tokens-256.txt")
    with open(toks, "w") as f:
        f.write("\n".join(_mint(i) for i in range(256)) + "\n")
    one = os.path.join(WORK, "tokens-1.txt")
    with open(one, "w") as f:
        f.write(_mint(0) + "\n")
    # the floor takes the same 256 tokens (the same requests for wrk to send
    # and for httpd to read), all held by the process's own cache
    configs = [("own cache (256 tokens, all held)", toks,
                "Auth0TokenCacheSize 10000\nAuth0TokenCacheShared Off\n"),
               ("shared level (own cache of 16, 256 tokens)", toks,
                "Auth0TokenCacheSize 16\nAuth0TokenCacheShared On 1048576\n"),
               # the test servers say `Mutex file:DIR default` (fcntl, two system
               # calls a lookup); this point gives the level's mutex the
               # platform's default mechanism, as an installation without that
               # line has it
               ("shared level, `Mutex default auth0-jwt-tcache`", toks,
                "Auth0TokenCacheSize 16\nAuth0TokenCacheShared On 1048576\n"
                "Mutex default auth0-jwt-tcache\n"),
               ("public (no token checked)", one, "")]
    # every server up at once (idle ones cost nothing), the rounds interleaved:
    # this VM's speed drifts by more than the difference sought, and a drift
    # then falls on every point alike instead of on the one measured last
    res = {}
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(server(mpm_lines + lines, "levels-%d" % i,
                                              mpm="event" if LEVELS_MPM == "event" else "prefork"))
                   for i, (_, _, lines) in enumerate(configs)]
        paths = ["/api/public" if label.startswith("public") else "/api/private"
                 for label, _, _ in configs]
        for srv, path, (_, tf, _) in zip(servers, paths, configs):
            wrk(srv.port, path, tf, 2)
        before = [status(srv) for srv in servers]
        runs = [[] for _ in configs]
        cpu = [[] for _ in configs]  # httpd's own CPU us per request, per round
        for _ in range(REPS):
            for i, (srv, path, (_, tf, _)) in enumerate(zip(servers, paths, configs)):
                c0 = cpu_seconds(srv)
                rps, _, _, total = wrk(srv.port, path, tf, SECS)
                runs[i].append(rps)
                cpu[i].append((cpu_seconds(srv) - c0) * 1e6 / total)
        for i, (srv, (label, _, _)) in enumerate(zip(servers, configs)):
            tc0, tc1 = before[i]["token_cache"], status(srv)["token_cache"]
            lookups = (tc1["hits"] + tc1["misses"]) - (tc0["hits"] + tc0["misses"])
            shared = tc1["shared"]["hits"] - tc0["shared"]["hits"]
            res[label] = (statistics.median(runs[i]), runs[i], lookups, shared,
                          tc1["misses"] - tc0["misses"], cpu[i])
    out("| point | req/s (median) | runs | us/req | httpd CPU us/req (median; runs) | lookups | "
        "of which shared-level hits | verifications |")
    out("|---|---:|---|---:|---|---:|---:|---:|")
    for label, (med, runs, lookups, shared, misses, c) in res.items():
        out("| %s | %.0f | %s | %.1f | %.2f; %s | %d | %d | %d |" % (
            label, med, " / ".join("%.0f" % r for r in runs), 2e6 / med,
            statistics.median(c), " / ".join("%.2f" % x for x in c), lookups, shared, misses))
    own_label = configs[0][0]
    own = 2e6 / res[own_label][0]
    out()
    for label, _, _ in configs[1:3]:
        lvl, lvl_runs, lookups, shared, _, lvl_cpu = res[label]
        frac = shared / float(lookups) if lookups else 0
        if frac > 0:
            # each round's difference, against the own-cache server measured
            # in the same round: a drift of the machine between rounds cancels
            wall = [(2e6 / a - 2e6 / b) / frac for a, b in zip(lvl_runs, res[own_label][1])]
            cpu_d = [(a - b) / frac for a, b in zip(lvl_cpu, res[own_label][5])]
            out("- %s: a shared-level hit costs **%.1f us** more than a hit in the process's "
                "own cache (%.1f us/req over %.1f us/req, with %.0f %% of lookups answered by "
                "the shared level; goal: at most 3 us). Round by round: wall clock %s us "
                "(median %.1f); httpd's own CPU time %s us (median **%.2f us**)." % (
                    label, (2e6 / lvl - own) / frac, 2e6 / lvl, own, 100 * frac,
                    " / ".join("%.1f" % x for x in wall), statistics.median(wall),
                    " / ".join("%.2f" % x for x in cpu_d), statistics.median(cpu_d)))
    out()


def main():
    out("# Token cache at scale (scripts/bench/cache_scale.py)")
    out()
    out("Run %s; SECS=%d, REPS=%d; wrk -t2 -c32 on the same 2 cores as httpd."
        % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), SECS, REPS))
    out()
    points = os.environ.get("POINTS", "levels,scale,prefork").split(",")
    if "levels" in points:
        level_points()
    if "scale" not in points and "prefork" not in points:
        return
    # token files are kept for the next run, named by the key that signed them
    # (the test key set is made afresh where none is kept)
    tag = hashlib.sha256(T.keys().jwks_text.encode()).hexdigest()[:12]
    if "scale" in points:
        scale_points(mint_tokens(SCALE_TOKENS, os.path.join(
            WORK, "tokens-%s-%d.txt" % (tag, SCALE_TOKENS))))
    if "prefork" in points:
        prefork_points(mint_tokens(PREFORK_TOKENS, os.path.join(
            WORK, "tokens-%s-%d.txt" % (tag, PREFORK_TOKENS))))


if __name__ == "__main__":
    main()
