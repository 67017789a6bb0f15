#!/usr/bin/env python3
"""bench.py: the benchmark of issue 7, driven by scripts/bench.sh.

scripts/bench.sh installs and builds; this file does the rest, on loopback only:

 1. the machine: CPU model, cores, kernel, httpd, OpenSSL, wrk, peer versions;
 2. a key (RS256, 2048 bits) and its JWKS made with ./auth0-jwt, a CA and a
    localhost certificate made with openssl, tokens minted with the key;
 3. one httpd (event MPM, LogLevel warn, no access log) from a generated
    configuration in the state folder (.state/bench by default):
      - the demo virtual host, conf/auth0-demo.conf verbatim: /api/public,
        /api/private, /api/private-scoped, verified-token cache on (server-wide
        Auth0TokenCacheSize, default 10000);
      - scripts/bench/ours-nocache.conf: the same two protected endpoints with
        `Auth0TokenCacheSize 0` in their <Location>s (cache bypassed);
      - conf/auth0-demo-jwks.conf: the key host, a second (HTTPS, mod_ssl)
        virtual host serving the JWKS, from which every module fetches its keys;
      - when Debian's peers are installed, scripts/bench/peer-openidc.conf
        (mod_auth_openidc) and scripts/bench/peer-oauth2.conf (mod_oauth2): the
        same two endpoints, same JWKS URI, same token. A peer that cannot be
        loaded beside mod_auth0_jwt runs in a second httpd with the same MPM
        settings, serving the same bodies as static files (and is said so);
 4. a check that every protected endpoint answers 200 with the token and 401
    without (and the scoped ones 403 or 401 to a token lacking the scope);
    anything else stops the run: error pages are never benchmarked;
 5. wrk on loopback (keep-alive, BENCH_CONNECTIONS=32 connections,
    BENCH_THREADS=2 threads, the token on every request including the public
    one): a warm-up run per point, then BENCH_REPS (3) interleaved rounds of
    BENCH_SECONDS (10) per point; medians of req/s and p99 latency, ratio to
    /api/public;
 6. memory: VmRSS of every httpd child before and after BENCH_MEMORY_REQUESTS
    (1000000; 0 skips) requests to /api/private-scoped, cache on (time-bounded
    wrk chunks until wrk's own request counts add up to the target);
 7. optional (BENCH_PERF=1): perf record of the children during one more
    cache-off run, and the hottest symbols;
 8. httpd stopped (always: finally, and SIGTERM/SIGHUP/SIGINT handlers), then
    the verification micro-benchmark (tests/bench/bench_verify) and the
    token cache levels micro-benchmark (tests/bench/bench_tcache);
 9. optional (BENCH_CALLGRIND=1): instructions per request of each endpoint,
    counted by callgrind in `httpd -X` (one process, one connection) over
    BENCH_CALLGRIND_REQUESTS (300) requests after a warm-up: exact and immune to
    other load on the machine, where req/s is not;
10. the goals of issue 7, met or missed.

Everything printed is Markdown and also written to STATE/results.md.
Exit status: 0, or 1 when a check failed or a run had errors.
"""

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

AUDIENCE = "https://auth0-jwt-demo/api"
KID = "bench-key"
SCOPE = "read:messages"
BODIES = {  # what the demo handler answers (mod_auth0_jwt_demo.c)
    "public": '{"message":"Hello from a public endpoint! You don\'t need to be '
              'authenticated to see this."}',
    "private": '{"message":"Hello from a private endpoint! You need to be '
               'authenticated to see this."}',
    "private-scoped": '{"message":"Hello from a private endpoint! You need to be '
                      'authenticated and have a scope of read:messages to see this."}',
}
MPM_SETTINGS = """\
# The same for every instance: two processes, never recycled, so that the
# children measured for memory live through the whole run; each with more
# threads than wrk has connections, so that no process ever has all its
# workers busy (event then closes keep-alive connections: wrk read errors).
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 2
    ThreadLimit 64
    ThreadsPerChild 64
    MaxRequestWorkers 128
    MinSpareThreads 64
    MaxSpareThreads 128
    MaxConnectionsPerChild 0
</IfModule>
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
"""


# ---------------------------------------------------------------------------
# settings and output
# ---------------------------------------------------------------------------

def env_num(name, default, cast=int, lo=0):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        v = cast(raw)
    except ValueError:
        sys.exit("bench: %s=%r is not a number" % (name, raw))
    if v < lo:
        sys.exit("bench: %s must be at least %s" % (name, lo))
    return v


SECONDS = env_num("BENCH_SECONDS", 10, float, 1)
REPS = env_num("BENCH_REPS", 3, int, 1)
WARMUP = env_num("BENCH_WARMUP", min(5.0, SECONDS), float, 1)
CONNECTIONS = env_num("BENCH_CONNECTIONS", 32, int, 1)
THREADS = env_num("BENCH_THREADS", 2, int, 1)
MEMORY_REQUESTS = env_num("BENCH_MEMORY_REQUESTS", 1000000, int, 0)
PERF = os.environ.get("BENCH_PERF", "0") not in ("", "0", "no")
CALLGRIND = os.environ.get("BENCH_CALLGRIND", "0") not in ("", "0", "no")
CALLGRIND_REQUESTS = env_num("BENCH_CALLGRIND_REQUESTS", 300, int, 10)
PEERS = os.environ.get("BENCH_PEERS", "1") not in ("", "0", "no")
PEERS_APART = os.environ.get("BENCH_PEERS_APART", "0") not in ("", "0", "no")
STATE = os.path.abspath(os.environ.get("BENCH_STATE") or os.path.join(TOP, ".state", "bench"))
RESULTS = os.path.join(STATE, "results.md")
CLI = os.environ.get("BENCH_CLI") or os.path.join(TOP, "auth0-jwt")
MODULE = os.environ.get("BENCH_MODULE") or os.path.join(TOP, ".libs", "mod_auth0_jwt.so")
VERIFY_BIN = os.environ.get("BENCH_VERIFY_BIN") or os.path.join(TOP, "tests", "bench",
                                                                 "bench_verify")
TCACHE_BIN = os.path.join(os.path.dirname(VERIFY_BIN), "bench_tcache")
FLOOR_SO = os.path.join(STATE, "mod_bench_floor.so")  # built by scripts/bench.sh
FAILED = []  # reasons the exit status will be 1


def out(line=""):
    print(line, flush=True)
    with open(RESULTS, "a") as f:
        f.write(line + "\n")


def table(header, rows, align=None):
    out("| " + " | ".join(header) + " |")
    out("|" + "|".join(align or ["---"] * len(header)) + "|")
    for r in rows:
        out("| " + " | ".join(str(c) for c in r) + " |")
    out()


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, check=False, **kw)


