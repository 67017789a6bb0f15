"""ajtest: run a real Apache httpd with the freshly built mod_auth0_jwt.

The integration tests use this module through the fixtures in conftest.py.
Each `Httpd` owns a temporary ServerRoot with a generated httpd.conf (chosen
MPM, a few stock modules, our module, a free loopback port, logs inside the
ServerRoot) plus a configuration snippet given by the test. It starts httpd
as a child process in the foreground, waits for the port, answers requests
through `request()`, and stops httpd again (graceful stop, then harder).

The error log is watched: after every test, and when a server stops, lines
at level warn or worse and crash reports fail the test unless the test has
declared them with `expect_log(regex)`.

Environment (all optional; `make check` sets the first four):
  AJ_TOP_SRCDIR    repository top (default: two levels above this file)
  AJ_TOP_BUILDDIR  where .libs/mod_auth0_jwt.so is (default: AJ_TOP_SRCDIR)
  AJ_HTTPD         httpd binary (default: apxs -q SBINDIR / apxs -q TARGET)
  AJ_APXS          apxs (default: apxs or apxs2 on PATH)
  AJ_MPM           event | worker | prefork (default: event)
  AJ_TMPDIR        folder for the ServerRoots (default: a fresh one in /tmp)
  AJ_KEEP          set to 1 to keep the ServerRoots after the run
"""

import atexit
import functools
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MPMS = ("event", "worker", "prefork")

# Stock modules the generated configuration loads when the platform has them.
STOCK_MODULES = (
    "authn_core", "authz_core", "authz_host", "authz_user", "authn_file",
    "auth_basic", "mime", "headers", "alias", "env", "setenvif", "log_config",
    "cgid", "proxy", "proxy_http", "socache_shmcb",
)

START_TIMEOUT = 15.0     # seconds for httpd to accept on its port
STOP_TIMEOUT = 10.0      # seconds for each stop step before a harder signal
BARRIER_TIMEOUT = 1.0    # seconds to wait for the access log to catch up

# Logged by httpd itself when the harness stops it abruptly (SIGTERM) while a
# connection is still in lingering close: not the module's doing.
SHUTDOWN_NOISE = (
    re.compile(r"AH03092: process_lingering_close: apr_pollset_add failure"),
)

# "[time] [module:level] [pid ...] message" (httpd's default ErrorLogFormat)
_LOG_HEAD = re.compile(r"^\[[^\]]*\] \[([^\]:]*):(\w+)\]")
_BAD_LEVELS = frozenset(("warn", "error", "crit", "alert", "emerg"))
_BAD_WORDS = re.compile(
    r"Segmentation fault|exit signal|AddressSanitizer|LeakSanitizer|"
    r"\[(?:warn|error|crit|alert|emerg)\]")


# --------------------------------------------------------------------------
# Where things are
# --------------------------------------------------------------------------

def top_srcdir():
    return os.environ.get("AJ_TOP_SRCDIR") or os.path.dirname(os.path.dirname(HERE))


def top_builddir():
    return os.environ.get("AJ_TOP_BUILDDIR") or top_srcdir()


def module_path():
    """The freshly built module (not installed), or $AJ_MODULE (e.g. a sanitizer build)."""
    return os.environ.get("AJ_MODULE") or os.path.join(top_builddir(), ".libs",
                                                       "mod_auth0_jwt.so")


