/*
 * mod_auth0_jwt_authz.c: the Require providers auth0-scope, auth0-permission
 * and auth0-claim (docs/directives.md, "Require providers"). Each require line is split into words once,
 * at configuration time; checking only looks words up in the verified payload.
 *
 * The token itself was verified before mod_authz_core asks (see the
 * access_checker_ex hook in mod_auth0_jwt.c), so a denial here happens in
 * authz's first pass and becomes a 403, not a 401.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_request.h>
#include <ap_provider.h>
#include <mod_auth.h>
#include <apr_strings.h>

#include "aj_claims.h"
#include "aj_require.h"
#include "mod_auth0_jwt_authz.h"
#include "mod_auth0_jwt_request.h"

typedef struct {
    const char *claim;          /* the claim to look at */
    apr_array_header_t *values; /* const char *: the words after it */
    const char *joined;         /* the values, space-joined, for scope="..." */
    aj_reason_e denial;
    int negated; /* inside an odd number of <RequireNone> */
} require_args;

/*
 * Whether this Require line sits under <RequireNone> (an odd number of them):
 * there a grant is what denies, and a denial denies nothing.
 */
static int negated(const cmd_parms *cmd)
{
    int n = 0;

    for (const ap_directive_t *d = cmd->directive ? cmd->directive->parent : NULL; d;
         d = d->parent) {
        n ^= d->directive && strcasecmp(d->directive, "<RequireNone") == 0;
    }
    return n;
}

static const char *parse_words(cmd_parms *cmd, const void **parsed, const char *line,
                               const char *claim, aj_reason_e denial, const char *provider,
                               const char *what)
{
    require_args *a = apr_pcalloc(cmd->pool, sizeof(*a));
    const char *bad;

    a->values = aj_require_words(cmd->pool, line, &bad);
    if (a->values == NULL) {
        return apr_psprintf(cmd->pool, "Require %s: %s", provider, bad);
    }
    if (a->values->nelts == 0) {
        return apr_psprintf(cmd->pool, "Require %s needs at least one %s", provider, what);
    }
    a->claim = claim;
    a->denial = denial;
    a->negated = negated(cmd);
    a->joined = apr_array_pstrcat(cmd->pool, a->values, ' ');
    *parsed = a;
    return NULL;
}

static const char *parse_scope(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_words(cmd, parsed, line, "scope", AJ_R_INSUFFICIENT_SCOPE, "auth0-scope", "scope");
}

static const char *parse_permission(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_words(cmd, parsed, line, "permissions", AJ_R_INSUFFICIENT_PERMISSION,
                       "auth0-permission", "permission");
}

static const char *parse_claim(cmd_parms *cmd, const char *line, const void **parsed)
{
    const char *bad;
    apr_array_header_t *arr = aj_require_words(cmd->pool, line, &bad);
    require_args *a = apr_pcalloc(cmd->pool, sizeof(*a));

    if (arr == NULL) {
        return apr_pstrcat(cmd->pool, "Require auth0-claim: ", bad, NULL);
    }
    if (arr->nelts < 2) {
        return "Require auth0-claim takes a claim name and one or more values";
    }
    a->claim = APR_ARRAY_IDX(arr, 0, const char *);
    a->values = apr_array_make(cmd->pool, arr->nelts - 1, sizeof(const char *));
    for (int i = 1; i < arr->nelts; i++) {
        APR_ARRAY_PUSH(a->values, const char *) = APR_ARRAY_IDX(arr, i, const char *);
    }
    a->denial = AJ_R_CLAIM_MISMATCH;
    a->negated = negated(cmd);
    a->joined = apr_array_pstrcat(cmd->pool, a->values, ' ');
    *parsed = a;
    return NULL;
}

/*
 * Common front of the checks: the verified token, or the authz status to
 * return when there is none (no user yet: let authentication run and answer).
 */
static aj_token_t *token_or(request_rec *r, const require_args *a, authz_status *status)
{
    auth0_jwt_req *st = auth0_jwt_req_get(r);

    if (st->state == AUTH0_JWT_STATE_VALID) {
        return &st->token;
    }
    if (st->state == AUTH0_JWT_STATE_PREFLIGHT) {
        /* A CORS preflight carries no token by design: a token requirement is
         * met, and under <RequireNone> it must not count as matched either */
        *status = a->negated ? AUTHZ_DENIED : AUTHZ_GRANTED;
        return NULL;
    }
    *status = r->user ? AUTHZ_DENIED : AUTHZ_DENIED_NO_USER;
    return NULL;
}

static authz_status deny(request_rec *r, const require_args *a)
{
    auth0_jwt_req *st = auth0_jwt_req_get(r);

    if (st->denial == AJ_OK && !a->negated) { /* the first unmet requirement explains the 403 */
        st->denial = a->denial;
        st->required_scope = a->joined;
        auth0_jwt_challenge(r, HTTP_FORBIDDEN);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "%s not met: %s %s", aj_reason_name(a->denial),
                  a->claim, a->joined ? a->joined : "");
    return AUTHZ_DENIED;
}

static authz_status grant(request_rec *r, const require_args *a)
{
    if (a->negated) {
        auth0_jwt_req_get(r)->granted = 1; /* under <RequireNone>: this may be what denies */
    }
    return AUTHZ_GRANTED;
}

/* The claim a requirement names, or 0 when the payload of a cached token
 * cannot be read (out of memory): then the requirement answers
 * AUTHZ_GENERAL_ERROR, which <RequireNone> and `Require not` leave an error
 * (500), so an unknown claim never reads as an absent one. */
static int claim_of(request_rec *r, aj_token_t *tok, const require_args *a, const json_t **v)
{
    if (aj_token_claim(tok, a->claim, r->pool, v)) {
        return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "out of memory reading claim %s (a Require name)",
                  a->claim);
    return 0;
}

static authz_status check_tokens(request_rec *r, const char *line, const void *parsed)
{
    const require_args *a = parsed;
    authz_status status = AUTHZ_DENIED;
    aj_token_t *tok = token_or(r, a, &status);
    const json_t *v;

    if (tok == NULL) {
        return status;
    }
    if (!claim_of(r, tok, a, &v)) {
        return AUTHZ_GENERAL_ERROR;
    }
    return aj_claim_has_all(v, a->values) ? grant(r, a) : deny(r, a);
}

static authz_status check_claim(request_rec *r, const char *line, const void *parsed)
{
    const require_args *a = parsed;
    authz_status status = AUTHZ_DENIED;
    aj_token_t *tok = token_or(r, a, &status);
    const json_t *v;

    if (tok == NULL) {
        return status;
    }
    if (!claim_of(r, tok, a, &v)) {
        return AUTHZ_GENERAL_ERROR;
    }
    return aj_claim_equals_any(v, a->values) ? grant(r, a) : deny(r, a);
}

static const authz_provider scope_provider = {check_tokens, parse_scope};
static const authz_provider permission_provider = {check_tokens, parse_permission};
static const authz_provider claim_provider = {check_claim, parse_claim};

void auth0_jwt_register_authz(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "auth0-scope", AUTHZ_PROVIDER_VERSION,
                              &scope_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "auth0-permission", AUTHZ_PROVIDER_VERSION,
                              &permission_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "auth0-claim", AUTHZ_PROVIDER_VERSION,
                              &claim_provider, AP_AUTH_INTERNAL_PER_CONF);
}