def note(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# httpd and its modules
# ---------------------------------------------------------------------------

def apxs_q(var):
    apxs = shutil.which("apxs") or shutil.which("apxs2") or "apxs"
    r = run([apxs, "-q", var])
    return r.stdout.strip() if r.returncode == 0 else ""


HTTPD = os.environ.get("BENCH_HTTPD") or (
    os.path.join(apxs_q("SBINDIR"), apxs_q("TARGET")) if apxs_q("TARGET") else "/usr/sbin/apache2")
MODDIR = apxs_q("LIBEXECDIR") or "/usr/lib/apache2/modules"
STATIC = run([HTTPD, "-l"]).stdout
PEER_MODULES = {  # name: (module symbol, .so, Debian package, conf file)
    "mod_auth_openidc": ("auth_openidc_module", "mod_auth_openidc.so",
                         "libapache2-mod-auth-openidc", "peer-openidc.conf"),
    "mod_oauth2": ("oauth2_module", "mod_oauth2.so", "libapache2-mod-oauth2",
                   "peer-oauth2.conf"),
}


def load_line(name):
    """LoadModule for stock module mod_NAME ('' when compiled in or absent)."""
    if "mod_%s.c" % name in STATIC:
        return ""
    path = os.path.join(MODDIR, "mod_%s.so" % name)
    return "LoadModule %s_module %s" % (name, path) if os.path.exists(path) else ""


def pkg_version(pkg):
    r = run(["dpkg-query", "-W", "-f=${Version}", pkg])
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One httpd: a generated configuration, started in the foreground."""

    def __init__(self, name, root, defines, includes, ours=True, peers=()):
        self.name, self.root, self.defines = name, root, defines
        self.includes, self.ours, self.peers = includes, ours, list(peers)
        self.proc = None
        self.conf = os.path.join(root, "conf", "httpd.conf")
        self.error_log = os.path.join(root, "logs", "error_log")
        self.pidfile = os.path.join(root, "run", "httpd.pid")
        self.log_mark = 0

    def write(self):
        for d in ("conf", "logs", "run", "htdocs"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        os.chmod(self.root, 0o755)
        lines = ["# generated by scripts/bench/bench.py", 'ServerRoot "%s"' % self.root,
                 load_line("mpm_event")]
        for m in ("authn_core", "authz_core", "authz_host", "authz_user", "mime", "alias",
                  "socache_shmcb", "ssl"):
            lines.append(load_line(m))
        if self.ours:
            lines.append("LoadModule auth0_jwt_module %s" % MODULE)
            if os.path.exists(FLOOR_SO):
                lines.append("LoadModule bench_floor_module %s" % FLOOR_SO)
        for p in self.peers:
            sym, so = PEER_MODULES[p][:2]
            lines.append("LoadModule %s %s" % (sym, os.path.join(MODDIR, so)))
        lines.append("ServerName 127.0.0.1")
        if os.getuid() == 0:
            lines += ["User www-data", "Group www-data"]
        lines += [
            "PidFile %s" % self.pidfile,
            "DefaultRuntimeDir %s/run" % self.root,
            "Mutex file:%s/run default" % self.root,
            "ErrorLog %s" % self.error_log,
            "# warn: logging never dominates; core:notice only adds start, stop and\n"
            "# crash lines (a child's exit signal is a notice)",
            "LogLevel warn core:notice",
            "# no CustomLog: the access log is off",
            "TypesConfig %s/conf/mime.types" % self.root,
            "DocumentRoot %s/htdocs" % self.root,
            "<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>",
            MPM_SETTINGS,
        ]
        if self.ours:
            lines.append("# server-wide: the size of each child's verified-token cache")
            lines.append("Auth0TokenCacheSize 10000")
        for k, v in self.defines.items():
            lines.append("Define %s %s" % (k, v))
        for inc in self.includes:
            lines.append("Include %s" % inc)
        with open(self.conf, "w") as f:
            f.write("\n".join(l for l in lines if l != "") + "\n")
        with open(os.path.join(self.root, "conf", "mime.types"), "w") as f:
            f.write("application/json json\ntext/plain txt\n")

    def test(self):
        r = run([HTTPD, "-d", self.root, "-f", self.conf, "-t"])
        return r.returncode == 0, (r.stdout + r.stderr).strip()

    def start(self, ports):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        self.log_mark = os.path.getsize(self.error_log) if os.path.exists(self.error_log) else 0
        with open(os.path.join(self.root, "logs", "httpd.out"), "ab") as o:
            self.proc = subprocess.Popen([HTTPD, "-d", self.root, "-f", self.conf, "-DFOREGROUND"],
                                         stdout=o, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.time() + 20
        for port in ports:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("%s: httpd exited at start (see %s)"
                                       % (self.name, self.error_log))
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("%s: port %d not open after 20 s" % (self.name, port))
                    time.sleep(0.1)

    def children(self):
        kids = []
        if self.proc is None:
            return kids
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/status" % pid) as f:
                    st = f.read()
            except OSError:
                continue
            m = re.search(r"^PPid:\s+(\d+)", st, re.M)
            if m and int(m.group(1)) == self.proc.pid:
                kids.append(int(pid))
        return sorted(kids)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def new_log_lines(self):
        try:
            with open(self.error_log, errors="replace") as f:
                f.seek(self.log_mark)
                return f.read().splitlines()
        except OSError:
            return []


def vm_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
            return int(m.group(1)) if m else None
    except OSError:
        return None


# ---------------------------------------------------------------------------
# HTTP checks and wrk
# ---------------------------------------------------------------------------

def get(port, path, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text):
    res = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    res["rps"] = float(m.group(1)) if m else None
    m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    res["p99"] = float(m.group(1)) * UNITS_MS[m.group(2)] if m else None
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", text, re.M)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    res["sockerr"] = sum(int(x) for x in m.groups()) if m else 0
    res["sockerr_text"] = m.group(0) if m else ""
    return res


WRK_RUNS = [0]


def wrk(url, token, seconds, tag="run"):
    cmd = ["wrk", "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % max(1, round(seconds)),
           "--latency", "-H", "Authorization: Bearer " + token, url]
    r = run(cmd)
    res = parse_wrk(r.stdout)
    res["raw"] = r.stdout + r.stderr
    WRK_RUNS[0] += 1
    os.makedirs(os.path.join(STATE, "wrk"), exist_ok=True)
    with open(os.path.join(STATE, "wrk", "%03d-%s.txt" % (WRK_RUNS[0], re.sub(r"[^\w.-]+", "_", tag))),
              "w") as f:
        f.write("$ " + " ".join(cmd[:-3] + ["-H", "'Authorization: Bearer ...'", url]) + "\n")
        f.write(res["raw"])
    if r.returncode != 0 or res["rps"] is None:
        res["error"] = "wrk failed (rc %d): %s" % (r.returncode, (r.stderr or r.stdout)[-300:])
    elif res["non2xx"] or res["sockerr"]:
        res["error"] = "%d non-2xx answers; %s" % (res["non2xx"], res["sockerr_text"] or "no socket errors")
    return res


def fmt_ms(v):
    return "-" if v is None else ("%.2f ms" % v if v < 100 else "%.0f ms" % v)


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

def machine_section():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        txt = f.read()
    m = re.search(r"^model name\s*:\s*(.+)$", txt, re.M)
    if m:
        cpu = m.group(1).strip()
    cpus = len(re.findall(r"^processor\s*:", txt, re.M))
    mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", txt, re.M)
    with open("/proc/meminfo") as f:
        mem = re.search(r"MemTotal:\s+(\d+)", f.read())
    httpd_v = run([HTTPD, "-v"]).stdout.splitlines()
    openssl_v = run(["openssl", "version"]).stdout.strip()
    wrk_v = run(["wrk", "-v"]).stdout.splitlines()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    rows = [
        ("CPU", "%s%s" % (cpu, " (%.0f MHz)" % float(mhz.group(1)) if mhz else "")),
        ("cores", "%d online (nproc %s)" % (cpus, run(["nproc"]).stdout.strip())),
        ("memory", "%.1f GiB" % (int(mem.group(1)) / 1048576) if mem else "?"),
        ("kernel", "%s %s" % (os.uname().sysname, os.uname().release)),
        ("httpd", httpd_v[0].split(":", 1)[1].strip() if httpd_v else "?"),
        ("OpenSSL", openssl_v),
        ("wrk", wrk_v[0].split(" [")[0] if wrk_v else "?"),
        ("load average at start", load),
    ]
    for name, (_, _, pkg, _) in PEER_MODULES.items():
        rows.append((name, pkg_version(pkg) or "not installed"))
    out("# mod_auth0_jwt benchmark")
    out()
    out("Run %s by `scripts/bench.sh` (BENCH_SECONDS=%g, BENCH_REPS=%d, "
        "BENCH_MEMORY_REQUESTS=%d)." % (time.strftime("%Y-%m-%d %H:%M %Z"), SECONDS, REPS,
                                       MEMORY_REQUESTS))
    out()
    table(["machine", ""], rows)
    if float(load.split()[0]) > 0.5:
        out("**Warning:** the machine is not idle (load average %s): req/s and latencies are "
            "disturbed by other work; instruction counts (BENCH_CALLGRIND=1) are not." % load)
        out()


def make_keys():
    keys = os.path.join(STATE, "keys")
    if not os.path.exists(os.path.join(keys, "private.pem")):
        r = run([CLI, "keygen", "--out", keys, "--alg", "RS256", "--kid", KID])
        if r.returncode != 0:
            sys.exit("bench: auth0-jwt keygen failed: " + r.stderr)
    root = os.path.join(STATE, "jwks-root", ".well-known")
    os.makedirs(root, exist_ok=True)
    for d in (os.path.join(STATE, "jwks-root"), root):
        os.chmod(d, 0o755)
    shutil.copyfile(os.path.join(keys, "jwks.json"), os.path.join(root, "jwks.json"))
    os.chmod(os.path.join(root, "jwks.json"), 0o644)
    tls = os.path.join(STATE, "tls")
    os.makedirs(tls, exist_ok=True)
    if not os.path.exists(os.path.join(tls, "localhost.pem")):
        steps = [
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
             "/CN=mod_auth0_jwt bench CA", "-keyout", tls + "/ca.key", "-out", tls + "/ca.pem"],
            ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-keyout", tls + "/localhost.key", "-out", tls + "/localhost.csr"],
            ["openssl", "x509", "-req", "-days", "30", "-in", tls + "/localhost.csr", "-CA",
             tls + "/ca.pem", "-CAkey", tls + "/ca.key", "-CAcreateserial", "-extfile",
             tls + "/ext.cnf", "-out", tls + "/localhost.pem"],
        ]
        with open(tls + "/ext.cnf", "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        for cmd in steps:
            r = run(cmd)
            if r.returncode != 0:
                sys.exit("bench: %s failed: %s" % (" ".join(cmd[:3]), r.stderr))
    os.chmod(os.path.join(tls, "ca.pem"), 0o644)
    return keys


def floor_key(keys):
    """The bench key's public half, for BenchRawVerify."""
    pub = os.path.join(keys, "public.pem")
    if not os.path.exists(pub):
        run(["openssl", "pkey", "-in", os.path.join(keys, "private.pem"), "-pubout", "-out", pub])
    return pub


def floor_token(token):
    """The token the floor verifies: the one every measured request sends."""
    path = os.path.join(STATE, "floor-token.txt")
    with open(path, "w") as f:
        f.write(token + "\n")
    return path


def mint(keys, issuer, scope=None, aud=AUDIENCE, ttl=172800, sub="bench-client@clients",
         claims=()):
    cmd = [CLI, "mint", "--key", os.path.join(keys, "private.pem"), "--kid", KID, "--iss",
           issuer, "--aud", aud, "--sub", sub, "--ttl", str(ttl)]
    if scope:
        cmd += ["--scope", scope]
    for c in claims:
        cmd += ["--claim", c]
    r = run(cmd)
    if r.returncode != 0:
        sys.exit("bench: auth0-jwt mint failed: " + r.stderr)
    return r.stdout.strip()


def static_files():
    d = os.path.join(STATE, "static")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    for name, body in BODIES.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(body)
    return d


def plan_instances(ports, defines, peers):
    """The instances to run: all in one when httpd -t accepts it, else peers apart."""
    ours_inc = [os.path.join(TOP, "conf", "auth0-demo-jwks.conf"),
                os.path.join(TOP, "conf", "auth0-demo.conf"),
                os.path.join(HERE, "ours-nocache.conf")]
    peer_inc = {p: os.path.join(HERE, PEER_MODULES[p][3]) for p in peers}
    root = os.path.join(STATE, "main")

    def ours_with(ps):
        inst = Instance("main", root, defines, ours_inc + [peer_inc[p] for p in ps], peers=ps)
        inst.write()
        return inst, inst.test()

    if PEERS_APART:
        notes = ["BENCH_PEERS_APART=1: each peer runs in an httpd of its own."]
    else:
        main_inst, (ok, msg) = ours_with(list(peers))
        if ok:
            return [main_inst], {p: "the same httpd as mod_auth0_jwt" for p in peers}, []
        notes = ["`httpd -t` refused mod_auth0_jwt with every peer loaded: " +
                 msg.replace("\n", " ")]
    beside, apart, where = [], [], {}
    for p in peers:
        if not PEERS_APART and ours_with(beside + [p])[1][0]:
            beside.append(p)
            where[p] = "the same httpd as mod_auth0_jwt"
            continue
        own = Instance(p, os.path.join(STATE, p), defines, [peer_inc[p]], ours=False, peers=[p])
        own.write()
        ok, msg = own.test()
        if ok:
            apart.append(own)
            where[p] = "a second httpd of its own (same MPM settings; bodies as static files)"
        else:
            notes.append("%s left out: its configuration fails httpd -t: %s"
                         % (p, msg.replace("\n", " ")))
    main_inst, (ok, msg) = ours_with(beside)
    if not ok:
        sys.exit("bench: the configuration of mod_auth0_jwt fails httpd -t:\n" + msg)
    return [main_inst] + apart, where, notes


def main():
    os.makedirs(STATE, exist_ok=True)
    os.chmod(STATE, 0o755)
    open(RESULTS, "w").close()
    shutil.rmtree(os.path.join(STATE, "wrk"), ignore_errors=True)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))

    machine_section()

    ports = {k: free_port() for k in ("demo", "nocache", "jwks", "openidc", "oauth2")}
    keys = make_keys()
    domain = "localhost:%d" % ports["jwks"]
    issuer = "https://%s/" % domain
    jwks_uri = "https://%s/.well-known/jwks.json" % domain
    token = mint(keys, issuer, SCOPE)
    bad_tokens = {  # each must be refused by every protected endpoint
        "no scope": mint(keys, issuer),  # refused by the scoped endpoints only
        "expired": mint(keys, issuer, SCOPE, ttl=-120),
        "other aud": mint(keys, issuer, SCOPE, aud="https://other-api"),
        "other iss": mint(keys, "https://other.eu.auth0.com/", SCOPE),
    }
    defines = {
        "AUTH0_DEMO_PORT": ports["demo"], "AUTH0_DEMO_JWKS_PORT": ports["jwks"],
        "AUTH0_DEMO_STATE": STATE, "AUTH0_DEMO_CA": os.path.join(STATE, "tls", "ca.pem"),
        "AUTH0_DOMAIN": domain, "AUTH0_AUDIENCE": AUDIENCE,
        "BENCH_NOCACHE_PORT": ports["nocache"], "BENCH_OPENIDC_PORT": ports["openidc"],
        "BENCH_OAUTH2_PORT": ports["oauth2"], "BENCH_JWKS_URI": jwks_uri,
        "BENCH_ISSUER": issuer, "BENCH_PASSPHRASE": secrets.token_hex(16),
        "BENCH_STATIC": static_files(),
        "BENCH_FLOOR_KEY": floor_key(keys), "BENCH_FLOOR_TOKEN": floor_token(token),
    }
    peers = []
    if PEERS:
        peers = [p for p, v in PEER_MODULES.items() if os.path.exists(os.path.join(MODDIR, v[1]))]
    instances, where, notes = plan_instances(ports, defines, peers)
    peers = [p for p in peers if p in where]

    out("## Setup")
    out()
    out("- httpd: event MPM, 2 processes x 64 threads (never recycled), keep-alive without a "
        "request limit, `LogLevel warn core:notice`, no access log; configuration generated "
        "in `%s`."
        % os.path.relpath(instances[0].conf, TOP))
    out("- Key: RS256, RSA 2048 (`auth0-jwt keygen`), kid `%s`. **Keys are fetched over HTTPS** "
        "by every module from `%s`, served by a second virtual host of the same httpd "
        "(mod_ssl, certificate from a CA made on the spot; `conf/auth0-demo-jwks.conf`), "
        "not read from a file (no Auth0JWKSFile)." % (KID, jwks_uri))
    out("- Token: minted by `auth0-jwt mint`, %d bytes, iss `%s`, aud `%s`, scope `%s`, "
        "valid 48 h; the same token for every endpoint, sent also to `/api/public` (which "
        "ignores it) so every request has the same size." % (len(token), issuer, AUDIENCE, SCOPE))
    out("- mod_auth0_jwt, cache on: the demo virtual host `conf/auth0-demo.conf` (port %d), "
        "server-wide `Auth0TokenCacheSize 10000`. Cache off: `scripts/bench/ours-nocache.conf` "
        "(port %d), `Auth0TokenCacheSize 0` in the protected `<Location>`s."
        % (ports["demo"], ports["nocache"]))
    for p in PEER_MODULES:
        if p in where:
            out("- %s %s: `scripts/bench/%s` (port %d), in %s." % (
                p, pkg_version(PEER_MODULES[p][2]), PEER_MODULES[p][3],
                ports["openidc" if p == "mod_auth_openidc" else "oauth2"], where[p]))
        else:
            out("- %s: not measured (%s)." % (p, "BENCH_PEERS=0" if not PEERS else
                                              "not installed or not loadable"))
    for n in notes:
        out("- Note: " + n)
    out("- wrk: %d threads, %d connections, keep-alive, on 127.0.0.1 (same 2 cores as httpd); "
        "per point a %gs warm-up, then %d round(s) of %gs, points interleaved; medians."
        % (THREADS, CONNECTIONS, WARMUP, REPS, SECONDS))
    out()

    points = [  # (label, module, cache, port, path)
        ("public", "none", "-", ports["demo"], "/api/public"),
        ("private", "mod_auth0_jwt", "on", ports["demo"], "/api/private"),
        ("private-scoped", "mod_auth0_jwt", "on", ports["demo"], "/api/private-scoped"),
        ("private", "mod_auth0_jwt", "off", ports["nocache"], "/api/private"),
        ("private-scoped", "mod_auth0_jwt", "off", ports["nocache"], "/api/private-scoped"),
    ]
    if os.path.exists(FLOOR_SO):
        # the floor of a miss in the server's own conditions: the public
        # endpoint, plus one raw RS256 verify of the same token per request
        points.append(("public + one raw RS256 verify", "floor", "-", ports["nocache"],
                       "/floor/api/public"))
    peer_port = {"mod_auth_openidc": ports["openidc"], "mod_oauth2": ports["oauth2"]}
    peer_cache = {"mod_auth_openidc": "JWKS only", "mod_oauth2": "shm (default)"}
    for p in peers:
        if where[p].startswith("a second"):
            points.append(("public (%s's httpd)" % p, "none", "-", peer_port[p], "/api/public"))
        for ep in ("private", "private-scoped"):
            points.append((ep, p, peer_cache[p], peer_port[p], "/api/" + ep))

    try:
        for inst in instances:
            inst.start([ports["demo"], ports["nocache"], ports["jwks"]] if inst.ours
                       else [peer_port[p] for p in inst.peers])
        rc = benchmark(instances, points, token, bad_tokens, ports)
    finally:
        for inst in instances:
            inst.stop()
    micro()
    micro_tcache()
    if CALLGRIND:
        instructions(instances[0], points, token, ports, keys, issuer)
    goals()
    goals17()
    with open("/proc/loadavg") as f:
        out("Load average at the end: %s." % " ".join(f.read().split()[:3]))
        out()
    if FAILED:
        out("**Problems:** " + "; ".join(FAILED))
        out()
    out("Results written to `%s`." % os.path.relpath(RESULTS, TOP))
    return 1 if FAILED or rc else 0