def httpd_env():
    """httpd's environment: ours, plus LD_PRELOAD=$AJ_HTTPD_PRELOAD for sanitizer builds."""
    env = dict(os.environ)
    if os.environ.get("AJ_HTTPD_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["AJ_HTTPD_PRELOAD"]
    return env


@functools.lru_cache(maxsize=None)
def apxs():
    return (os.environ.get("AJ_APXS") or shutil.which("apxs")
            or shutil.which("apxs2") or "apxs")


@functools.lru_cache(maxsize=None)
def apxs_query(var):
    try:
        out = subprocess.run([apxs(), "-q", var], capture_output=True, text=True,
                             timeout=30, check=False)
    except OSError:
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


@functools.lru_cache(maxsize=None)
def httpd_binary():
    env = os.environ.get("AJ_HTTPD")
    if env:
        return env
    sbindir, target = apxs_query("SBINDIR"), apxs_query("TARGET")
    if sbindir and target:
        return os.path.join(sbindir, target)
    return "/usr/sbin/apache2"


@functools.lru_cache(maxsize=None)
def modules_dir():
    return apxs_query("LIBEXECDIR") or "/usr/lib/apache2/modules"


@functools.lru_cache(maxsize=None)
def static_modules():
    """Source file names of the modules compiled into httpd (`httpd -l`)."""
    out = subprocess.run([httpd_binary(), "-l"], capture_output=True, text=True,
                         timeout=30, check=False)
    return frozenset(line.strip() for line in out.stdout.splitlines()
                     if line.strip().endswith(".c"))


def shared_segment(pid, fmt, head):
    """The address of a segment of ours in process pid's shared memory: in a
    shared read-write mapping, the place within its first 64 bytes where
    struct.unpack(fmt) gives head (a segment's magic number and such; APR puts
    the mapping's size before the part it hands out). None when no mapping has it."""
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb") as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw") or fields[1][3] != "s":
                continue
            start = int(fields[0].split("-")[0], 16)
            mem.seek(start)
            first = mem.read(64)
            for off in range(0, 64, 8):
                if struct.unpack_from(fmt, first, off) == head:
                    return start + off
    return None


def current_mpm():
    mpm = os.environ.get("AJ_MPM", "event") or "event"
    if mpm not in MPMS:
        raise ValueError("AJ_MPM=%r: expected one of %s" % (mpm, ", ".join(MPMS)))
    return mpm


def load_module_line(name):
    """`LoadModule` line for stock module `name`, '' when compiled in, None when absent."""
    if "mod_%s.c" % name in static_modules():
        return ""
    path = os.path.join(modules_dir(), "mod_%s.so" % name)
    if os.path.exists(path):
        return "LoadModule %s_module %s" % (name, path)
    return None


_base = None


def base_dir():
    """Folder holding every ServerRoot of this run (world-readable)."""
    global _base
    if _base is None:
        env = os.environ.get("AJ_TMPDIR")
        if env:
            os.makedirs(env, exist_ok=True)
            _base = env
        else:
            _base = tempfile.mkdtemp(prefix="aj-itest-")
            if os.environ.get("AJ_KEEP") != "1":
                atexit.register(shutil.rmtree, _base, True)
        os.chmod(_base, 0o755)
    return _base


_given_ports = set()


def free_port():
    """A port on 127.0.0.1 that nothing listens on now and that this process
    has not handed out before: two bind(0) calls in a row can return the same
    port, and a server given it twice fails its configuration ("Cannot define
    multiple Listeners on the same IP:port")."""
    if len(_given_ports) > 16384:
        _given_ports.clear()
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _given_ports:
            _given_ports.add(port)
            return port


# --------------------------------------------------------------------------
# Log allowances shared by every server during one test
# --------------------------------------------------------------------------

_test_allow = []


def expect_log(regex):
    """Allow log lines matching `regex` (in any server) for the current test."""
    _test_allow.append(re.compile(regex))


def begin_test():
    """Called before each test: drop the previous test's allowances."""
    del _test_allow[:]
    for srv in list(RUNNING):
        srv.begin_test()


class LogError(AssertionError):
    pass


# httpd's own notes that a busy moment used every worker (the machine that runs
# the tests is loaded, not the module wrong): never a failure by themselves
_CAPACITY = re.compile(r"AH(00161|00286|00287|00484|00485|10159): "
                       r".*(reached MaxRequestWorkers|within MinSpareThreads of MaxRequestWorkers)")


def bad_log_lines(lines, allow=()):
    """The lines among `lines` that fail a test, given allowance regexes."""
    bad = []
    for line in lines:
        if _CAPACITY.search(line):
            continue
        m = _LOG_HEAD.match(line)
        if m:
            flagged = m.group(2) in _BAD_LEVELS or bool(_BAD_WORDS.search(line))
        else:
            flagged = bool(_BAD_WORDS.search(line))
        if flagged and not any(rx.search(line) for rx in allow):
            bad.append(line)
    return bad


