"""jwks_server: a controllable HTTPS JWKS host for the key-fetch tests.

Everything is made at test time with python3-cryptography:

  Pki(folder)    a test CA, a server certificate it signs for localhost,
                 127.0.0.1 and ::1, a second ("other") CA with a certificate
                 for the same names, and a certificate of the first CA for
                 another name (other.invalid). Files are world-readable, so
                 httpd's children (www-data) can read the CA file.
  SigningKey     an RSA key with a kid: .jwk() is its public JWK, .mint(...)
                 signs an access token (PyJWT).
  JwksServer     a threaded HTTPS server on loopback (a free port) that serves
                 whatever JWKS the test sets, in a mode switchable at run time,
                 globally or per path:
                   normal           200, Content-Length
                   chunked          200, chunked transfer coding (chunk
                                    extensions and a trailer included)
                   close_delimited  200, no length: the body ends at close
                   slow             200, the response dripped over `slow_total`
                                    seconds (within the fetch deadline)
                   drip             the response dripped one byte every
                                    `drip_every` seconds, forever: each read
                                    succeeds, the whole never ends
                   500              status 500
                   redirect         302 to another path
                   garbage          200 whose body is not JSON
                   not_http         bytes that are no HTTP response at all
                   empty            200 {"keys": []}
                   huge             200, Content-Length 20 MiB, 20 MiB sent
                   huge_chunked     200, 20 MiB in chunks
                   huge_close       200, 20 MiB close-delimited
                   close_mid_body   Content-Length larger than what is sent,
                                    then the connection is closed
                   close_delimited_cut  200 with no length, the whole body,
                                    then TCP closed without TLS close_notify
                                    (what a truncating attacker leaves)
                   stall            TLS done, request read, never an answer
                   stall_handshake  the TCP connection is accepted, TLS never
                                    answered (global mode only: the path is
                                    not known before TLS)
                 The certificate it shows (`cert`: good, other_ca,
                 wrong_name) can change at run time too, and down()/up() stop
                 and resume listening on the same port (a host that is down).
                 It counts the requests it read (`count`, `count_for(path)`),
                 keeps what they looked like (`requests`: path, headers, SNI),
                 and stops by itself, releasing stalled connections, at
                 stop() (use it as a context manager or a fixture).

Tokens carry iss https://localhost:PORT/ by default (`issuer`), which is what
`Auth0Domain localhost:PORT` (`domain`) expects.
"""

import datetime
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
import uuid

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

JWKS_PATH = "/.well-known/jwks.json"
AUDIENCE = "https://api.fetch-tests.invalid/"
HUGE = 20 * 1024 * 1024

MODES = frozenset((
    "normal", "chunked", "close_delimited", "slow", "drip", "500", "redirect",
    "garbage", "not_http", "empty", "huge", "huge_chunked", "huge_close",
    "close_mid_body", "close_delimited_cut", "stall", "stall_handshake",
))


# --------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------

def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _make_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_leaf(ca_key, ca_cert, cn, dns=(), ips=()):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i))
                                             for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