RESULTS_BY = {}  # (label, module, cache) -> (rps, p99)
INSTR = {}  # (label, module, cache) -> (instructions per request, in our access checker)
KEY_HASH = {}  # callgrind label -> instructions of aj_tcache_name per request
SPEED = {}  # openssl speed, same run: verifications per second
VERIFY_INSTR = {}  # "raw", "full": instructions per RS256 check (callgrind)
MEMORY = {}
MICRO = {}
FULL_OPS = {}  # alg -> our full path, checks per second (micro-benchmark)
RAW_OPS = {}  # alg -> raw OpenSSL sequence, checks per second (micro-benchmark)
TCACHE_NS = {}  # "first", "shared": ns per hit (tests/bench/bench_tcache, medians)
TCACHE_INSTR = {}  # "first", "shared": instructions per hit (callgrind)


def benchmark(instances, points, token, bad_tokens, ports):
    # 1. every endpoint answers as it should, before anything is measured
    out("## Endpoint check (before measuring)")
    out()
    out("Status codes. A protected endpoint must answer 200 (with the expected body) to the "
        "token and 401 without one; tokens that are expired, for another audience or "
        "another issuer, and (scoped endpoints) without the scope must be refused (401/403).")
    out()
    rows, bad = [], []
    for label, mod, cache, port, path in points:
        ep = path.rsplit("/", 1)[1]
        s_tok, body = get(port, path, token)
        good_body = body.strip() == BODIES[ep]
        if mod in ("none", "floor"):
            ok = s_tok == 200 and good_body
            rows.append([label, mod, cache, s_tok, "-"] + ["-"] * len(bad_tokens) +
                        ["ok" if ok else "**FAIL**"])
        else:
            s_none, _ = get(port, path)
            refused = []
            for what, t in bad_tokens.items():
                refused.append("-" if what == "no scope" and ep != "private-scoped"
                               else get(port, path, t)[0])
            ok = (s_tok == 200 and good_body and s_none == 401 and
                  all(x in ("-", 401, 403) for x in refused))
            rows.append([label, mod, cache, s_tok, s_none] + refused +
                        ["ok" if ok else "**FAIL**"])
        if not ok:
            bad.append("%s %s (cache %s)" % (mod, label, cache))
    table(["endpoint", "protected by", "token cache", "token", "no token"] +
          ["token: " + w for w in bad_tokens] + ["check"], rows)
    if bad:
        FAILED.append("endpoint check failed: " + ", ".join(bad))
        out("The endpoint check failed: nothing is measured (see the error logs in %s)."
            % os.path.relpath(STATE, TOP))
        return 1
    for inst in instances:
        inst.log_mark = os.path.getsize(inst.error_log)
        inst.first_children = inst.children()

    # 2. throughput and latency
    runs = {i: [] for i in range(len(points))}
    for i, (label, mod, cache, port, path) in enumerate(points):
        note("warm-up %s %s (cache %s)" % (mod, label, cache))
        r = wrk("http://127.0.0.1:%d%s" % (port, path), token, WARMUP,
                "warmup-%s-%s-%s" % (mod, label, cache))
        if r["rps"] is None or r["non2xx"]:
            FAILED.append("warm-up of %s %s: %s" % (mod, label, r["error"]))
    for rep in range(REPS):
        for i, (label, mod, cache, port, path) in enumerate(points):
            note("round %d/%d: %s %s (cache %s)" % (rep + 1, REPS, mod, label, cache))
            r = wrk("http://127.0.0.1:%d%s" % (port, path), token, SECONDS,
                    "round%d-%s-%s-%s" % (rep + 1, mod, label, cache))
            if "error" in r:
                FAILED.append("%s %s (cache %s), round %d: %s"
                              % (mod, label, cache, rep + 1, r["error"]))
            runs[i].append(r)
    public = statistics.median(r["rps"] or 0 for r in runs[0])
    out("## Throughput and latency")
    out()
    out("Median of %d run(s) of %gs each; ratio = req/s / req/s of `/api/public` (no "
        "authentication, same server)." % (REPS, SECONDS))
    out()
    rows = []
    for i, (label, mod, cache, port, path) in enumerate(points):
        rps = statistics.median(r["rps"] or 0 for r in runs[i])
        p99s = [r["p99"] for r in runs[i] if r["p99"] is not None]
        p99 = statistics.median(p99s) if p99s else None
        RESULTS_BY[(label, mod, cache)] = (rps, p99)
        errs = sum(r["non2xx"] + r["sockerr"] for r in runs[i])
        rows.append((label, mod, cache, "%.0f" % rps, "%.2f" % (rps / public if public else 0),
                     fmt_ms(p99), " / ".join("%.0f" % (r["rps"] or 0) for r in runs[i]),
                     errs))
    table(["endpoint", "protected by", "token cache", "req/s", "ratio to public",
           "p99 latency", "req/s of each run", "errors"], rows,
          ["---", "---", "---", "---:", "---:", "---:", "---:", "---:"])

    # 3. memory
    if MEMORY_REQUESTS > 0:
        memory(instances[0], ports, token)

    # 4. optional profile
    if PERF:
        profile(instances[0], ports, token)

    # 5. what the error logs said while measuring; children that died
    for inst in instances:
        now = inst.children()
        if now != inst.first_children:
            FAILED.append("httpd children changed during the run (%s -> %s): a crash?"
                          % (inst.first_children, now))
        lines = inst.new_log_lines()
        out("Error log of the %s httpd during the measurements: %d line(s)."
            % ("first" if inst is instances[0] else inst.name, len(lines)))
        if lines:
            seen = []
            for l in lines:
                msg = re.sub(r"^\[[^\]]*\] ", "", l)
                msg = re.sub(r"\[pid \d+(:tid \d+)?\] ", "", msg)
                if msg not in seen:
                    seen.append(msg)
            out()
            out("```")
            for m in seen[:8]:
                out(m[:300])
            out("```")
        out()
    return 0