# --------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------

class Response:
    """One HTTP response: status, reason, headers (case-insensitive), body.

    `extra` holds bytes the server sent after the end of the message (after
    Content-Length, or anything at all after the headers of a HEAD/204/304
    answer); it should be b"".
    """

    def __init__(self, status, reason, headers, body, extra, raw):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.extra = extra
        self.raw = raw

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def __repr__(self):
        return "<Response %d %s, %d body bytes>" % (self.status, self.reason, len(self.body))


def _dechunk(data):
    body = b""
    while True:
        line, sep, data = data.partition(b"\r\n")
        if not sep:
            raise ValueError("truncated chunked body")
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            # skip trailers up to the empty line
            while True:
                line, sep, data = data.partition(b"\r\n")
                if not line or not sep:
                    return body, data
        body += data[:size]
        data = data[size + 2:]


def parse_response(raw, method):
    """Parse a complete HTTP/1.x response read until the connection closed."""
    rest = raw
    while True:
        head, sep, rest = rest.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("incomplete response: %r" % raw[:200])
        status_line, _, header_block = head.partition(b"\r\n")
        parts = status_line.decode("latin-1").split(" ", 2)
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        if 100 <= status < 200 and status != 101:
            continue  # interim response (100 Continue): the real one follows
        break
    headers = http.client.parse_headers(io.BytesIO(header_block + b"\r\n\r\n"))
    if method.upper() == "HEAD" or status in (204, 304):
        body, extra = b"", rest
    elif "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        body, extra = _dechunk(rest)
    elif headers.get("Content-Length") is not None:
        n = int(headers.get("Content-Length"))
        body, extra = rest[:n], rest[n:]
    else:
        body, extra = rest, b""
    return Response(status, reason, headers, body, extra, raw)


def http_request(port, method, path, headers=None, body=None, raw_headers=(),
                 timeout=10.0, version="HTTP/1.1", host="127.0.0.1", addr="127.0.0.1"):
    """Send one request on a fresh connection to addr:port (127.0.0.1 unless
    told, "::1" for IPv6), return a Response (its .peer: the address answered).

    headers: dict or list of (name, value) pairs, sent as given (a value of
    "" sends `Name: `); raw_headers: complete header lines sent verbatim.
    Host, Content-Length (when there is a body) and `Connection: close` are
    added unless given.
    """
    if isinstance(headers, dict):
        headers = list(headers.items())
    headers = list(headers or [])
    given = {n.lower() for n, _ in headers}
    given |= {h.split(":", 1)[0].strip().lower() for h in raw_headers}
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = ["%s %s %s" % (method, path, version)]
    if "host" not in given and version != "HTTP/1.0":
        lines.append("Host: %s:%d" % (host, port))
    if body is not None and "content-length" not in given \
            and "transfer-encoding" not in given:
        lines.append("Content-Length: %d" % len(body))
    if "connection" not in given:
        lines.append("Connection: close")
    lines += ["%s: %s" % (n, v) for n, v in headers]
    lines += list(raw_headers)
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with socket.create_connection((addr, port), timeout=timeout) as s:
        peer = s.getpeername()[0]
        s.sendall(data)
        chunks = []
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise socket.timeout("response not complete after %ss" % timeout)
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    r = parse_response(b"".join(chunks), method)
    r.peer = peer
    return r


# --------------------------------------------------------------------------
# Processes (Linux /proc)
# --------------------------------------------------------------------------

def _proc_stat(pid):
    """(state, ppid, pgrp) of a process, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1]), int(fields[2])


def _alive(pid):
    st = _proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def alive_pids(pids):
    """Those of pids whose processes still run (prefork may retire a spare child)."""
    return {pid for pid in pids if _alive(pid)}


def _group_members(pgid):
    """Live (non-zombie) processes of process group `pgid`."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(int(entry))
            if st is not None and st[2] == pgid and st[0] not in ("Z", "X"):
                members.append(int(entry))
    return members