class Pki:
    """Test CAs and server certificates, written as PEM files into `folder`.

    ca_file        the CA httpd should trust (Auth0CACertificateFile)
    other_ca_file  a CA nobody configured
    certs          {"good" | "other_ca" | "wrong_name": (cert.pem, key.pem)}
    """

    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, 0o755)
        self.folder = folder
        ca_key, ca_cert = _make_ca("mod_auth0_jwt test CA")
        other_key, other_cert = _make_ca("some other CA")
        names = dict(dns=["localhost"], ips=["127.0.0.1", "::1"])
        self.ca_file = self._write("ca.pem", _pem_cert(ca_cert))
        self.other_ca_file = self._write("other-ca.pem", _pem_cert(other_cert))
        self.certs = {}
        for label, (ck, cc, cn, kw) in {
                "good": (ca_key, ca_cert, "localhost", names),
                "other_ca": (other_key, other_cert, "localhost", names),
                "wrong_name": (ca_key, ca_cert, "other.invalid",
                               dict(dns=["other.invalid"], ips=["192.0.2.1"])),
        }.items():
            key, cert = _make_leaf(ck, cc, cn, **kw)
            self.certs[label] = (self._write(label + ".crt", _pem_cert(cert)),
                                 self._write(label + ".key", _pem_key(key)))

    def _write(self, name, data):
        path = os.path.join(self.folder, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return path

    def context(self, label):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(*self.certs[label])
        return ctx


# --------------------------------------------------------------------------
# Signing keys and tokens
# --------------------------------------------------------------------------

def _b64u_int(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return jwt.utils.base64url_encode(raw).decode("ascii")


class SigningKey:
    """An RSA signing key (RS256) with a kid."""

    def __init__(self, kid=None, bits=2048):
        self.kid = kid or "k-" + uuid.uuid4().hex[:12]
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        self.pem = _pem_key(self.key)

    def jwk(self):
        pub = self.key.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": _b64u_int(pub.n), "e": _b64u_int(pub.e)}

    def mint(self, iss, aud=AUDIENCE, sub="user|fetch-tests", ttl=3600, kid=None, **claims):
        """A signed access token; kid overrides the header's kid (e.g. an unknown one)."""
        now = int(time.time())
        payload = {"iss": iss, "aud": aud, "sub": sub, "iat": now, "exp": now + ttl}
        payload.update(claims)
        return jwt.encode(payload, self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})


def jwks_of(*keys, filler=0):
    """A JWKS with these keys, plus `filler` more (copies of the last with other kids),
    which make parsing the set take a little longer."""
    out = [k.jwk() for k in keys]
    for i in range(filler):
        extra = dict(out[-1])
        extra["kid"] = "filler-%d" % i
        out.append(extra)
    return {"keys": out}


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------

class Request:
    """What one request to the server looked like."""

    def __init__(self, path, head, sni, mode):
        self.path = path
        self.head = head          # the request head as text
        self.sni = sni            # the TLS server name the client sent (or None)
        self.mode = mode          # the mode it was answered in
        self.at = time.monotonic()  # when its head was read
        lines = head.split("\r\n")
        self.request_line = lines[0]
        self.headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                self.headers[name.strip().lower()] = value.strip()

    def __repr__(self):
        return "<Request %s %s>" % (self.request_line, self.mode)


class JwksServer:
    """A threaded HTTPS JWKS host on loopback; see the module docstring."""

    def __init__(self, pki, jwks=None, mode="normal", cert="good", host="127.0.0.1",
                 port=0):
        self.pki = pki
        self.host = host
        self.port = port
        self.jwks = jwks if jwks is not None else {"keys": []}
        self._cycle = None  # several JWKS served in turn (set_jwks_cycle)
        self._turn = 0
        self.mode = mode
        self.path_modes = {}
        self.cert = cert
        self.slow_total = 0.5
        self.drip_every = 0.2
        self._contexts = {}
        self._lock = threading.Lock()
        self._requests = []
        self.connections = 0
        self._listener = None
        self._held = None  # a bound, not listening, socket keeping the port while down
        self._accept_thread = None
        self._conns = set()
        self._stopping = threading.Event()   # set at stop(): releases stalls
        self._listening = threading.Event()

    # ---- set-up ------------------------------------------------------------

    def _context(self, label):
        if label not in self._contexts:
            ctx = self.pki.context(label)

            def sni_cb(sslobj, name, _ctx):
                sslobj.aj_sni = name
            ctx.sni_callback = sni_cb
            self._contexts[label] = ctx
        return self._contexts[label]

    def set_jwks(self, jwks):
        """Serve this JWKS (a dict, or SigningKeys) from now on."""
        if not isinstance(jwks, dict):
            jwks = jwks_of(*jwks)
        with self._lock:
            self.jwks = jwks
            self._cycle = None

    def set_jwks_cycle(self, *sets):
        """Serve these JWKS (dicts) in turn, one per request: a host whose edges
        disagree for a while, as a CDN in the middle of a change."""
        with self._lock:
            self._cycle = list(sets)
            self._turn = 0

    def set_mode(self, mode, path=None):
        """Answer in `mode` from now on: every path, or only `path` (a path prefix)."""
        assert mode in MODES, mode
        with self._lock:
            if path is None:
                self.mode = mode
                self.path_modes.clear()
            else:
                self.path_modes[path] = mode

    def mode_for(self, path):
        with self._lock:
            best = None
            for prefix, mode in self.path_modes.items():
                if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                    best = (prefix, mode)
            return best[1] if best else self.mode

    # ---- addresses ---------------------------------------------------------

    @property
    def domain(self):
        return "localhost:%d" % self.port

    @property
    def issuer(self):
        return "https://localhost:%d/" % self.port

    def url(self, path=JWKS_PATH, host="localhost"):
        if ":" in host:
            host = "[%s]" % host
        return "https://%s:%d%s" % (host, self.port, path)

    # ---- counters ----------------------------------------------------------

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    @property
    def count(self):
        """Requests read so far (any path)."""
        with self._lock:
            return len(self._requests)

    def count_for(self, path):
        with self._lock:
            return sum(1 for r in self._requests if r.path.startswith(path))

    def reset_count(self):
        with self._lock:
            del self._requests[:]
            self.connections = 0

    def wait_count(self, n, timeout=5.0, path=None):
        """Wait (bounded) until at least n requests were read; return the count."""
        deadline = time.monotonic() + timeout
        while True:
            c = self.count if path is None else self.count_for(path)
            if c >= n or time.monotonic() > deadline:
                return c
            time.sleep(0.02)

    # ---- life cycle --------------------------------------------------------

    def start(self):
        self._stopping.clear()
        self.up()
        return self

    def up(self):
        """Listen (again, on the same port when there was one)."""
        if self._listener is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        if self._held is not None:  # the port kept while down: let it go just now
            self._held.close()
            self._held = None
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(256)
        s.settimeout(0.1)
        self.port = s.getsockname()[1]
        self._listener = s
        self._listening.set()
        self._accept_thread = threading.Thread(target=self._accept_loop, args=(s,),
                                               daemon=True, name="jwks-accept")
        self._accept_thread.start()
        return self

    def down(self):
        """Stop listening (connections are refused); open connections stay."""
        s, self._listener = self._listener, None
        if s is None:
            return self
        self._listening.clear()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=2)
        s.close()
        # keep the port while down: bound, never listening, so connections are
        # refused and no other server of the test (an httpd picking a free
        # port) takes it before up() comes back to it
        held = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                             socket.SOCK_STREAM)
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            held.bind((self.host, self.port))
            self._held = held
        except OSError:
            held.close()
        return self

    def stop(self):
        self.down()
        if self._held is not None:
            self._held.close()
            self._held = None
        self._stopping.set()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _accept_loop(self, listener):
        while self._listening.is_set() and self._listener is listener:
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="jwks-conn").start()

    # ---- one connection ----------------------------------------------------

    def _wait(self, seconds):
        """Sleep, but return early (True) when the server stops."""
        return self._stopping.wait(seconds)

    def _serve(self, conn):
        tls = None
        try:
            conn.settimeout(10)
            if self.mode == "stall_handshake":
                self._wait(60)
                return
            tls = self._context(self.cert).wrap_socket(conn, server_side=True)
            with self._lock:
                self._conns.add(tls)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                head += chunk
                if len(head) > 65536:
                    return
            text = head.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            parts = text.split("\r\n", 1)[0].split(" ")
            path = parts[1] if len(parts) > 1 else "/"
            mode = self.mode_for(path)
            with self._lock:
                self._requests.append(Request(path, text, getattr(tls, "aj_sni", None), mode))
                served = self.jwks
                if self._cycle:
                    served = self._cycle[self._turn % len(self._cycle)]
                    self._turn += 1
                body = json.dumps(served).encode()
            self._answer(tls, mode, path, body)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            for s in (tls, conn):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass
                    with self._lock:
                        self._conns.discard(s)

    @staticmethod
    def _head(status, reason, fields):
        lines = ["HTTP/1.1 %d %s" % (status, reason)] + ["%s: %s" % f for f in fields]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _answer(self, tls, mode, path, body):
        ctype = ("Content-Type", "application/json")
        conn_close = ("Connection", "close")
        if mode == "normal":
            tls.sendall(self._head(200, "OK", [ctype, ("Content-Length", len(body)),
                                               conn_close]) + body)
        elif mode == "chunked":
            out = self._head(200, "OK", [ctype, ("Transfer-Encoding", "chunked"), conn_close])
            pieces = [body[i:i + 97] for i in range(0, len(body), 97)]
            for n, piece in enumerate(pieces):
                ext = ";note=x" if n == 1 else ""
                out += b"%x%s\r\n%s\r\n" % (len(piece), ext.encode(), piece)
            out += b"0\r\nX-Trailer: yes\r\n\r\n"
            # several TLS records, as a real server writes them
            for i in range(0, len(out), 300):
                tls.sendall(out[i:i + 300])
        elif mode == "close_delimited":
            tls.sendall(self._head(200, "OK", [ctype, conn_close]) + body)
            tls.unwrap()
        elif mode in ("slow", "drip"):
            data = self._head(200, "OK", [ctype, ("Content-Length", len(body)),
                                          conn_close]) + body
            step = max(1, len(data) // 20) if mode == "slow" else 1
            delay = self.slow_total / 20 if mode == "slow" else self.drip_every
            for i in range(0, len(data), step):
                tls.sendall(data[i:i + step])
                if self._wait(delay):
                    return
        elif mode == "500":
            msg = b"internal error"
            tls.sendall(self._head(500, "Internal Server Error",
                                   [("Content-Type", "text/plain"),
                                    ("Content-Length", len(msg)), conn_close]) + msg)
        elif mode == "redirect":
            tls.sendall(self._head(302, "Found", [("Location", self.url("/elsewhere.json")),
                                                  ("Content-Length", 0), conn_close]))
        elif mode == "garbage":
            msg = b"<html><body>this is not a key set</body></html>"
            tls.sendall(self._head(200, "OK", [ctype, ("Content-Length", len(msg)),
                                               conn_close]) + msg)
        elif mode == "not_http":
            tls.sendall(b"\x00\x01garbage, no status line\r\n\r\n{}")
        elif mode == "empty":
            msg = b'{"keys":[]}'
            tls.sendall(self._head(200, "OK", [ctype, ("Content-Length", len(msg)),
                                               conn_close]) + msg)
        elif mode.startswith("huge"):
            fields = [ctype, conn_close]
            if mode == "huge":
                fields.append(("Content-Length", HUGE))
            elif mode == "huge_chunked":
                fields.append(("Transfer-Encoding", "chunked"))
            tls.sendall(self._head(200, "OK", fields))
            block = b" " * 65536
            for _ in range(HUGE // 65536):
                if mode == "huge_chunked":
                    tls.sendall(b"10000\r\n" + block + b"\r\n")
                else:
                    tls.sendall(block)
                if self._stopping.is_set():
                    return
            if mode == "huge_chunked":
                tls.sendall(b"0\r\n\r\n")
        elif mode == "close_mid_body":
            tls.sendall(self._head(200, "OK", [ctype, ("Content-Length", len(body) + 1000),
                                               conn_close]) + body[:len(body) // 2])
            time.sleep(0.05)
            tls.unwrap()
        elif mode == "close_delimited_cut":
            tls.sendall(self._head(200, "OK", [ctype, conn_close]) + body)
            time.sleep(0.05)
            # no unwrap(): the TCP connection ends without close_notify
            tls.shutdown(socket.SHUT_RDWR)
        elif mode == "stall":
            self._wait(60)
        else:
            raise ValueError(mode)


# --------------------------------------------------------------------------
# Helpers for the tests: configuration snippets, requests
# --------------------------------------------------------------------------

# The module warns about production-unwise timings (TTL 1, cooldown 1...):
# tests use them on purpose.
CONFIG_WARNINGS = r"honoured as set"

# A log of which process answered what: "PID STATUS PATH" per request.
PID_LOG = 'CustomLog "${AJ_SERVERROOT}/logs/pid_log" "%P %>s %U"'


# A long test (tens of seconds: a scenario played over several slow fetches) that the
# quick tier leaves to the full one (scripts/test.sh exports AJ_TIER); run by hand, or
# with AJ_TIER unset, it runs.
full_tier_only = pytest.mark.skipif(os.environ.get("AJ_TIER") == "quick",
                                    reason="long: the full tier runs it (scripts/test.sh --full)")


def need_module(name):
    """Skip the test when stock module mod_NAME is not on this system."""
    import ajtest  # pylint: disable=import-outside-toplevel
    if ajtest.load_module_line(name) is None:
        pytest.skip("mod_%s is not available in %s" % (name, ajtest.modules_dir()))
    return name


def mpm_lines(mpm, children, threads=32):
    """MPM directives for `children` child processes (prefork: one request each;
    event/worker: `threads` threads each)."""
    if mpm == "prefork":
        return ("StartServers %d\nMinSpareServers %d\nMaxSpareServers %d\n"
                % (children, children, children + 4))
    return ("ThreadLimit {t}\nThreadsPerChild {t}\nStartServers {c}\nServerLimit {c}\n"
            "MaxRequestWorkers {m}\nMinSpareThreads {t}\nMaxSpareThreads {m}\n"
            .format(t=threads, c=children, m=threads * children))


# httpd's own notes when a burst of test requests fills every worker
MPM_FULL = r"AH00161|AH00286|AH00287|AH00484|AH00485|server reached MaxRequestWorkers|" \
           r"within MinSpareThreads of MaxRequestWorkers"


def location(path, ca_file, domain=None, uri=None, issuer=None, ttl=None, cooldown=1,
             timeout=2, max_stale=None, proxy=None, extra=""):
    """A <Location> served by the demo handler and protected by AuthType Auth0."""
    lines = ["<Location %s>" % path,
             "    SetHandler auth0-demo",
             "    AuthType Auth0",
             "    Auth0Audience %s" % AUDIENCE,
             "    Auth0CACertificateFile %s" % ca_file]
    for directive, value in (("Auth0Domain", domain), ("Auth0JWKSURI", uri),
                             ("Auth0Issuer", issuer), ("Auth0JWKSCacheTTL", ttl),
                             ("Auth0JWKSRefreshCooldown", cooldown),
                             ("Auth0JWKSTimeout", timeout), ("Auth0JWKSMaxStale", max_stale),
                             ("Auth0Proxy", proxy)):
        if value is not None:
            lines.append("    %s %s" % (directive, value))
    if extra:
        lines.append(extra)
    lines += ["    Require valid-user", "</Location>", ""]
    return "\n".join(lines)


def bearer(token):
    return {"Authorization": "Bearer " + token}


def pid_log(srv):
    """[(pid, status, path)] from PID_LOG, oldest first."""
    try:
        with open(srv.path("logs", "pid_log")) as f:
            rows = [line.split() for line in f if line.strip()]
    except OSError:
        return []
    return [(int(r[0]), int(r[1]), r[2]) for r in rows if len(r) == 3]


def fire(srv, n, headers, path="/api/private", threads=None, timeout=20.0):
    """Send n requests at once (a barrier releases them together).

    headers: a dict, or a function i -> dict. Returns [(status, seconds, response)]
    in request order; a request that failed at the socket level has status 0.
    """
    threads = min(n, threads or n)
    barrier = threading.Barrier(threads)
    results = [None] * n
    todo = iter(range(n))
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            h = headers(i) if callable(headers) else headers
            t0 = time.monotonic()
            try:
                r = srv.get(path, headers=h, timeout=timeout)
                results[i] = (r.status, time.monotonic() - t0, r)
            except OSError as e:
                results[i] = (0, time.monotonic() - t0, e)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout + 30)
    return results


def spread(srv, headers, enough, path="/api/private", burst=8, rounds=30):
    """Bursts of `burst` requests sent at once, until `enough(pids)` holds for the
    set of processes that answered them (at most `rounds` bursts). One request after
    another may all land on one child (the event MPM wakes whichever listener it
    likes); requests in flight together cannot all share one thread.
    Returns (statuses, pids)."""
    srv._barrier()  # pylint: disable=protected-access
    seen = len(pid_log(srv))
    statuses, pids = [], set()
    for _ in range(rounds):
        statuses += [r[0] for r in fire(srv, burst, headers, path=path)]
        deadline = time.monotonic() + 5
        while len(pid_log(srv)) < seen + len(statuses) and time.monotonic() < deadline:
            time.sleep(0.02)  # the access log line is written after the answer
        pids = {pid for pid, _, p in pid_log(srv)[seen:] if p == path}
        if enough(pids):
            break
    return statuses, pids


# --------------------------------------------------------------------------
# pytest fixtures (import them into a test module: from jwks_server import pki, ...)
# --------------------------------------------------------------------------



@pytest.fixture(scope="session")
def pki():
    """Test CAs and certificates for this run."""
    import ajtest  # pylint: disable=import-outside-toplevel
    return Pki(os.path.join(ajtest.base_dir(), "pki-%d" % os.getpid()))


@pytest.fixture(scope="session")
def signing_keys():
    """Three RSA signing keys, kids kA, kB, kC."""
    return {name: SigningKey(kid="k" + name) for name in "ABC"}


@pytest.fixture
def jwks(pki, signing_keys):
    """A JWKS host serving key A, stopped when the test ends."""
    with JwksServer(pki, jwks_of(signing_keys["A"])) as server:
        yield server