def memory(inst, ports, token):
    url = "http://127.0.0.1:%d/api/private-scoped" % ports["demo"]
    kids = inst.children()
    before = {pid: vm_rss_kb(pid) for pid in kids}
    rate = RESULTS_BY.get(("private-scoped", "mod_auth0_jwt", "on"), (5000, None))[0] or 5000
    total, errors, chunks, t0 = 0, 0, 0, time.time()
    while total < MEMORY_REQUESTS:
        left = MEMORY_REQUESTS - total
        secs = min(300.0, max(1.0, left / rate * 1.02))
        note("memory: %d of %d requests done, next chunk %.0f s" % (total, MEMORY_REQUESTS, secs))
        r = wrk(url, token, secs, "memory")
        chunks += 1
        if r["requests"] == 0:
            FAILED.append("memory check: wrk made no requests")
            break
        total += r["requests"]
        errors += r["non2xx"] + r["sockerr"]
        if r["rps"]:
            rate = r["rps"]
    elapsed = time.time() - t0
    after_kids = inst.children()
    out("## Memory (VmRSS of every httpd child)")
    out()
    out("%d requests (wrk's own counts, %d chunk(s), %.0f s, %d errors) to "
        "`/api/private-scoped`, mod_auth0_jwt, token cache on. Children are never recycled "
        "(MaxConnectionsPerChild 0)." % (total, chunks, elapsed, errors))
    out()
    rows, deltas = [], []
    for pid in sorted(set(kids) | set(after_kids)):
        b = before.get(pid)
        a = vm_rss_kb(pid) if pid in after_kids else None
        d = (a - b) if (a is not None and b is not None) else None
        if d is not None:
            deltas.append(d)
        rows.append((pid, "%d kB" % b if b is not None else "(new)",
                     "%d kB" % a if a is not None else "(gone)",
                     "%+d kB" % d if d is not None else "-"))
    table(["child pid", "before", "after", "delta"], rows,
          ["---:", "---:", "---:", "---:"])
    MEMORY["max_delta_kb"] = max(deltas) if deltas else None
    MEMORY["requests"] = total
    MEMORY["changed"] = set(kids) != set(after_kids)
    if errors:
        FAILED.append("memory check: %d errors" % errors)


