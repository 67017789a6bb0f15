"""The HTML status page in a real browser: headless Chromium loads it from a
real httpd after known traffic, and the test reads what it rendered
(--dump-dom) and what it drew (--screenshot).

What only a browser shows: the page parses into the tree we meant (one key
table per source, the refusals in order), a hostile key id stays text in the
DOM, and the inline style is applied under the page's Content-Security-Policy
(the badge and bar colours are in the screenshot).

Chromium reaches nothing but 127.0.0.1: every other host name resolves to
nothing. A missing chromium fails the test; it is never skipped.
AJ_STATUS_SCREENSHOT=PATH keeps the screenshot (docs/status-page.png is made
that way, through run.sh).
"""

import json
import os
import shutil
import struct
import subprocess
import zlib

import pytest

import status_page
from jwks_server import (  # noqa: F401  (fixtures)
    AUDIENCE, CONFIG_WARNINGS, MPM_FULL, JwksServer, SigningKey, bearer, jwks_of, location,
    mpm_lines, pki)

BROWSER_TIMEOUT = 90  # seconds for one Chromium run
HOSTILE_KID = "<img src=x onerror=alert(1)>"
KEY_FILE = "conf/jwks-internal.json"
GREEN = (0x2E, 0x7D, 0x32)  # the "fresh" badge (mod_auth0_jwt_status_html.c)
BAR = (0x5C, 0x6B, 0xC0)    # a refusal's bar
STATUS = """
<Location /auth0-jwt-status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed (Debian package chromium): the browser suite "
                    "cannot run")
    return path


def browse(tmp_path, url, *what):
    """Run headless Chromium on url with the given output flags; its stdout."""
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=%s" % profile, "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            *what, url]
    env = dict(os.environ, HOME=str(tmp_path))
    run = subprocess.run(argv, capture_output=True, text=True, timeout=BROWSER_TIMEOUT,
                         env=env, cwd=str(tmp_path), check=False)
    assert run.returncode == 0, "chromium exit %d: %s" % (run.returncode, run.stderr[-2000:])
    return run.stdout


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + size
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and interlace == 0, head
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


@pytest.fixture
def site(httpd_factory, pki):
    """A server with two key sources (a URL serving a usable key and one with a
    hostile kid, and a key file), after a little realistic traffic."""
    import ajtest  # pylint: disable=import-outside-toplevel
    main, internal = SigningKey(kid="cvJ8aQq3Kz"), SigningKey(kid="Wm2sN0bTfE")
    hostile = SigningKey(kid="unused").jwk()
    hostile.update(kid=HOSTILE_KID, use="enc")
    with JwksServer(pki, {"keys": [main.jwk(), hostile]}) as jwks:
        files_scope = ("<Location /internal/>\n    SetHandler auth0-demo\n    AuthType Auth0\n"
                       "    Auth0Issuer %s\n    Auth0Audience %s\n    Auth0JWKSFile %s\n"
                       "    Require valid-user\n</Location>\n" % (jwks.issuer, AUDIENCE, KEY_FILE))
        snippet = "\n".join([mpm_lines(ajtest.current_mpm(), 2), location(
            "/api/", pki.ca_file, domain=jwks.domain, ttl=600, cooldown=1), files_scope, STATUS])
        srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL],
                            files={KEY_FILE: json.dumps(jwks_of(internal))})
        users = [bearer(main.mint(jwks.issuer, sub="user|%d" % i)) for i in range(3)]
        plan = ([("/api/private", users[i % 3], 200) for i in range(24)]
                + [("/internal/api/private", bearer(internal.mint(jwks.issuer)), 200)] * 4
                + [("/api/private", {}, 401)] * 7
                + [("/api/private", bearer(main.mint(jwks.issuer, ttl=-600)), 401)] * 4
                + [("/api/private", bearer(main.mint(jwks.issuer, aud="https://other/")), 401)]
                * 2 + [("/api/private", {"Authorization": "Bearer not.a.jwt"}, 401)])
        for path, headers, want in plan:
            assert srv.get(path, headers=headers).status == want, path
        yield srv, jwks


def test_chromium_renders_the_status_page(site, tmp_path):
    srv, jwks = site
    rep = srv.get("/auth0-jwt-status", headers=[("Accept", "application/json")]).json()
    url = "http://127.0.0.1:%d/auth0-jwt-status" % srv.port

    dom = browse(tmp_path, url, "--dump-dom")
    assert "mod_auth0_jwt status" in dom, dom[:500]
    got = status_page.facts(status_page.parse(dom))
    status_page.check(got, rep)       # keys, badges, refusals in order, hit rate
    assert got["accepted"] == "28" and got["refused"] == "14"
    assert [(n, c) for n, c, _ in got["refusals"]][:3] == [
        ("no_token", 7), ("expired", 4), ("aud_mismatch", 2)]
    url_src, file_src = got["sources"]
    assert url_src["badge"] == file_src["badge"] == "fresh"
    assert url_src["uri"] == jwks.url() and file_src["uri"].endswith(KEY_FILE)
    assert [k[0] for k in url_src["keys"]] == ["cvJ8aQq3Kz", HOSTILE_KID]
    assert url_src["keys"][1][4].startswith("\u2717 key_use")
    assert [k[0] for k in file_src["keys"]] == ["Wm2sN0bTfE"]
    assert "img" not in got["tags"], "the hostile kid became markup"
    tc = rep["token_cache"]
    # every request with a token looked: 24 + 4 accepted, 4 + 2 + 1 refused
    assert tc["hits"] + tc["misses"] == 35 and tc["hits"] >= 20, tc
    assert got["hit-rate"] == status_page.hit_rate(tc["hits"], tc["misses"])

    shot = tmp_path / "page.png"
    browse(tmp_path, url, "--screenshot=%s" % shot, "--window-size=1200,900")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 5_000 < shot.stat().st_size < 200_000, shot.stat().st_size
    width, height, rows = png_pixels(shot)
    assert (width, height) == (1200, 900)
    colours = [px for row in rows for px in row]
    # the style was applied (not blocked by the page's own CSP): a green
    # badge per fresh source, and the refusal bars
    assert colours.count(GREEN) > 200, "no fresh badge drawn"
    assert colours.count(BAR) > 500, "no refusal bar drawn"
    keep = os.environ.get("AJ_STATUS_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
