"""Graceful restarts (`apachectl -k graceful`, SIGUSR1) keep the keys working and
leak nothing: no shared memory segment, semaphore, mapping, file descriptor or
file in the runtime directory more than before.

Two set-ups: the defaults (shmcb, the harness's file mutexes), and shmcb with
arguments plus a SysV semaphore for the module's mutex, whose leaks `ipcs -s`
would show.
"""

import os
import re
import subprocess

import pytest

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, bearer, fire, jwks, location, pki, signing_keys)

VARIANTS = {
    "default": "",
    "shmcb-args-sysvsem": ('Auth0Cache "shmcb:${AJ_SERVERROOT}/run/jwks-cache(2097152)"\n'
                           "Mutex sysvsem auth0-jwt-cache\n"),
}


def _ipcs(*args):
    out = subprocess.run(["ipcs"] + list(args), capture_output=True, text=True, timeout=10,
                         check=False).stdout
    return [line.split() for line in out.splitlines()
            if line.split() and (line.split()[0].isdigit() or line.startswith("0x"))]


def snapshot(srv):
    pid = srv.proc.pid
    files = set()
    for folder, _, names in os.walk(srv.path("run")):
        files |= {os.path.relpath(os.path.join(folder, n), srv.root) for n in names}
    with open("/proc/%d/maps" % pid) as f:
        maps = f.read().splitlines()
    return {
        # SysV segments made by the parent (ipcs -m -p: shmid owner cpid lpid)
        "shm segments": len([row for row in _ipcs("-m", "-p") if row[2] == str(pid)]),
        # semaphore arrays (ipcs -s: key semid ...): made anew each generation, so
        # how many, not which
        "semaphores": len(_ipcs("-s")),
        "/dev/shm": sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else [],
        "run files": sorted(files),
        "parent fds": len(os.listdir("/proc/%d/fd" % pid)),
        "shared mappings": sum(1 for m in maps if "SYSV" in m or "/dev/zero" in m
                               or "(deleted)" in m),
    }


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_graceful_restarts_keep_keys_and_leak_nothing(httpd_factory, jwks, pki,
                                                      signing_keys, variant):
    srv = httpd_factory(VARIANTS[variant] + location("/api/", pki.ca_file, domain=jwks.domain),
                        allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    assert [s for s, _, _ in fire(srv, 20, bearer(token))] == [200] * 20
    srv.graceful_restart()
    assert [s for s, _, _ in fire(srv, 20, bearer(token))] == [200] * 20
    first = snapshot(srv)
    for _ in range(3):
        srv.graceful_restart()
        results = fire(srv, 20, bearer(token))
        assert [s for s, _, _ in results] == [200] * 20
    last = snapshot(srv)
    assert last == first, "after 3 more graceful restarts:\n%s\n%s" % (first, last)
    assert 1 <= jwks.count <= 5, "at most one start-up fetch per generation"


def test_graceful_restart_during_an_outage(httpd_factory, jwks, pki, signing_keys,
                                           expect_log):
    """The JWKS host fails; graceful restarts still start with the last good keys."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain),
                        allow_log=[CONFIG_WARNINGS])
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    jwks.set_mode("500")
    expect_log(r"cannot fetch the keys of %s at start-up \(status: status 500\); "
               r"serving the last good keys saved before the restart" % re.escape(jwks.url()))
    for _ in range(2):
        srv.graceful_restart()
        results = fire(srv, 20, bearer(token))
        assert [s for s, _, _ in results] == [200] * 20
    # a token of a key the saved set does not have: a forced refresh fails, 401
    expect_log(r"cannot refresh the keys of %s: status: status 500; serving the last good keys"
               % re.escape(jwks.url()))
    r = srv.get("/api/private", headers=bearer(signing_keys["B"].mint(jwks.issuer)))
    assert r.status == 401
