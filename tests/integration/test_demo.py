"""The demo content handler, `SetHandler auth0-demo` (docs/directives.md, "SetHandler auth0-demo")."""

import json

import pytest

import ajtest

PUBLIC = (b'{"message":"Hello from a public endpoint! You don\'t need to be '
          b'authenticated to see this."}')
PRIVATE = (b'{"message":"Hello from a private endpoint! You need to be '
           b'authenticated to see this."}')
SCOPED = (b'{"message":"Hello from a private endpoint! You need to be '
          b'authenticated and have a scope of read:messages to see this."}')

ENDPOINTS = {
    "/api/public": PUBLIC,
    "/api/private": PRIVATE,
    "/api/private-scoped": SCOPED,
}

SNIPPET = """
<Location /api/>
    SetHandler auth0-demo
    Require all granted
</Location>
<Location /v1/>
    SetHandler auth0-demo
    Require all granted
</Location>
"""


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="demo") as server:
        yield server


def allowed(resp):
    return {m.strip() for m in (resp.header("Allow") or "").split(",") if m.strip()}


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_get_exact_body(srv, path):
    r = srv.get(path)
    assert r.status == 200
    assert r.header("Content-Type") == "application/json"
    assert r.body == ENDPOINTS[path]
    assert r.header("Content-Length") == str(len(ENDPOINTS[path]))
    assert r.extra == b""


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_head_same_headers_no_body(srv, path):
    g = srv.get(path)
    h = srv.head(path)
    assert h.status == g.status == 200
    assert h.body == b"" and h.extra == b""
    for name in ("Content-Type", "Content-Length"):
        assert h.header(name) == g.header(name)


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_options_204_with_allow(srv, path):
    r = srv.options(path)
    assert r.status == 204
    assert {"GET", "HEAD", "OPTIONS"} <= allowed(r)
    assert r.body == b"" and r.extra == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_other_methods_405(srv, method, path):
    r = srv.request(method, path, body=b'{"x":1}',
                    headers={"Content-Type": "application/json"})
    assert r.status == 405
    assert {"GET", "HEAD", "OPTIONS"} <= allowed(r)
    assert r.header("Content-Type") == "application/json"
    assert "error" in r.json()


@pytest.mark.parametrize("path", [
    "/api/", "/api/nothing", "/api/publicx", "/api/public/", "/api/public/more",
    "/api/private-scopedx", "/v1/api/nothing",
])
def test_unknown_path_404_json(srv, path):
    r = srv.get(path)
    assert r.status == 404
    assert r.header("Content-Type") == "application/json"
    assert "error" in r.json()


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_path_under_prefix(srv, path):
    r = srv.get("/v1" + path)
    assert r.status == 200
    assert r.header("Content-Type") == "application/json"
    assert r.body == ENDPOINTS[path]


def test_query_string_ignored(srv):
    r = srv.get("/api/public?x=1&y=2")
    assert r.status == 200 and r.body == PUBLIC


def test_http10(srv):
    r = srv.get("/api/private", version="HTTP/1.0")
    assert r.status == 200 and r.body == PRIVATE


def test_bodies_are_compact_json(srv):
    for path, body in ENDPOINTS.items():
        parsed = srv.get(path).json()
        assert json.dumps(parsed, separators=(",", ":"), ensure_ascii=False).encode() == body


def test_blank_authorization_header_is_harmless(srv):
    # no auth configured here: odd headers must not change the answer
    r = srv.get("/api/public", headers=[("Authorization", "")])
    assert r.status == 200 and r.body == PUBLIC


# ---- the shipped demo virtual host (conf/auth0-demo.conf) ------------------

@pytest.fixture(scope="module")
def shipped():
    snippet = ("Define AUTH0_DEMO_PORT ${AJ_PORT_1}\n"
               "Include ${AJ_TOP_SRCDIR}/conf/auth0-demo.conf\n")
    with ajtest.Httpd(snippet, name="shipped-demo", extra_ports=1) as server:
        yield server


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_shipped_demo_conf(shipped, path):
    r = shipped.get(path, port=shipped.extra_ports[0])
    assert r.status == 200
    assert r.header("Content-Type") == "application/json"
    assert r.body == ENDPOINTS[path]
    assert r.header("Access-Control-Allow-Origin") == "*"


def test_shipped_demo_conf_404_and_405(shipped):
    port = shipped.extra_ports[0]
    assert shipped.get("/api/nope", port=port).status == 404
    r = shipped.request("DELETE", "/api/public", port=port)
    assert r.status == 405 and {"GET", "HEAD", "OPTIONS"} <= allowed(r)