def profile(inst, ports, token):
    perf = shutil.which("perf")
    if perf is None:
        out("BENCH_PERF=1: perf is not installed; no profile.")
        return
    data = os.path.join(STATE, "perf.data")
    url = "http://127.0.0.1:%d/api/private-scoped" % ports["nocache"]
    pids = ",".join(str(p) for p in inst.children())
    # cpu-clock: in virtual machines without a PMU the default event piles its
    # samples onto the kernel's interrupt-enable points
    rec = subprocess.Popen([perf, "record", "-q", "-e", "cpu-clock", "-F", "1999", "-o", data,
                            "-p", pids],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wrk(url, token, SECONDS, "perf")
    finally:
        rec.send_signal(signal.SIGINT)
        rec.wait(timeout=60)
    rep = run([perf, "report", "-i", data, "--no-children", "--stdio", "--sort", "dso,sym",
               "--percent-limit", "0.5"])
    dsos = run([perf, "report", "-i", data, "--no-children", "--stdio", "--sort", "dso",
                "--percent-limit", "0.5"])
    out("## Profile: /api/private-scoped, cache off (perf, httpd children)")
    out()
    out("Share of CPU samples (cpu-clock) per shared object, then the hottest user-space "
        "symbols (the kernel's share is loopback TCP, epoll and scheduling).")
    out()
    out("```")
    for l in dsos.stdout.splitlines():
        if l.strip() and not l.startswith("#"):
            out(l.rstrip()[:160])
    out()
    shown = 0
    for l in rep.stdout.splitlines():
        if l.strip() and not l.startswith("#") and "[k]" not in l and shown < 25:
            out(l.rstrip()[:160])
            shown += 1
    out("```")
    out()


def callgrind_run(inst, cg, prefix, overrides, port, jwks_port, path, tokens, label,
                  owner=None):
    """One httpd -X under callgrind: 30 warm-up requests, a zeroing 4xx, then
    CALLGRIND_REQUESTS requests on one keep-alive connection, the tokens in
    turn (each a bearer token, or a dict of request headers). Returns
    (instructions per request in the connection, of which in mod_auth0_jwt's
    access checker), or (None, None). owner: (uid, gid) of an httpd started
    as root that switches to that user: valgrind opens its output file as it
    starts, so that file is made beforehand, with one fixed name, owned by
    the user who writes it at the end (a fork that exits first writes it
    too; the server, last out, overwrites it)."""
    n = CALLGRIND_REQUESTS
    for f in os.listdir(cg):
        if f.startswith("cg."):
            os.unlink(os.path.join(cg, f))
    # no last-good keys from the previous run: the first request fetches
    shutil.rmtree(os.path.join(cg, "auth0_jwt"), ignore_errors=True)
    note("callgrind: %s" % label)
    if owner:
        open(os.path.join(cg, "cg.server"), "w").close()
        os.chown(os.path.join(cg, "cg.server"), *owner)
    valgrind = shutil.which("valgrind")
    cmd = prefix + [valgrind, "--tool=callgrind", "--vgdb=no", "--collect-atstart=no",
                    "--toggle-collect=ap_read_request",
                    "--toggle-collect=ap_process_async_request",
                    "--toggle-collect=ap_process_request",
                    "--zero-before=ap_send_error_response",
                    "--callgrind-out-file=%s/cg.%s" % (cg, "server" if owner else "%p"),
                    HTTPD, "-X", "-d", inst.root, "-f", inst.conf] + overrides
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(cg, "valgrind.log"), "w"))
    total = ours = None
    try:
        deadline = time.time() + 180
        for pt in (port, jwks_port):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", pt), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline or p.poll() is not None:
                        raise RuntimeError("httpd under valgrind did not start (%s)" % cg)
                    time.sleep(0.2)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        statuses = set()
        warm = max(30, len(tokens))  # every token seen once before counting
        for i in range(warm + 1 + n):
            t = tokens[i % len(tokens)]
            c.request("GET", "/bench-zero" if i == warm else path,
                      headers=t if isinstance(t, dict) else {"Authorization": "Bearer " + t})
            r = c.getresponse()
            r.read()
            statuses.add(r.status if i != warm else 200)
        c.close()
        if statuses != {200}:
            raise RuntimeError("answers %s under valgrind" % sorted(statuses))
    except (OSError, RuntimeError, http.client.HTTPException) as e:
        FAILED.append("callgrind %s: %s" % (label, e))
    finally:
        p.terminate()
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    files = [os.path.join(cg, f) for f in os.listdir(cg) if f.startswith("cg.")]
    if files:
        ann = run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", files[0]])
        # the connection's own work only: not a key fetch another thread may make
        m = re.search(r"^\s*([\d,]+) .*:ap_run_process_connection ", ann.stdout, re.M)
        total = int(m.group(1).replace(",", "")) / n if m else None
        m = re.search(r"^\s*([\d,]+) .*mod_auth0_jwt\.c:access_checker_ex", ann.stdout, re.M)
        ours = int(m.group(1).replace(",", "")) / n if m else None
        # the cache key: a keyed hash over every byte of the token
        m = re.search(r"^\s*([\d,]+) .*aj_tcache\.c:aj_tcache_name", ann.stdout, re.M)
        KEY_HASH[label] = int(m.group(1).replace(",", "")) / n if m else None
        os.replace(files[0], os.path.join(cg, "callgrind.%s.out" % re.sub(r"\W+", "_", label)))
    return total, ours


