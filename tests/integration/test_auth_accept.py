"""Where the token may come from: Auth0AcceptToken header / query
(`?access_token=`) / cookie=NAME, and a token in two places is refused
(RFC 6750 section 2)."""

import urllib.parse

import pytest

import ajtest
import tokens as T

SNIPPET = T.AUTH0 + """
<Location />
    SetHandler auth0-demo
    AuthType Auth0
    Require auth0-scope read:messages
</Location>
<Location /q/>
    Auth0AcceptToken query
</Location>
<Location /hq/>
    Auth0AcceptToken header query
</Location>
<Location /c/>
    Auth0AcceptToken cookie=at
</Location>
<Location /all/>
    Auth0AcceptToken header query cookie=at
</Location>
"""

API = "/api/private-scoped"
MULTIPLE = "Send the token in one place only"


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="accept", files=T.server_files()) as server:
        yield server


@pytest.fixture(scope="module")
def tok():
    return {"pyjwt": T.pyjwt(scope="read:messages"), "cli": T.cli(scope="read:messages")}


# (id, prefix, query (with {t} for the token), cookie or None, use header, expected)
# expected: 200, None (401 no token) or an invalid_token description
TABLE = [
    # default: header only
    ("default-header", "", "", None, True, 200),
    ("default-query-ignored", "", "?access_token={t}", None, False, None),
    ("default-cookie-ignored", "", "", "at={t}", False, None),
    ("default-header-and-query", "", "?access_token={t}", None, True, 200),
    # query only
    ("q-query", "/q", "?access_token={t}", None, False, 200),
    ("q-query-among-others", "/q", "?a=1&access_token={t}&b=2", None, False, 200),
    ("q-query-urlencoded", "/q", "?access_token={te}", None, False, 200),
    ("q-header-not-accepted", "/q", "", None, True, None),
    ("q-empty-value", "/q", "?access_token=", None, False, None),
    ("q-other-name", "/q", "?token={t}", None, False, None),
    ("q-prefixed-name", "/q", "?xaccess_token={t}", None, False, None),
    ("q-twice", "/q", "?access_token={t}&access_token={t}", None, False, MULTIPLE),
    ("q-bad", "/q", "?access_token=invalidToken", None, False, "The token is not a signed JWT"),
    # header and query
    ("hq-header", "/hq", "", None, True, 200),
    ("hq-query", "/hq", "?access_token={t}", None, False, 200),
    ("hq-both", "/hq", "?access_token={t}", None, True, MULTIPLE),
    # cookie
    ("c-cookie", "/c", "", "at={t}", False, 200),
    ("c-cookie-among-others", "/c", "", "a=1; at={t}; b=2", False, 200),
    ("c-other-cookie", "/c", "", "atx={t}", False, None),
    ("c-header-not-accepted", "/c", "", None, True, None),
    ("c-query-not-accepted", "/c", "?access_token={t}", None, False, None),
    ("c-bad", "/c", "", "at=invalidToken", False, "The token is not a signed JWT"),
    # a repeated cookie is two tokens (and never an error line per request)
    ("c-twice", "/c", "", "at={t}; at={t}", False, MULTIPLE),
    ("c-twice-one-empty", "/c", "", "at=; at={t}", False, MULTIPLE),
    # all three
    ("all-header", "/all", "", None, True, 200),
    ("all-query", "/all", "?access_token={t}", None, False, 200),
    ("all-cookie", "/all", "", "at={t}", False, 200),
    ("all-header-cookie", "/all", "", "at={t}", True, MULTIPLE),
    ("all-query-cookie", "/all", "?access_token={t}", "at={t}", False, MULTIPLE),
    ("all-three", "/all", "?access_token={t}", "at={t}", True, MULTIPLE),
]


@pytest.mark.parametrize("how", T.MINTERS)
@pytest.mark.parametrize("case,prefix,query,cookie,header,expected", TABLE,
                         ids=[c[0] for c in TABLE])
def test_accept_table(srv, tok, how, case, prefix, query, cookie, header, expected):
    t = tok[how]
    fmt = {"t": t, "te": urllib.parse.quote(t, safe="").replace(".", "%2E")}
    headers = []
    if header:
        headers += T.bearer(t)
    if cookie is not None:
        headers.append(("Cookie", cookie.format(**fmt)))
    r = srv.get(prefix + API + query.format(**fmt), headers=headers)
    if expected == 200:
        assert r.status == 200, (r.status, r.header("WWW-Authenticate"))
        assert r.json()["message"].endswith("read:messages to see this.")
    elif expected is None:
        T.assert_no_token(r)
    else:
        T.assert_invalid(r, expected)


def test_two_authorization_headers(srv, tok):
    """Two Authorization headers (httpd joins them with a comma) are refused."""
    r = srv.get(API, headers=T.bearer(tok["pyjwt"]) + T.bearer(tok["cli"]))
    T.assert_invalid(r, "The Authorization header is malformed")


def test_different_tokens_in_two_places(srv, tok):
    r = srv.get("/hq" + API + "?access_token=" + tok["cli"], headers=T.bearer(tok["pyjwt"]))
    T.assert_invalid(r, MULTIPLE)


def test_query_token_scope_still_checked(srv, expect_log):
    expect_log(r"AH01630")
    t = T.pyjwt(scope="write:messages")
    T.assert_forbidden(srv.get("/q" + API + "?access_token=" + t))
    T.assert_forbidden(srv.get("/c" + API, headers=[("Cookie", "at=" + t)]))


def test_repeated_cookie_logs_no_error(srv):
    """Attack (log flood): a client repeating the token cookie made httpd's cookie
    reader log an error line, with the URI, for every request. The request is
    refused as multiple tokens, and the log gets no error line."""
    t = T.pyjwt(scope="read:messages")
    for _ in range(5):
        T.assert_invalid(srv.get("/c" + API, headers=[("Cookie", "at=%s; at=%s" % (t, t))]),
                         MULTIPLE)
    srv.check_log()  # fails on any [error] line since the test began
