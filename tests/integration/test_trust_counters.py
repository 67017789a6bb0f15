"""Counters an attacker can drive (docs/security.md, "Logs and counters"): the
status counts are 64-bit and cannot wrap, their shared segment says what it
holds, every possible child process has a row, and a status poll does not parse
a key set again while it has not changed."""

import os
import re
import struct

import pytest

import ajtest
from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, bearer, jwks, jwks_of, location, pki, signing_keys)

STATUS = """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""
MAGIC = 0x41304a43  # "A0JC": the counters segment's first word


def status(srv):
    r = srv.get("/status", headers=[("Accept", "application/json")])
    assert r.status == 200, r.text
    return r.json()


def counters_segment(pid):
    """The address of the counters segment in process pid (found by its magic)."""
    return ajtest.shared_segment(pid, "<I", (MAGIC,))


def test_request_counts_do_not_wrap_at_32_bits(httpd_factory, jwks, pki, signing_keys):
    """Attack: at 50,000 requests a second a 32-bit count wraps within a day, so
    a flood of refused tokens could bring `refused.expired` (or `accepted`) back
    to a small number, hiding itself from the alerts that watch it. The counts
    are 64-bit: set to 2^32 - 1 in the shared segment (through the root
    parent's memory), one more request makes 2^32, not 0."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain) + STATUS,
                        allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    base = counters_segment(srv.proc.pid)
    assert base is not None, "no counters segment found in the parent's mappings"
    with open("/proc/%d/mem" % srv.proc.pid, "r+b") as mem:
        mem.seek(base)
        magic, version, reasons, rows, accepted = struct.unpack("<IIIIQ", mem.read(24))
        assert accepted == 1 and reasons > 40 and rows >= 1, (version, reasons, rows, accepted)
        mem.seek(base + 16)
        mem.write(struct.pack("<Q", 2**32 - 1))
        mem.flush()
    assert status(srv)["requests"]["accepted"] == 2**32 - 1
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    assert status(srv)["requests"]["accepted"] == 2**32


def test_counters_segment_names_its_layout(httpd_factory, jwks, pki):
    """Attack (an upgrade's, not a client's): a graceful restart into a module
    whose counters have another layout used to keep the old segment and write
    past it. The segment now starts with a magic number, a layout version, the
    number of refusal reasons and the number of rows; a restart keeps it only
    when all of them match. Here the version word is changed in place, as a
    module of another version would have left it: the restart makes a new
    segment (and says so), and counting starts again from zero."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain) + STATUS,
                        allow_log=[CONFIG_WARNINGS])
    assert srv.get("/api/private").status == 401
    assert status(srv)["requests"]["refused"]["no_token"] == 1
    srv.graceful_restart()  # the same layout: the counts are kept
    assert status(srv)["requests"]["refused"]["no_token"] == 1
    base = counters_segment(srv.proc.pid)
    assert base is not None
    with open("/proc/%d/mem" % srv.proc.pid, "r+b") as mem:
        mem.seek(base + 4)
        mem.write(struct.pack("<I", 0xFFFF))
        mem.flush()
    ajtest.expect_log(r"the counters' layout changed")
    srv.graceful_restart()
    assert status(srv)["requests"]["refused"]["no_token"] == 0
    assert any("the counters' layout changed" in line for line in srv.log_lines())


CHILDREN = 520  # more than the 512 rows there used to be


def test_every_child_process_has_a_row(httpd_factory, jwks, pki):
    """Attack: the token-cache figures of children beyond a fixed 512 rows
    vanished from the page (a prefork ServerLimit may be up to 20000), so a
    busy server under-reported its cache. The segment now has one row per
    possible child (the MPM's ServerLimit): with 520 children, 520 rows."""
    if os.environ.get("AJ_HTTPD_PRELOAD"):
        pytest.skip("520 processes with AddressSanitizer's shadow memory do not fit")
    mpm = ajtest.current_mpm()
    if mpm == "prefork":
        lines = ("ServerLimit {n}\nMaxRequestWorkers {n}\nStartServers {n}\n"
                 "MinSpareServers {n}\nMaxSpareServers {n}\n").format(n=CHILDREN)
    else:
        lines = ("ServerLimit {n}\nThreadLimit 1\nThreadsPerChild 1\nStartServers {n}\n"
                 "MaxRequestWorkers {n}\nMinSpareThreads 1\nMaxSpareThreads {n}\n"
                 ).format(n=CHILDREN)
    srv = httpd_factory(lines + location("/api/", pki.ca_file, domain=jwks.domain) + STATUS,
                        allow_log=[CONFIG_WARNINGS, MPM_FULL])
    import time  # pylint: disable=import-outside-toplevel
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kids = srv._worker_pids()  # pylint: disable=protected-access
        procs = status(srv)["token_cache"]["processes"]
        if len(kids) >= CHILDREN and procs >= CHILDREN:
            break
        time.sleep(0.5)
    assert len(kids) >= CHILDREN, "only %d children started" % len(kids)
    assert procs == len(kids), (procs, len(kids))


def test_status_polls_parse_an_unchanged_key_set_once(httpd_factory, pki, signing_keys):
    """Attack: a client allowed to poll the status page (a monitoring host, or
    `server-status?auto` left open) made every poll parse every key set again
    under the registry's lock, so polling fast slowed every key look-up. The
    page now keeps each key set's list until the set changes: ten polls of one
    process parse it once."""
    from jwks_server import JwksServer  # pylint: disable=import-outside-toplevel
    with JwksServer(pki, jwks_of(signing_keys["A"])) as host:
        mpm = ajtest.current_mpm()
        one = ("StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\nMaxRequestWorkers 1\n"
               "ServerLimit 1\n" if mpm == "prefork" else
               "ServerLimit 1\nStartServers 1\nThreadsPerChild 4\nThreadLimit 4\n"
               "MaxRequestWorkers 4\nMinSpareThreads 1\nMaxSpareThreads 4\n")
        srv = httpd_factory(one + location("/api/", pki.ca_file, domain=host.domain) + STATUS,
                            allow_log=[CONFIG_WARNINGS, MPM_FULL])
        for _ in range(10):
            keys = status(srv)["key_sources"][0]["keys"]
            assert [k["kid"] for k in keys] == ["kA"], keys
        parsed = [line for line in srv.log_lines()
                  if re.search(r"status page: parsed the key list of https://localhost", line)]
        assert len(parsed) == 1, parsed