def instructions(inst, points, token, ports, keys, issuer):
    """Instructions per request under callgrind (BENCH_CALLGRIND=1)."""
    out("## Instructions per request (callgrind, httpd -X)")
    out()
    if shutil.which("valgrind") is None:
        out("BENCH_CALLGRIND=1: valgrind is not installed; nothing counted.")
        out()
        return
    cg = os.path.join(STATE, "callgrind")
    os.makedirs(cg, exist_ok=True)
    prefix = []
    if os.getuid() == 0:
        # httpd -X still switches to User: run it as that user from the start,
        # so that callgrind can write its file, with its own runtime folder.
        import grp
        import pwd
        uid, gid = pwd.getpwnam("www-data").pw_uid, grp.getgrnam("www-data").gr_gid
        os.chown(cg, uid, gid)
        key = os.path.join(STATE, "tls", "localhost.key")
        os.chown(key, 0, gid)
        os.chmod(key, 0o640)
        prefix = ["setpriv", "--reuid=www-data", "--regid=www-data", "--init-groups"]
    overrides = []
    for d in ("ErrorLog %s/error_log" % cg, "PidFile %s/httpd.pid" % cg,
              "DefaultRuntimeDir %s" % cg, "Mutex file:%s default" % cg,
              "SSLSessionCache shmcb:%s/ssl_scache(512000)" % cg):
        overrides += ["-c", d]
    n = CALLGRIND_REQUESTS
    out("Counted in the processing of the client's connection (`ap_run_process_connection`, "
        "inclusive), after a warm-up (30 requests, or each token once), over %d requests on "
        "one keep-alive connection; a 4xx request in between zeroes the counters "
        "(`--zero-before=ap_send_error_response`). Deterministic: other load on the "
        "machine does not change it." % n)
    out()
    rows, base = [], None
    for label, mod, cache, port, path in points:
        served = [ports["demo"], ports["nocache"]] + [
            ports["openidc" if p == "mod_auth_openidc" else "oauth2"] for p in inst.peers]
        if port not in served:
            continue  # a peer in an httpd of its own: not counted
        total, ours = callgrind_run(inst, cg, prefix, overrides, port, ports["jwks"], path,
                                    [token], "%s-%s-%s" % (mod, label, cache))
        if base is None and mod == "none":
            base = total
        INSTR[(label, mod, cache)] = (total, ours)
        rows.append((label, mod, cache, "%.0f" % total if total else "-",
                     "%.2f" % (total / base) if total and base else "-",
                     "%.0f" % ours if ours else "-"))
    # A hit in the shared level (Auth0TokenCacheShared): each process's own
    # cache cut to 16 entries, 256 tokens in turn, so nearly every lookup
    # misses there and finds the token another request put in shared memory.
    tokens = [mint(keys, issuer, SCOPE, sub="bench-%d@clients" % i) for i in range(256)]
    total, ours = callgrind_run(
        inst, cg, prefix,
        overrides + ["-c", "Auth0TokenCacheSize 16", "-c", "Auth0TokenCacheShared On 1048576"],
        ports["demo"], ports["jwks"], "/api/private", tokens, "mod_auth0_jwt-private-shared")
    INSTR[("private", "mod_auth0_jwt", "shared level")] = (total, ours)
    rows.append(("private", "mod_auth0_jwt", "shared level (own cache of 16, 256 tokens)",
                 "%.0f" % total if total else "-",
                 "%.2f" % (total / base) if total and base else "-",
                 "%.0f" % ours if ours else "-"))
    # A DPoP request (RFC 9449): the token a cache hit, one proof sent again and
    # again (Auth0DPoPReplay Off, a lifetime that outlasts the run), so that what
    # is counted is the proof's check: its header (remembered after the first),
    # the ES256 signature, its claims, ath, htu and the token's binding.
    dkeys = os.path.join(STATE, "dpop-key")
    if not os.path.exists(os.path.join(dkeys, "jwks.json")):
        run([CLI, "keygen", "--out", dkeys, "--alg", "ES256"])
    jkt = run([CLI, "thumbprint", os.path.join(dkeys, "jwks.json")]).stdout.strip()
    dtoken = mint(keys, issuer, SCOPE, claims=['cnf={"jkt":"%s"}' % jkt])
    proof = run([CLI, "dpop", "--key", os.path.join(dkeys, "private.pem"), "--method", "GET",
                 "--url", "http://localhost:%d/api/private" % ports["demo"], "--token", dtoken,
                 "--iat", str(int(time.time()))]).stdout.strip()
    total, ours = callgrind_run(
        inst, cg, prefix,
        overrides + ["-c", "Auth0DPoPReplay Off", "-c", "Auth0DPoPProofLifetime 3600"],
        ports["demo"], ports["jwks"], "/api/private",
        [{"Authorization": "DPoP " + dtoken, "DPoP": proof}], "mod_auth0_jwt-private-dpop")
    INSTR[("private", "mod_auth0_jwt", "dpop")] = (total, ours)
    rows.append(("private", "mod_auth0_jwt", "on, DPoP (ES256 proof, one proof again and again)",
                 "%.0f" % total if total else "-",
                 "%.2f" % (total / base) if total and base else "-",
                 "%.0f" % ours if ours else "-"))
    # An encrypted token (JWE, RSA-OAEP-256 + A256GCM around the same RS256
    # token), a cache hit: the entry is found by the JWE text, so nothing is
    # decrypted. The decryption key must be out of the server user's reach
    # (root's, mode 600), so this httpd starts as root and switches to its
    # User itself; callgrind writes into cg, which that user owns.
    if os.getuid() == 0:
        ekeys = os.path.join(STATE, "jwe-key")
        if not os.path.exists(os.path.join(ekeys, "private.pem")):
            run([CLI, "keygen", "--out", ekeys, "--alg", "RS256"])
        os.chmod(os.path.join(ekeys, "private.pem"), 0o600)
        jwe = run([CLI, "encrypt", "--key", os.path.join(ekeys, "private.pem"), "--kid",
                   "enc-1", token]).stdout.strip()
        total, ours = callgrind_run(
            inst, cg, [], overrides + ["-c", "Auth0DecryptionKeyFile %s enc-1"
                                       % os.path.join(ekeys, "private.pem")],
            ports["demo"], ports["jwks"], "/api/private", [jwe], "mod_auth0_jwt-private-jwe",
            owner=(uid, gid))
        INSTR[("private", "mod_auth0_jwt", "jwe")] = (total, ours)
        rows.append(("private", "mod_auth0_jwt", "on, JWE of the same token (%d bytes)" % len(jwe),
                     "%.0f" % total if total else "-",
                     "%.2f" % (total / base) if total and base else "-",
                     "%.0f" % ours if ours else "-"))
    table(["endpoint", "protected by", "token cache", "instructions/request", "x public",
           "of which mod_auth0_jwt access checker"], rows,
          ["---", "---", "---", "---:", "---:", "---:"])
    out("Profiles: `%s/callgrind.*.out` (`callgrind_annotate --inclusive=yes FILE`)."
        % os.path.relpath(cg, TOP))
    out()


