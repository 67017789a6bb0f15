"""Attacks on the status page (docs/status.md): a client's query string,
Accept header and method; a hostile key server's JWKS; several key sources
that look alike. Each test names the attack it tries; what the page must do
is in its docstring."""

import re
import time

import pytest

from jwks_server import (  # noqa: F401  (fixtures)
    CONFIG_WARNINGS, MPM_FULL, bearer, jwks, location, mpm_lines, pki, signing_keys)

PROM_TYPE = "text/plain; version=0.0.4; charset=utf-8"
HTML = "text/html,application/xhtml+xml,*/*;q=0.8"

STATUS = """
<Location /status>
    SetHandler auth0-jwt-status
    Require local
</Location>
"""


def _mpm():
    import ajtest  # pylint: disable=import-outside-toplevel
    return ajtest.current_mpm()


def _samples(text):
    """[(name, labels text, value)] of every sample line, as written."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$', line)
        assert m, "not a sample line: %r" % line
        out.append((m.group(1), m.group(2) or "", m.group(3)))
    return out


def test_two_sources_of_one_url_give_no_duplicate_series(httpd_factory, jwks, pki):
    """Attack: duplicate series. Two scopes fetch the same JWKS URL with
    different settings (here the refresh interval), so they are two key
    sources with two states. Labelled by URL alone, each per-source sample
    appears twice under the very same name and labels: Prometheus keeps one
    and drops the other, so one scope's state (a failing source, say) hides
    behind the other's. Every sample must be unique, and each source's
    series must be told apart by a label of its own."""
    snippet = "\n".join([
        mpm_lines(_mpm(), 1),
        location("/a/", pki.ca_file, domain=jwks.domain, ttl=600),
        location("/b/", pki.ca_file, domain=jwks.domain, ttl=300),
        STATUS])
    srv = httpd_factory(snippet, allow_log=[CONFIG_WARNINGS, MPM_FULL])
    rep = srv.get("/status", headers=[("Accept", "application/json")]).json()
    assert len(rep["key_sources"]) == 2
    assert rep["key_sources"][0]["uri"] == rep["key_sources"][1]["uri"]
    r = srv.get("/status?format=prometheus")
    assert r.status == 200 and r.header("Content-Type") == PROM_TYPE
    seen = {}
    for name, labels, value in _samples(r.text):
        assert (name, labels) not in seen, "duplicate series %s%s" % (name, labels)
        seen[(name, labels)] = value
    refresh = sorted(v for (n, _), v in seen.items()
                     if n == "auth0_jwt_key_source_refresh_seconds")
    assert refresh == ["300", "600"], refresh
