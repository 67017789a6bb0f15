"""Require auth0-scope / auth0-permission / auth0-claim (docs/directives.md, "Require providers"), alone and
combined by Apache's RequireAll / RequireAny / RequireNone, with Auth0 custom
claims named by URLs, arrays, and non-string claim values."""

import pytest

import ajtest
import tokens as T

ROLES = "https://example.com/roles"
LEVEL = "https://example.com/level"
ORG = "https://example.com/org.id"   # dots and slashes, taken literally

SNIPPET = T.AUTH0 + """
<Location />
    SetHandler auth0-demo
    AuthType Auth0
</Location>

<Location /scope2/>
    Require auth0-scope read:messages write:messages
</Location>
<Location /perm/>
    Require auth0-permission read:reports
</Location>
<Location /perm2/>
    Require auth0-permission read:reports write:reports
</Location>
<Location /claim/>
    Require auth0-claim https://example.com/roles admin
</Location>
<Location /claim2/>
    Require auth0-claim https://example.com/roles admin editor
</Location>
<Location /claim-dots/>
    Require auth0-claim "https://example.com/org.id" org_123
</Location>
<Location /claim-int/>
    Require auth0-claim https://example.com/level 5
</Location>
<Location /claim-bool/>
    Require auth0-claim email_verified true
</Location>
<Location /claim-sub/>
    Require auth0-claim sub auth0|itest-user
</Location>

<Location /all/>
    <RequireAll>
        Require auth0-scope read:messages
        Require auth0-permission read:reports
        Require auth0-claim https://example.com/roles admin
    </RequireAll>
</Location>
<Location /any/>
    <RequireAny>
        Require auth0-scope admin:all
        Require auth0-permission read:reports
        Require auth0-claim https://example.com/roles admin
    </RequireAny>
</Location>
<Location /default-any/>
    Require auth0-scope admin:all
    Require auth0-claim https://example.com/roles admin
</Location>
<Location /none/>
    <RequireAll>
        Require valid-user
        <RequireNone>
            Require auth0-claim https://example.com/roles blocked
            Require auth0-scope banned
        </RequireNone>
    </RequireAll>
</Location>
<Location /nested/>
    <RequireAny>
        Require auth0-scope admin:all
        <RequireAll>
            Require auth0-scope read:messages
            Require auth0-claim https://example.com/org.id org_123
        </RequireAll>
    </RequireAny>
</Location>
<Location /user/>
    Require user auth0|itest-user
</Location>
"""

PATH = "/api/private"   # appended to each prefix: the demo handler answers 200


@pytest.fixture(scope="module")
def srv():
    with ajtest.Httpd(SNIPPET, name="require", files=T.server_files()) as server:
        yield server


R = "read:messages"
P = "read:reports"
FORBID_SCOPE = ("403", T.D_SCOPE)
FORBID_PERM = ("403", T.D_PERMISSION)
FORBID_CLAIM = ("403", T.D_CLAIM)