def micro_start(title, binary, what):
    """A micro-benchmark's heading; False (and a failure noted) when it is not built."""
    out("## %s (%s)" % (title, os.path.relpath(binary, TOP)))
    out()
    if os.access(binary, os.X_OK):
        return True
    out("not built (`make %s`)." % os.path.relpath(binary, TOP))
    out()
    FAILED.append("%s missing" % what)
    return False


def micro():
    if not micro_start("Verification micro-benchmark", VERIFY_BIN, "micro-benchmark"):
        return
    env = dict(os.environ)
    env.setdefault("BENCH_VERIFY_REPS", str(REPS))
    note("micro-benchmark")
    r = run([VERIFY_BIN], env=env)
    for l in r.stdout.splitlines():
        out(l)
        m = re.match(r"\|\s*(\w+)\s*\|.*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|$", l)
        if m and m.group(1) not in ("alg",):
            MICRO[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        cols = [c.strip() for c in l.strip().strip("|").split("|")]
        if len(cols) == 8 and re.match(r"^[\d.]+$", cols[5]):
            RAW_OPS[cols[0]] = float(cols[5])
            FULL_OPS[cols[0]] = float(cols[3])
    out()
    if r.returncode != 0:
        FAILED.append("micro-benchmark: " + r.stderr.strip()[-300:])
    # instructions per RS256 check, our full path and the raw OpenSSL sequence:
    # the deterministic floor for the end-to-end miss (callgrind, below)
    if CALLGRIND and shutil.which("valgrind"):
        for op, alg in (("raw", "RS256"), ("full", "RS256"), ("raw", "ES256")):
            env2 = dict(env, BENCH_VERIFY_ONLY=op, BENCH_VERIFY_COUNT="200")
            r2 = run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                      "--toggle-collect=op_" + op, "--callgrind-out-file=/dev/null",
                      VERIFY_BIN, alg], env=env2)
            m = re.search(r"I\s+refs:\s+([\d,]+)", r2.stderr)
            if m:
                VERIFY_INSTR[op if alg == "RS256" else op + " " + alg] = \
                    int(m.group(1).replace(",", "")) / 200.0
        if VERIFY_INSTR:
            out("Instructions per check (callgrind, 200 checks; RS256 unless named): %s." % ", ".join(
                "%s %.0f" % (k, v) for k, v in sorted(VERIFY_INSTR.items())))
            out()
    # the floor, in the same run: OpenSSL's own figure for one verification
    sp = run(["openssl", "speed", "-seconds", "2", "rsa2048", "ecdsap256"])
    for l in sp.stdout.splitlines():
        m = re.match(r"\s*rsa\s+2048 bits\s+\S+\s+\S+\s+\S+\s+([\d.]+)", l)
        if m:
            SPEED["RS256"] = float(m.group(1))
        m = re.match(r"\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+\S+\s+([\d.]+)", l)
        if m:
            SPEED["ES256"] = float(m.group(1))
    out("`openssl speed -seconds 2 rsa2048 ecdsap256`, same run: %s." % ", ".join(
        "%s verify %.0f/s (%.1f us)" % (k, v, 1e6 / v) for k, v in sorted(SPEED.items())))
    out()


def micro_tcache():
    """The two token-cache levels timed natively, one thread (issue 17, goal 6)."""
    if not micro_start("Token cache levels micro-benchmark", TCACHE_BIN,
                       "cache-level micro-benchmark"):
        return
    env = dict(os.environ)
    env.setdefault("BENCH_TCACHE_REPS", str(max(REPS, 5)))
    note("cache-level micro-benchmark")
    r = run([TCACHE_BIN], env=env)
    for l in r.stdout.splitlines():
        out(l)
        m = re.match(r"\|\s*(first|shared)([:,]).*\|\s*(\d+)\s*\|$", l)
        if m:
            TCACHE_NS[m.group(1) + ("-fcntl" if m.group(2) == "," else "")] = float(m.group(3))
    out()
    if r.returncode != 0:
        FAILED.append("cache-level micro-benchmark: " + r.stderr.strip()[-300:])
    if CALLGRIND and shutil.which("valgrind"):
        for op in ("first", "shared"):
            r2 = run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                      "--toggle-collect=op_" + op, "--callgrind-out-file=/dev/null", TCACHE_BIN],
                     env=dict(env, BENCH_TCACHE_ONLY=op, BENCH_TCACHE_COUNT="1000"))
            m = re.search(r"I\s+refs:\s+([\d,]+)", r2.stderr)
            if m:
                TCACHE_INSTR[op] = int(m.group(1).replace(",", "")) / 1000.0
        if TCACHE_INSTR:
            out("Instructions per hit (callgrind, 1,000 hits): %s." % ", ".join(
                "%s %.0f" % (k, v) for k, v in sorted(TCACHE_INSTR.items())))
            out()


def goals():
    out("## Goals of issue 7")
    out()
    rows = []
    pub = RESULTS_BY.get(("public", "none", "-"), (None, None))[0]

    def ratio(ep, cache):
        v = RESULTS_BY.get((ep, "mod_auth0_jwt", cache), (None, None))[0]
        return v / pub if v and pub else None

    for cache, want in (("on", 0.90), ("off", 0.75)):
        r = ratio("private-scoped", cache)
        rows.append(("private-scoped >= %.2f x public, token cache %s" % (want, cache),
                     "%.2f" % r if r is not None else "not measured",
                     "-" if r is None else ("met" if r >= want else "**missed**")))
    for (label, mod, cache), (rps, _) in sorted(RESULTS_BY.items()):
        if mod in PEER_MODULES:
            for ours in ("on", "off"):
                mine = RESULTS_BY.get((label, "mod_auth0_jwt", ours), (None,))[0]
                if mine:
                    rows.append(("ahead of %s on %s (ours, cache %s)" % (mod, label, ours),
                                 "%.0f vs %.0f req/s (x%.2f)" % (mine, rps, mine / rps if rps
                                                                 else 0),
                                 "met" if mine > rps else "**missed**"))
    for alg in ("RS256", "ES256"):
        if alg in MICRO:
            c = MICRO[alg][0]
            rows.append(("%s verification within 1.3 x the raw OpenSSL cost (full path)" % alg,
                         "%.2f x" % c, "met" if c <= 1.3 else "**missed**"))
    if MEMORY.get("max_delta_kb") is not None:
        d = MEMORY["max_delta_kb"]
        rows.append(("RSS per child flat within 2 MB over %d requests" % MEMORY["requests"],
                     "largest growth %+d kB" % d,
                     ("met" if d <= 2048 else "**missed**") +
                     (" (fewer than 1,000,000 requests: indicative)"
                      if MEMORY["requests"] < 1000000 else "")))
    table(["goal", "measured", "verdict"], rows)


