"""gaps_helpers: small helpers for test_net_ipv6_h2.py, test_scopes_gaps.py and
test_token_edges.py (IPv6 requests, curl over HTTP/2, keep-alive connections,
log lines that belong to one token, header lines of an exact size).

Everything here talks to loopback only and adds nothing to ajtest's own state
beyond counting the requests it sends (so the harness's access-log barrier
waits for them too).
"""

import hashlib
import http.client
import os
import re
import socket
import subprocess
import tempfile
import time

import pytest

import ajtest
import tokens as T

# ---------------------------------------------------------------------------
# IPv6
# ---------------------------------------------------------------------------


def ipv6_loopback_reason():
    """None when a TCP socket can bind to [::1], else why not (for pytest.skip)."""
    if not socket.has_ipv6:
        return "this Python has no IPv6 support (socket.has_ipv6 is False)"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError as e:
        return "the IPv6 loopback ::1 is not configured here (bind to [::1]:0 failed: %s)" % e
    return None


def need_ipv6():
    """Skip the calling test, with a clear reason, when ::1 cannot be bound."""
    reason = ipv6_loopback_reason()
    if reason:
        pytest.skip(reason)


def request_at(srv, addr, port, method, path, headers=(), timeout=10.0, host_header=None):
    """One HTTP/1.1 request on a fresh connection to (addr, port) ("::1" for
    IPv6); returns an ajtest.Response with .peer. The request is counted for the
    harness's access-log barrier."""
    host = host_header or ("[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port))
    srv._sent += 1  # pylint: disable=protected-access
    return ajtest.http_request(port, method, path, headers=[("Host", host)] + list(headers),
                               timeout=timeout, addr=addr)


# ---------------------------------------------------------------------------
# The access log and the error log
# ---------------------------------------------------------------------------


def access_lines(srv):
    try:
        with open(srv.access_log, errors="replace") as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except OSError:
        return []


def token_tag(token):
    """What the module logs for a token: '(length N, sha256 XXXXXXXXXXXX)'."""
    return "length %d, sha256 %s" % (len(token), hashlib.sha256(token.encode()).hexdigest()[:12])


def wait_refusal(srv, token, reason=None, timeout=5.0):
    """The error-log line refusing exactly this token (found by its length and hash);
    asserts the reason code when given."""
    line = srv.wait_log(r"refused \w+: .*\(%s\)" % re.escape(token_tag(token)), timeout=timeout)
    if reason is not None:
        m = re.search(r"refused (\w+):", line)
        assert m and m.group(1) == reason, (reason, line)
    return line


def refusals_of(srv, token):
    """Reason codes of every refusal of this token logged in the current test."""
    rx = re.compile(r"refused (\w+): .*\(%s\)" % re.escape(token_tag(token)))
    return [m.group(1) for m in (rx.search(l) for l in srv.log_lines()) if m]


def wait_refusals(srv, token, count, timeout=5.0):
    """Wait (bounded) until `count` refusals of this token are logged; their codes."""
    deadline = time.monotonic() + timeout
    while True:
        codes = refusals_of(srv, token)
        if len(codes) >= count or time.monotonic() > deadline:
            return codes
        time.sleep(0.05)


def crash_lines(srv):
    """Lines of the whole error log (and httpd's stderr) that report a crash."""
    rx = re.compile(r"Segmentation fault|exit signal|AddressSanitizer|core dumped|"
                    r"AH00052|AH00060|child pid \d+ exit")
    out = []
    for path in (srv.error_log, srv.stderr_log):
        try:
            with open(path, errors="replace") as f:
                out += [l.rstrip("\n") for l in f if rx.search(l)]
        except OSError:
            pass
    return out


# ---------------------------------------------------------------------------
# curl (HTTP/2 cleartext)
# ---------------------------------------------------------------------------


class CurlResponse:
    """What curl got: the protocol version it really spoke, status, headers, body."""

    def __init__(self, version, status, headers, body, stderr):
        self.version = version
        self.status = status
        self.headers = headers     # [(lower-case name, value)] in order
        self.body = body
        self.stderr = stderr

    def header(self, name, default=None):
        vals = self.all(name)
        return vals[0] if vals else default

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def json(self):
        import json
        return json.loads(self.body)

    def __repr__(self):
        return "<CurlResponse HTTP/%s %s %r>" % (self.version, self.status, self.body[:200])


def curl(srv, url, headers=(), http2=True, method=None, timeout=15):
    """One request with the curl binary; `http2` uses --http2-prior-knowledge (h2c
    without an upgrade). The request is counted for the access-log barrier."""
    exe = "curl"
    with tempfile.TemporaryDirectory(prefix="aj-curl-") as d:
        hfile, bfile = os.path.join(d, "head"), os.path.join(d, "body")
        cmd = [exe, "-sS", "--noproxy", "*", "--max-time", str(timeout),
               "-D", hfile, "-o", bfile, "-w", "%{http_version} %{http_code}"]
        if http2:
            cmd.append("--http2-prior-knowledge")
        if method:
            cmd += ["-X", method]
        for name, value in headers:
            cmd += ["-H", "%s: %s" % (name, value)]
        cmd.append(url)
        srv._sent += 1  # pylint: disable=protected-access
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 10,
                             check=False)
        assert out.returncode == 0, "curl failed (%d): %s" % (out.returncode, out.stderr)
        version, status = out.stdout.split()
        with open(hfile, "rb") as f:
            head = f.read().decode("latin-1")
        with open(bfile, "rb") as f:
            body = f.read()
    pairs = []
    for line in head.split("\r\n")[1:]:
        if ":" in line:
            n, v = line.split(":", 1)
            pairs.append((n.strip().lower(), v.strip()))
    return CurlResponse(version, int(status), pairs, body, out.stderr)