# (id, prefix, token claims (kwargs for T.mint), expected: 200 | (403, description, scope attr))
TABLE = [
    # several scopes on one line: every one needed
    ("scope2-both", "/scope2", dict(scope="write:messages read:messages"), 200),
    ("scope2-one", "/scope2", dict(scope="read:messages"),
     (T.D_SCOPE, "read:messages write:messages")),
    # permissions (RBAC array)
    ("perm-ok", "/perm", dict(permissions=["write:x", P]), 200),
    ("perm-missing", "/perm", dict(permissions=["write:x"]), (T.D_PERMISSION, P)),
    ("perm-empty", "/perm", dict(permissions=[]), (T.D_PERMISSION, P)),
    ("perm-absent", "/perm", dict(), (T.D_PERMISSION, P)),
    ("perm-in-scope-only", "/perm", dict(scope=P), (T.D_PERMISSION, P)),
    ("perm-prefix", "/perm", dict(permissions=["read:reports2"]), (T.D_PERMISSION, P)),
    ("perm2-both", "/perm2", dict(permissions=["write:reports", P]), 200),
    ("perm2-one", "/perm2", dict(permissions=[P]),
     (T.D_PERMISSION, "read:reports write:reports")),
    # claims with URL names, arrays, several values
    ("claim-array", "/claim", dict(extra={ROLES: ["user", "admin"]}), 200),
    ("claim-string", "/claim", dict(extra={ROLES: "admin"}), 200),
    ("claim-array-no", "/claim", dict(extra={ROLES: ["user", "administrator"]}),
     (T.D_CLAIM, None)),
    ("claim-string-no", "/claim", dict(extra={ROLES: "Admin"}), (T.D_CLAIM, None)),
    ("claim-absent", "/claim", dict(), (T.D_CLAIM, None)),
    ("claim-other-name", "/claim", dict(extra={"roles": ["admin"]}), (T.D_CLAIM, None)),
    ("claim-nested-no", "/claim", dict(extra={"https://example": {"com/roles": "admin"}}),
     (T.D_CLAIM, None)),
    ("claim2-editor", "/claim2", dict(extra={ROLES: ["editor"]}), 200),
    ("claim2-neither", "/claim2", dict(extra={ROLES: ["viewer"]}), (T.D_CLAIM, None)),
    ("claim-dots-ok", "/claim-dots", dict(extra={ORG: "org_123"}), 200),
    ("claim-dots-nested-no", "/claim-dots",
     dict(extra={"https://example": {"com/org": {"id": "org_123"}}}), (T.D_CLAIM, None)),
    ("claim-int-ok", "/claim-int", dict(extra={LEVEL: 5}), 200),
    ("claim-int-no", "/claim-int", dict(extra={LEVEL: 6}), (T.D_CLAIM, None)),
    ("claim-bool-ok", "/claim-bool", dict(extra={"email_verified": True}), 200),
    ("claim-bool-no", "/claim-bool", dict(extra={"email_verified": False}), (T.D_CLAIM, None)),
    ("claim-bool-string-no", "/claim-bool", dict(extra={"email_verified": "yes"}),
     (T.D_CLAIM, None)),
    ("claim-sub", "/claim-sub", dict(), 200),
    ("claim-sub-no", "/claim-sub", dict(sub="auth0|someone-else"), (T.D_CLAIM, None)),
    # RequireAll: every one
    ("all-ok", "/all", dict(scope=R, permissions=[P], extra={ROLES: ["admin"]}), 200),
    ("all-no-scope", "/all", dict(scope="x", permissions=[P], extra={ROLES: ["admin"]}),
     (T.D_SCOPE, R)),
    ("all-no-perm", "/all", dict(scope=R, permissions=["x"], extra={ROLES: ["admin"]}),
     (T.D_PERMISSION, P)),
    ("all-no-claim", "/all", dict(scope=R, permissions=[P], extra={ROLES: ["user"]}),
     (T.D_CLAIM, None)),
    # RequireAny: one is enough
    ("any-scope", "/any", dict(scope="admin:all"), 200),
    ("any-perm", "/any", dict(permissions=[P]), 200),
    ("any-claim", "/any", dict(extra={ROLES: "admin"}), 200),
    ("any-none", "/any", dict(scope=R, permissions=["x"], extra={ROLES: "user"}),
     (T.D_SCOPE, "admin:all")),
    ("default-any-claim", "/default-any", dict(extra={ROLES: ["admin"]}), 200),
    ("default-any-scope", "/default-any", dict(scope="admin:all"), 200),
    ("default-any-none", "/default-any", dict(scope=R), (T.D_SCOPE, "admin:all")),
    # RequireNone inside RequireAll
    ("none-ok", "/none", dict(scope=R, extra={ROLES: ["user"]}), 200),
    # nested sections
    ("nested-admin", "/nested", dict(scope="admin:all"), 200),
    ("nested-all", "/nested", dict(scope=R, extra={ORG: "org_123"}), 200),
    ("nested-half", "/nested", dict(scope=R, extra={ORG: "org_999"}), "403"),
    # Require user (mod_authz_user) sees REMOTE_USER from the token
    ("user-ok", "/user", dict(), 200),
]


@pytest.mark.parametrize("how", T.MINTERS)
@pytest.mark.parametrize("case,prefix,kw,expected", TABLE, ids=[c[0] for c in TABLE])
def test_require_table(srv, expect_log, how, case, prefix, kw, expected):
    expect_log(r"AH01630")
    r = srv.get(prefix + PATH, headers=T.bearer(T.mint(how, **kw)))
    if expected == 200:
        assert r.status == 200, (r.status, r.header("WWW-Authenticate"), r.body)
        assert r.json()["message"].startswith("Hello from a private endpoint")
    elif expected == "403":
        assert r.status == 403, (r.status, r.body)
        assert r.header("Content-Type") == "application/json"
        assert r.json()["error"] == "insufficient_scope"
    else:
        description, scope = expected
        T.assert_forbidden(r, description, scope=scope)


@pytest.mark.parametrize("prefix", ["/scope2", "/perm", "/claim", "/all", "/any", "/none",
                                    "/nested", "/user", "/claim-dots"])
def test_no_token_is_401_everywhere(srv, prefix):
    T.assert_no_token(srv.get(prefix + PATH))
    T.assert_invalid(srv.get(prefix + PATH, headers=T.bearer(T.pyjwt(aud="x"))),
                     "The token audience is not accepted")


# A valid token denied by a provider other than ours (RequireNone, Require user):
# still a 403, and docs/directives.md ("Responses") says every error answer is JSON.
OTHER_DENIALS = [
    ("none-blocked-claim", "/none", dict(scope=R, extra={ROLES: ["blocked"]})),
    ("none-banned-scope", "/none", dict(scope="banned " + R)),
    ("user-other", "/user", dict(sub="auth0|someone-else")),
]


@pytest.mark.parametrize("case,prefix,kw", OTHER_DENIALS, ids=[c[0] for c in OTHER_DENIALS])
def test_other_denials_403_json(srv, expect_log, case, prefix, kw):
    expect_log(r"AH01630")
    r = srv.get(prefix + PATH, headers=T.bearer(T.pyjwt(**kw)))
    assert r.status == 403, (r.status, r.body)
    assert r.header("Content-Type") == "application/json", (r.headers.items(), r.body)
    assert r.header("Cache-Control") == "no-store"
    body = r.json()
    assert set(body) == {"error", "error_description"}