def goals17():
    """Issue 17's goals that this run measures, beside their floors."""
    out("## Goals of issue 17 (this run)")
    out()
    rows = []
    for ep in ("private", "private-scoped"):
        ours = INSTR.get((ep, "mod_auth0_jwt", "on"), (None, None))[1]
        rows.append(("hit: at most 6,000 instructions in the access checker (%s)" % ep,
                     "%.0f" % ours if ours else "not measured (BENCH_CALLGRIND=1)",
                     "-" if not ours else ("met" if ours <= 6000 else "**missed**")))
    for alg in ("RS256", "PS256", "ES256", "EdDSA"):
        if alg in MICRO:
            c = MICRO[alg][0]
            rows.append(("miss, library: full path at most 1.10 x the raw OpenSSL sequence (%s)"
                         % alg, "%.2f x" % c, "met" if c <= 1.10 else "**missed**"))
    pub = RESULTS_BY.get(("public", "none", "-"), (None, None))[0]
    off = RESULTS_BY.get(("private", "mod_auth0_jwt", "off"), (None, None))[0]
    if pub and off and "RS256" in SPEED:
        extra, floor = 2e6 / off - 2e6 / pub, 1e6 / SPEED["RS256"]
        rows.append(("miss, end to end: extra time over public at most 1.3 x one raw RS256 "
                     "verify", "%.1f us over %.1f us (%.2f x)" % (extra, floor, extra / floor),
                     "met" if extra <= 1.3 * floor else "**missed**"))
    floor = RESULTS_BY.get(("public + one raw RS256 verify", "floor", "-"), (None, None))[0]
    if pub and off and floor:
        # the same raw verify, timed inside httpd under the same load as the miss
        extra, inside = 2e6 / off - 2e6 / pub, 2e6 / floor - 2e6 / pub
        rows.append(("miss, end to end: extra time over public at most 1.3 x one raw RS256 "
                     "verify timed inside httpd (public + BenchRawVerify, same run)",
                     "%.1f us over %.1f us (%.2f x)" % (extra, inside, extra / inside),
                     "met" if extra <= 1.3 * inside else "**missed**"))
    off_i = INSTR.get(("private", "mod_auth0_jwt", "off"), (None, None))[0]
    pub_i0 = INSTR.get(("public", "none", "-"), (None, None))[0]
    if off_i and pub_i0 and VERIFY_INSTR.get("raw"):
        extra = off_i - pub_i0
        rows.append(("miss, end to end, in instructions: extra over public at most 1.3 x one "
                     "raw RS256 verify", "%.0f over %.0f (%.2f x)"
                     % (extra, VERIFY_INSTR["raw"], extra / VERIFY_INSTR["raw"]),
                     "met" if extra <= 1.3 * VERIFY_INSTR["raw"] else "**missed**"))
    own = INSTR.get(("private", "mod_auth0_jwt", "on"), (None, None))
    shared = INSTR.get(("private", "mod_auth0_jwt", "shared level"), (None, None))
    if "first" in TCACHE_NS and "shared" in TCACHE_NS:
        # timed natively on one idle thread: the record's copy under a global
        # mutex, its reading and the put in a full own cache, over the floor
        # (a first-level hit) timed the same way
        d = (TCACHE_NS["shared"] - TCACHE_NS["first"]) / 1000.0
        extra = ""
        if own[1] and shared[1]:
            extra = "; in httpd (callgrind, access checker) %+.0f instructions" % (
                shared[1] - own[1])
        if "shared-fcntl" in TCACHE_NS:
            extra += "; with an fcntl mutex (`Mutex file:DIR default`) %.2f us" % (
                (TCACHE_NS["shared-fcntl"] - TCACHE_NS["first"]) / 1000.0)
        rows.append(("shared-level hit at most 3 us over a first-level hit",
                     "%.2f us (%.0f ns against %.0f ns, micro-benchmark)%s"
                     % (d, TCACHE_NS["shared"], TCACHE_NS["first"], extra),
                     "met" if d <= 3 else "**missed**"))
    dpop = INSTR.get(("private", "mod_auth0_jwt", "dpop"), (None, None))[1]
    es_raw = VERIFY_INSTR.get("raw ES256")
    if dpop and own[1] and es_raw and RAW_OPS.get("ES256"):
        # instructions per microsecond of the raw ES256 sequence itself, timed
        # by the micro-benchmark in this run (one thread, no wrk beside it)
        rate = es_raw * RAW_OPS["ES256"] / 1e6
        over = dpop - own[1] - es_raw  # beyond the bearer hit and the proof's raw verify
        rows.append(("DPoP at most the raw ES256 verify + 3 us over a bearer hit",
                     "%+.0f instructions beyond hit (%.0f) + raw verify (%.0f): %+.1f us "
                     "at %.0f instructions/us" % (over, own[1], es_raw, over / rate, rate),
                     "met" if over / rate <= 3 else "**missed**"))
    jwe = INSTR.get(("private", "mod_auth0_jwt", "jwe"), (None, None))[1]
    if jwe and own[1]:
        # The cache key is a keyed hash over every byte of the token, and a
        # JWE is about twice as long as the token inside: that part grows with
        # the length by design. Beside it, the two hits must cost the same.
        hj, hs = KEY_HASH.get("mod_auth0_jwt-private-jwe"), KEY_HASH.get("mod_auth0_jwt-private-on")
        if hj and hs:
            rest = (jwe - hj) - (own[1] - hs)
            rows.append(("JWE hit costs what a JWS hit costs (access checker, beyond the keyed "
                         "hash of the token's bytes: at most +500 instructions)",
                         "%.0f against %.0f; keyed hash %.0f against %.0f; the rest %+.0f"
                         % (jwe, own[1], hj, hs, rest), "met" if rest <= 500 else "**missed**"))
    for d in [k for k in FULL_OPS if k.startswith("JWE")]:
        c = RAW_OPS[d] / FULL_OPS[d]
        rows.append(("JWE miss, library: at most 1.1 x (raw RSA-OAEP decryption + raw verify)",
                     "%.2f x" % c, "met" if c <= 1.10 else "**missed**"))
    d = "DPoP proof (ES256)"
    if d in FULL_OPS and d in RAW_OPS:
        # the library's part timed, not converted: its own speed, caches and all
        extra = 1e6 / FULL_OPS[d] - 1e6 / RAW_OPS[d]
        rows.append(("DPoP, library part timed (micro-benchmark): proof check over the raw "
                     "ES256 sequence", "%+.1f us (%.1f us against %.1f us)"
                     % (extra, 1e6 / FULL_OPS[d], 1e6 / RAW_OPS[d]),
                     "met" if extra <= 3 else "**missed**"))
    table(["goal", "measured", "verdict"], rows)
    out("DPoP and JWE: `scripts/bench/sender_cost.py`; scale and prefork: "
        "`scripts/bench/cache_scale.py` (both run by `scripts/bench.sh`).")
    out()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
