"""connect_proxy: a tiny HTTP CONNECT proxy on loopback for the key-fetch tests.

    with ConnectProxy() as proxy:            # listens on 127.0.0.1, a free port
        ... Auth0Proxy proxy.url ...
        proxy.tunnels                        # tunnels opened so far
        proxy.targets                        # the CONNECT targets asked for
        proxy.mode = "refuse"                # answer 403 to every CONNECT

Modes: "allow" (open the tunnel and relay bytes both ways), "refuse" (403
Forbidden), "garbage" (an answer that is no HTTP at all). Anything but CONNECT
gets 405. With redirect=(host, port), every tunnel goes there whatever the
CONNECT asked for: an attacker's proxy that answers for any host. Threaded; stop() (or leaving the `with`) closes every tunnel.
"""

import select
import socket
import threading


class ConnectProxy:
    def __init__(self, mode="allow", host="127.0.0.1", redirect=None):
        self.mode = mode
        self.redirect = redirect
        self.host = host
        self.port = 0
        self.tunnels = 0
        self.targets = []
        self._lock = threading.Lock()
        self._listener = None
        self._stop = threading.Event()
        self._socks = set()

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(64)
        s.settimeout(0.1)
        self.port = s.getsockname()[1]
        self._listener = s
        threading.Thread(target=self._accept_loop, daemon=True, name="proxy-accept").start()
        return self

    def stop(self):
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.close()
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _track(self, s):
        with self._lock:
            self._socks.add(s)

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except (OSError, AttributeError):
                return
            self._track(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="proxy-conn").start()

    def _serve(self, conn):
        upstream = None
        try:
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(1)   # byte by byte: nothing of the tunnel is read
                if not chunk:
                    return
                head += chunk
                if len(head) > 16384:
                    return
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            target = parts[1]
            with self._lock:
                self.targets.append(target)
            if self.mode == "refuse":
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                return
            if self.mode == "garbage":
                conn.sendall(b"SSH-2.0-not-a-proxy\r\n\r\n")
                return
            host, _, port = target.rpartition(":")
            host = host.strip("[]")
            if self.redirect:
                host, port = self.redirect
            try:
                upstream = socket.create_connection((host, int(port)), timeout=5)
            except (OSError, ValueError):
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            self._track(upstream)
            with self._lock:
                self.tunnels += 1
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._relay(conn, upstream)
        except OSError:
            pass
        finally:
            for s in (conn, upstream):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass
                    with self._lock:
                        self._socks.discard(s)

    def _relay(self, a, b):
        a.settimeout(None)
        b.settimeout(None)
        peers = {a: b, b: a}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(peers), [], [], 0.2)
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                peers[s].sendall(data)