# ---------------------------------------------------------------------------
# A persistent (keep-alive) connection: every request reaches the same child
# process, hence the same per-process verified-token cache.
# ---------------------------------------------------------------------------


class KeepAlive:
    def __init__(self, srv, timeout=10.0):
        self.srv = srv
        self.conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
        self.local = None

    def get(self, path, headers=None):
        self.srv._sent += 1  # pylint: disable=protected-access
        self.conn.request("GET", path, headers=dict(headers or {}))
        resp = self.conn.getresponse()
        body = resp.read()
        local = self.conn.sock.getsockname() if self.conn.sock else None
        if self.local is None:
            self.local = local
        # still the one TCP connection (http.client would silently reconnect)
        assert local == self.local, "the keep-alive connection was replaced: %r -> %r" % (
            self.local, local)
        assert not resp.will_close, "the server closed the keep-alive connection"
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body

    def close(self):
        self.conn.close()


# ---------------------------------------------------------------------------
# Header lines of an exact size
# ---------------------------------------------------------------------------

PAD_CLAIM = "https://example.com/padding"


def authorization_line(total, scope="read:messages", **kw):
    """(line, token): an `Authorization: Bearer TOKEN` header line of exactly `total`
    bytes (without CRLF), the token a valid one grown by a large custom claim.
    Base64url cannot give every length, so 0-3 extra spaces after `Bearer` (which
    RFC 6750 and the module accept) take up the last bytes."""
    prefix = "Authorization: Bearer "
    base = len(prefix + T.pyjwt(scope=scope, extra={PAD_CLAIM: ""}, **kw))
    guess = max(0, (total - base) * 3 // 4 - 4)
    for pad in range(guess, guess + 16):
        token = T.pyjwt(scope=scope, extra={PAD_CLAIM: "p" * pad}, **kw)
        spaces = total - len(prefix + token)
        if 0 <= spaces <= 3:
            line = "Authorization: Bearer " + " " * spaces + token
            assert len(line) == total
            return line, token
    raise AssertionError("cannot build an Authorization line of %d bytes" % total)