def _unix_socket_inode(path):
    """Inode of the unix socket bound at `path` (or `path.PID`, as mod_cgid does)."""
    try:
        with open("/proc/net/unix") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 8 and (parts[7] == path or re.fullmatch(
                        re.escape(path) + r"\.\d+", parts[7])):
                    return parts[6]
    except OSError:
        pass
    return None


def _holds_socket(pid, inode):
    target = "socket:[%s]" % inode
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target:
                return True
        except OSError:
            continue
    return False


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------

RUNNING = set()


class StartError(RuntimeError):
    pass


class Httpd:
    """A real httpd with our module, in its own temporary ServerRoot.

    snippet     configuration appended to the generated httpd.conf; it may use
                ${AJ_PORT}, ${AJ_PORT_1}.. (extra ports), ${AJ_SERVERROOT},
                ${AJ_TOP_SRCDIR}, ${AJ_TOP_BUILDDIR}, ${AJ_MPM}
    name        label for the ServerRoot folder
    mpm         event | worker | prefork (default: $AJ_MPM, else event)
    module      path of mod_auth0_jwt.so (default: the build tree's)
    extra_ports how many more free ports to reserve (self.extra_ports)
    allow_log   regexes of log lines this server may always write
    files       {relative path: text or (text, mode)} written into the ServerRoot before start
    modules     more stock modules to load, by name (e.g. ["socache_redis"])
    wrapper     argv put before httpd's; it must exec httpd (e.g. unshare -m ...)
    """

    def __init__(self, snippet="", name="httpd", mpm=None, module=None,
                 extra_ports=0, allow_log=(), files=None, modules=(), wrapper=()):
        self.snippet = snippet
        self.wrapper = list(wrapper)  # argv prefix that must exec httpd (same pid)
        self.name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40]
        self.mpm = mpm or current_mpm()
        self.module = module or module_path()
        self.allow = [re.compile(rx) for rx in allow_log]
        self.test_allow = []
        self.files = dict(files or {})
        self.modules = [m for m in modules if m not in STOCK_MODULES]
        self.root = tempfile.mkdtemp(prefix="%s-%s-" % (self.name, self.mpm), dir=base_dir())
        os.chmod(self.root, 0o755)
        for sub in ("conf", "logs", "run", "htdocs"):
            os.makedirs(os.path.join(self.root, sub), mode=0o755, exist_ok=True)
        self.conf_path = os.path.join(self.root, "conf", "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error_log")
        self.access_log = os.path.join(self.root, "logs", "access_log")
        self.stderr_log = os.path.join(self.root, "logs", "stderr.log")
        self.pid_file = os.path.join(self.root, "logs", "httpd.pid")
        self.port = free_port()
        self.extra_ports = [free_port() for _ in range(extra_ports)]
        self.proc = None
        self._checked = 0       # error-log offset already checked
        self._test_start = 0    # error-log offset where the current test began
        self._sent = 0          # requests sent through self.request()

    # ---- configuration ---------------------------------------------------

    def path(self, *parts):
        """A path inside the ServerRoot."""
        return os.path.join(self.root, *parts)

    def write_file(self, rel, text, mode=0o644):
        """Write a file inside the ServerRoot (folders created, readable by children)."""
        full = self.path(rel)
        os.makedirs(os.path.dirname(full), mode=0o755, exist_ok=True)
        with open(full, "w" if isinstance(text, str) else "wb") as f:
            f.write(text)
        os.chmod(full, mode)
        return full

    def config_text(self, snippet=None):
        r = self.root
        lines = [
            "# generated by tests/integration/ajtest.py",
            'ServerRoot "%s"' % r,
            "Define AJ_SERVERROOT %s" % r,
            "Define AJ_PORT %d" % self.port,
            "Define AJ_TOP_SRCDIR %s" % top_srcdir(),
            "Define AJ_TOP_BUILDDIR %s" % top_builddir(),
            "Define AJ_MPM %s" % self.mpm,
        ]
        lines += ["Define AJ_PORT_%d %d" % (i + 1, p) for i, p in enumerate(self.extra_ports)]
        mpm_line = load_module_line("mpm_" + self.mpm)
        if mpm_line is None:
            raise StartError("MPM %s: no mod_mpm_%s.so in %s and not compiled in"
                             % (self.mpm, self.mpm, modules_dir()))
        lines.append(mpm_line)
        for name in STOCK_MODULES:
            line = load_module_line(name)
            if line:
                lines.append(line)
        for name in self.modules:
            line = load_module_line(name)
            if line is None:
                raise StartError("module %s: no mod_%s.so in %s" % (name, name, modules_dir()))
            if line:
                lines.append(line)
        lines += [
            "LoadModule auth0_jwt_module %s" % self.module,
            "",
            "Listen 127.0.0.1:%d" % self.port,
            "ServerName 127.0.0.1",
        ]
        if os.geteuid() == 0:
            lines += ["User www-data", "Group www-data"]
        lines += [
            "PidFile %s/logs/httpd.pid" % r,
            "DefaultRuntimeDir %s/run" % r,
            "Mutex file:%s/run default" % r,
            "<IfModule cgid_module>",
            "    ScriptSock %s/run/cgisock" % r,
            "</IfModule>",
            "ErrorLog %s/logs/error_log" % r,
            "LogLevel warn auth0_jwt:debug",
            'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
            "CustomLog %s/logs/access_log common" % r,
            "TypesConfig %s/conf/mime.types" % r,
            "DocumentRoot %s/htdocs" % r,
            "<Directory />",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            "<Directory %s/htdocs>" % r,
            "    Require all granted",
            "</Directory>",
            "Timeout 30",
            "KeepAlive On",
            "KeepAliveTimeout 2",
            "GracefulShutdownTimeout 5",
        ]
        if self.mpm == "prefork":
            lines += ["StartServers 2", "MinSpareServers 2", "MaxSpareServers 6",
                      "ServerLimit 16", "MaxRequestWorkers 16"]
        else:
            lines += ["StartServers 2", "ServerLimit 4", "ThreadLimit 16",
                      "ThreadsPerChild 16", "MinSpareThreads 16",
                      "MaxSpareThreads 64", "MaxRequestWorkers 64"]
        lines += ["", "# ---- test snippet ----",
                  self.snippet if snippet is None else snippet, ""]
        return "\n".join(lines)

    def write_config(self, snippet=None):
        with open(self.path("conf", "mime.types"), "w") as f:
            f.write("application/json json\ntext/html html htm\ntext/plain txt\n")
        for rel, text in self.files.items():  # text, or (text, mode)
            self.write_file(rel, *(text if isinstance(text, tuple) else (text,)))
        with open(self.conf_path, "w") as f:
            f.write(self.config_text(snippet))

    def configtest(self, snippet=None):
        """`httpd -t` on this server's configuration: (returncode, output)."""
        self.write_config(snippet)
        out = subprocess.run([httpd_binary(), "-d", self.root, "-f", self.conf_path, "-t"],
                             capture_output=True, text=True, timeout=60, check=False,
                             env=httpd_env())
        return out.returncode, out.stdout + out.stderr

    # ---- lifecycle -------------------------------------------------------

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        if self.running:
            return self
        for attempt in range(3):
            try:
                self._start_once()
                return self
            except StartError as e:
                if "Address already in use" in str(e) and attempt < 2:
                    self.port = free_port()
                    self.extra_ports = [free_port() for _ in self.extra_ports]
                    continue
                raise
        return self

    def _start_once(self):
        self.write_config()
        for f in (self.error_log, self.access_log, self.pid_file):
            if os.path.exists(f):
                os.unlink(f)
        self._checked = self._test_start = 0
        self._sent = 0
        stderr = open(self.stderr_log, "ab")
        try:
            self.proc = subprocess.Popen(
                self.wrapper + [httpd_binary(), "-d", self.root, "-f", self.conf_path,
                                "-DFOREGROUND"],
                stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                start_new_session=True, env=httpd_env())
        finally:
            stderr.close()
        RUNNING.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self._reap()
                self.proc = None  # reported here; stop() has nothing left to do
                raise StartError("httpd exited with %s during start-up: %s\n%s"
                                 % (rc, self._last_complaint(), self._diagnostics()))
            accepting = False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                accepting = True
            except OSError:
                pass
            # The port accepts before post_config (the module's start-up
            # fetches) is done: a server is started only once the MPM has
            # logged "resuming normal operations", after its children start.
            if accepting and self._started_up():
                return
            if time.monotonic() > deadline:
                self._kill()
                self.proc = None
                what = ("never logged that it resumed normal operations" if accepting
                        else "did not accept on 127.0.0.1:%d" % self.port)
                raise StartError("httpd %s within %ss\n%s"
                                 % (what, START_TIMEOUT, self._diagnostics()))
            time.sleep(0.05)

    def _started_up(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return "resuming normal operations" in f.read()
        except OSError:
            return False

    def _last_complaint(self):
        """The last line httpd wrote to stderr (where configuration and
        start-up errors go), so that a one-line test summary names the cause."""
        try:
            with open(self.stderr_log, errors="replace") as fh:
                lines = [l.strip() for l in fh.read()[-4000:].splitlines() if l.strip()]
        except OSError:
            lines = []
        return lines[-1][:300] if lines else "(nothing on stderr)"

    def _diagnostics(self):
        out = []
        for label, f in (("stderr", self.stderr_log), ("error_log", self.error_log)):
            if os.path.exists(f):
                with open(f, errors="replace") as fh:
                    text = fh.read()[-4000:]
                out.append("---- %s (%s) ----\n%s" % (label, f, text))
        return "\n".join(out)

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _kill(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal_group(signal.SIGKILL)
        self._reap()

    def _reap(self):
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.returncode != 0:
            # children left behind by a killed parent share its process group
            self._signal_group(signal.SIGKILL)
        RUNNING.discard(self)

    def stop(self, check=True, graceful=True):
        """Stop httpd, then check its log (LogError on unexpected lines).

        graceful=True (default): httpd's graceful stop (SIGWINCH), which lets
        every connection finish; once the children that serve requests have
        exited, SIGTERM spares the parent its one-second wait. graceful=False:
        SIGTERM at once (`-k stop`), which under load can make httpd's event
        MPM log AH03092 or even crash a child: only for tests that want that.
        Every wait is bounded; SIGKILL to the process group is the last resort.
        Lines logged before the stop are checked as after a test; after it,
        SHUTDOWN_NOISE is tolerated.
        """
        if self.proc is None:
            return
        problems = []
        if self.proc.poll() is None:
            if check:
                problems += self._new_problems(barrier=True)
            if graceful:
                workers = self._worker_pids()
                self.proc.send_signal(signal.SIGWINCH)
                deadline = time.monotonic() + STOP_TIMEOUT
                while (workers and self.proc.poll() is None
                       and time.monotonic() < deadline):
                    workers = [pid for pid in workers if _alive(pid)]
                    time.sleep(0.01)
            for sig in (signal.SIGTERM, signal.SIGTERM):
                if self.proc.poll() is not None:
                    break
                try:
                    self.proc.send_signal(sig)
                    self.proc.wait(timeout=STOP_TIMEOUT / 2)
                except subprocess.TimeoutExpired:
                    continue
        self._kill()
        if check:
            problems += self._new_problems(barrier=False, extra_allow=SHUTDOWN_NOISE)
            if self.proc.returncode != 0:
                problems.append("httpd exited with status %s" % self.proc.returncode)
            if problems:
                raise LogError("unexpected lines in %s:\n  %s"
                               % (self.error_log, "\n  ".join(problems)))

    def _worker_pids(self):
        """Pids of the children serving requests: the process group less the
        parent and mod_cgid's daemon (the process holding the cgid socket)."""
        members = [pid for pid in _group_members(self.proc.pid) if pid != self.proc.pid]
        sock = _unix_socket_inode(self.path("run", "cgisock"))
        if sock is not None:
            members = [pid for pid in members if not _holds_socket(pid, sock)]
        return members

    def graceful_restart(self, snippet=None, timeout=START_TIMEOUT):
        """Graceful restart (SIGUSR1, `-k graceful`), optionally with a new snippet.

        Returns once the error log shows the new generation running.
        """
        if snippet is not None:
            self.snippet = snippet
            self.write_config()
        marker = re.compile(r"AH00\d+: .*resuming normal operations")
        before = sum(1 for line in self.log_lines(since_test=False) if marker.search(line))
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise StartError("httpd exited during graceful restart\n%s"
                                 % self._diagnostics())
            now = sum(1 for line in self.log_lines(since_test=False) if marker.search(line))
            if now > before:
                return self
            if time.monotonic() > deadline:
                raise StartError("graceful restart not done within %ss" % timeout)
            time.sleep(0.05)

    def restart(self, snippet=None):
        """Stop, optionally replace the snippet, start again (same ServerRoot)."""
        self.stop()
        if snippet is not None:
            self.snippet = snippet
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        # a log complaint must not hide the exception already on its way
        self.stop(check=exc_type is None)
        return False

    # ---- requests --------------------------------------------------------

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, method, path, headers=None, body=None, raw_headers=(),
                port=None, timeout=10.0, **kw):
        """One request on a fresh connection; see http_request()."""
        self._sent += 1
        return http_request(port or self.port, method, path, headers=headers, body=body,
                            raw_headers=raw_headers, timeout=timeout, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)

    def post(self, path, body=b"", **kw):
        return self.request("POST", path, body=body, **kw)

    # ---- the error log ---------------------------------------------------

    def expect_log(self, regex):
        """Allow log lines matching `regex` in this server for the current test."""
        self.test_allow.append(re.compile(regex))

    def begin_test(self):
        self.test_allow = []
        self._test_start = self._log_size()

    def _log_size(self):
        try:
            return os.path.getsize(self.error_log)
        except OSError:
            return 0

    def _read_log(self, start):
        """Complete lines of the error log from byte offset `start`; new offset."""
        try:
            with open(self.error_log, "rb") as f:
                f.seek(start)
                data = f.read()
        except OSError:
            return [], start
        end = data.rfind(b"\n") + 1
        text = data[:end].decode("utf-8", "replace")
        return text.splitlines(), start + end

    def log_lines(self, since_test=True):
        """Error-log lines since the current test began (or since start)."""
        return self._read_log(self._test_start if since_test else 0)[0]

    def wait_log(self, regex, timeout=5.0, since_test=True):
        """Wait (bounded) for an error-log line matching `regex`; return it."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_lines(since_test):
                if rx.search(line):
                    return line
            if time.monotonic() > deadline:
                raise AssertionError("no error-log line matching %r within %ss in %s"
                                     % (regex, timeout, self.error_log))
            time.sleep(0.05)

    def _barrier(self):
        """Wait (bounded) until the access log shows every request we sent."""
        deadline = time.monotonic() + BARRIER_TIMEOUT
        while self.running and time.monotonic() < deadline:
            try:
                with open(self.access_log, "rb") as f:
                    if f.read().count(b"\n") >= self._sent:
                        return
            except OSError:
                pass
            time.sleep(0.02)

    def _new_problems(self, barrier=True, extra_allow=()):
        if barrier:
            self._barrier()
        lines, self._checked = self._read_log(self._checked)
        return bad_log_lines(lines, self.allow + self.test_allow + _test_allow
                             + list(extra_allow))

    def check_log(self, barrier=True):
        """Fail (LogError) on unexpected warn-or-worse or crash lines since last check."""
        bad = self._new_problems(barrier)
        if self.proc is not None and self.proc.returncode not in (None, 0):
            bad.append("httpd exited with status %s" % self.proc.returncode)
        if bad:
            raise LogError("unexpected lines in %s:\n  %s"
                           % (self.error_log, "\n  ".join(bad)))

    def skip_log(self):
        """Mark everything logged so far as checked (after a failed test)."""
        self._checked = self._read_log(self._checked)[1]


def configtest(snippet, **kw):
    """`httpd -t` on a generated configuration with `snippet`: (returncode, output)."""
    return Httpd(snippet, name=kw.pop("name", "configtest"), **kw).configtest()


def _stop_all():
    for srv in list(RUNNING):
        try:
            srv.stop(check=False)
        except Exception:  # pylint: disable=broad-except
            pass


atexit.register(_stop_all)
