"""Root parent vs server user: the folder of saved key sets (docs/keys.md, "The
last good keys on disk") belongs to the server user, who (through any CGI) may
plant links, FIFOs or files under the names the module uses. No file operation
of the root parent may be turned onto another file by them, and loading the
saved set follows no link.

These tests need root: httpd's parent runs as root, its children as www-data.
"""

import json
import os
import pwd
import stat
import time

import pytest

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, JwksServer, bearer, jwks, jwks_of, location, pki, signing_keys)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (a root parent, "
                                "www-data children) to test what root may be led to write")

ALLOW = [CONFIG_WARNINGS, r"cannot (fetch|refresh) the keys", r"no signing keys available",
         r"cannot save the key set"]


def _saved_dir(srv):
    return os.path.join(srv.root, "run", "auth0_jwt")


def _saved_file(srv):
    d = _saved_dir(srv)
    names = [n for n in os.listdir(d) if n.endswith(".jwks")]
    assert len(names) == 1, names
    return os.path.join(d, names[0])


def _victim(folder, name, text):
    """A root-only file outside the saved-keys folder: what an attacker would
    like root to overwrite, or to read as keys."""
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def _server_user():
    pw = pwd.getpwnam("www-data")
    return pw.pw_uid, pw.pw_gid


def _plant_link(link, target):
    """What a CGI running as www-data can do in its own folder."""
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)
    os.lchown(link, *_server_user())


def test_root_never_writes_through_planted_links(httpd_factory, pki, jwks, signing_keys,
                                                 tmp_path):
    """Attack: the server user plants symlinks to root-only files at the names the
    root parent writes at start-up (the temporary name it used to derive from its
    pid, and the saved file itself), then waits for a graceful restart. The files
    behind the links stay as they were; the saved set is a regular file again."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, ttl=1),
                        allow_log=ALLOW)
    token = signing_keys["A"].mint(jwks.issuer)
    assert srv.get("/api/private", headers=bearer(token)).status == 200
    saved = _saved_file(srv)
    victims = {
        # the old temporary name: <saved>.<pid of the parent>.tmp
        saved + ".%d.tmp" % srv.proc.pid: _victim(str(tmp_path), "shadow-1", "precious one\n"),
        saved: _victim(str(tmp_path), "shadow-2", "precious two\n"),
    }
    for link, target in victims.items():
        _plant_link(link, target)
    time.sleep(1.2)  # past the TTL: the parent fetches and saves again at the restart
    before = jwks.count
    srv.graceful_restart()
    assert jwks.count > before, "the parent fetched (and saved) at the graceful restart"
    for target, text in ((victims[saved + ".%d.tmp" % srv.proc.pid], "precious one\n"),
                         (victims[saved], "precious two\n")):
        st = os.lstat(target)
        assert stat.S_ISREG(st.st_mode) and st.st_mode & 0o777 == 0o600, target
        with open(target) as f:
            assert f.read() == text, "root wrote through a link into %s" % target
    st = os.lstat(saved)
    assert stat.S_ISREG(st.st_mode), "the saved set is a regular file again"
    assert srv.get("/api/private", headers=bearer(token)).status == 200


def test_loading_the_saved_set_follows_no_link(httpd_factory, pki, jwks, signing_keys, tmp_path):
    """Attack: the server user replaces the saved set with a link to a root-only
    key set holding their own key, then a restart happens while the key host is
    down. The root parent must not load keys through the link: the attacker's
    token is not accepted (no keys at all: 503)."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain, timeout=1),
                        allow_log=ALLOW)
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200
    saved = _saved_file(srv)
    evil = _victim(str(tmp_path), "evil.jwks", json.dumps(jwks_of(signing_keys["C"])))
    _plant_link(saved, evil)
    jwks.down()
    srv.restart()
    r = srv.get("/api/private", headers=bearer(signing_keys["C"].mint(jwks.issuer)))
    assert r.status != 200, "keys were loaded through the planted link"
    assert r.status == 503, r.text


def test_planted_fifo_does_not_hang_start_up(httpd_factory, pki, jwks, signing_keys):
    """Attack: the server user replaces the saved set with a FIFO, so that the root
    parent, opening it at the next start, would wait forever for a writer. The
    restart completes and keys are fetched as usual."""
    srv = httpd_factory(location("/api/", pki.ca_file, domain=jwks.domain),
                        allow_log=ALLOW)
    saved = _saved_file(srv)
    os.unlink(saved)
    os.mkfifo(saved, 0o600)
    os.chown(saved, *_server_user())
    t0 = time.monotonic()
    srv.restart()
    assert time.monotonic() - t0 < 10
    assert srv.get("/api/private",
                   headers=bearer(signing_keys["A"].mint(jwks.issuer))).status == 200
