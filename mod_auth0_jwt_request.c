/*
 * mod_auth0_jwt_request.c: the state of one request, and the module's answer
 * when it refuses one: the RFC 6750 WWW-Authenticate challenge, the JSON body
 * (docs/directives.md, "Responses"), and the filter that gives that body its
 * content type.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_core.h>
#include <mod_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "aj_alg.h"
#include "mod_auth0_jwt_config.h"
#include "mod_auth0_jwt_request.h"

#define DEFAULT_REALM    "api" /* the challenge's realm when AuthName is not set */
#define RETRY_AFTER      "5"   /* seconds, on a 503 */
#define JSON_FILTER_NAME "AUTH0_JWT_JSON_ERROR"

int auth0_jwt_on(request_rec *r)
{
    const char *type = ap_auth_type(r);
    return type && strcasecmp(type, AUTH0_JWT_AUTH_TYPE) == 0;
}

auth0_jwt_req *auth0_jwt_req_get(request_rec *r)
{
    auth0_jwt_req *st = ap_get_module_config(r->request_config, &auth0_jwt_module);

    if (st == NULL) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        ap_set_module_config(r->request_config, &auth0_jwt_module, st);
    }
    return st;
}

auth0_jwt_req *auth0_jwt_req_find(request_rec *r)
{
    return ap_get_module_config(r->request_config, &auth0_jwt_module);
}

int auth0_jwt_send_json(request_rec *r, int status, const char *json)
{
    apr_size_t len = strlen(json);

    r->status = status;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(json, (int)len, r);
    }
    return OK;
}

static apr_status_t json_error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    ap_set_content_type(f->r, "application/json");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

aj_reason_e auth0_jwt_forbidden_reason(const auth0_jwt_req *st)
{
    return st->denial != AJ_OK && !st->granted ? st->denial : AJ_R_ACCESS_DENIED;
}

/* Whether why is about the DPoP proof itself (error="invalid_dpop_proof"). */
static int proof_reason(aj_reason_e why)
{
    return why >= AJ_R_DPOP_MISSING && why <= AJ_R_DPOP_REPLAY;
}

/* The challenge of one scheme: "Bearer realm=..." or "DPoP realm=..., algs=...". */
static const char *challenge_for(request_rec *r, const auth0_jwt_req *st, int dpop,
                                 const char *realm, const char *params)
{
    return dpop ? apr_psprintf(r->pool, "DPoP realm=\"%s\"%s, algs=\"%s\"", realm, params,
                               st->dpop_algs ? aj_alg_names(r->pool, st->dpop_algs) : "ES256")
                : apr_psprintf(r->pool, "Bearer realm=\"%s\"%s", realm, params);
}

const char *auth0_jwt_error_answer(request_rec *r, const auth0_jwt_req *st, int status,
                                   const char **challenge)
{
    const char *realm =
        ap_escape_quotes(r->pool, ap_auth_name(r) ? ap_auth_name(r) : DEFAULT_REALM);
    aj_reason_e why;
    const char *scope = "", *error, *params;
    /* answer in the scheme the client used; DPoP where only DPoP is accepted */
    int dpop = st->dpop || st->dpop_mode == AUTH0_JWT_DPOP_REQUIRED;

    *challenge = NULL;
    if (status == HTTP_UNAUTHORIZED && st->state == AUTH0_JWT_STATE_NO_TOKEN) {
        *challenge = st->dpop_mode == AUTH0_JWT_DPOP_ALLOWED /* both schemes */
                         ? apr_pstrcat(r->pool, challenge_for(r, st, 0, realm, ""), ", ",
                                       challenge_for(r, st, 1, realm, ""), NULL)
                         : challenge_for(r, st, dpop, realm, "");
        return "{\"error\":\"missing_token\",\"error_description\":\"No bearer token\"}";
    }
    if (status == HTTP_UNAUTHORIZED && st->state == AUTH0_JWT_STATE_INVALID) {
        why = st->reason;
        error = proof_reason(why) ? "invalid_dpop_proof" : "invalid_token";
        params = apr_psprintf(r->pool, ", error=\"%s\", error_description=\"%s\"", error,
                              aj_reason_description(why));
        *challenge = challenge_for(r, st, dpop || why == AJ_R_DPOP_DOWNGRADE, realm, params);
        return apr_psprintf(r->pool, "{\"error\":\"%s\",\"error_description\":\"%s\"}", error,
                            aj_reason_description(why));
    }
    if (st->authorized) {
        return NULL; /* a handler's error after authorization: not ours to answer */
    }
    if (status == HTTP_FORBIDDEN && st->state == AUTH0_JWT_STATE_VALID) {
        why = auth0_jwt_forbidden_reason(st);
        if (why == AJ_R_INSUFFICIENT_SCOPE || why == AJ_R_INSUFFICIENT_PERMISSION) {
            scope = apr_psprintf(r->pool, ", scope=\"%s\"",
                                 ap_escape_quotes(r->pool, st->required_scope));
        }
        params = apr_psprintf(r->pool,
                              ", error=\"insufficient_scope\", error_description=\"%s\"%s",
                              aj_reason_description(why), scope);
        *challenge = challenge_for(r, st, st->dpop, realm, params);
        return apr_psprintf(r->pool,
                            "{\"error\":\"insufficient_scope\",\"error_description\":\"%s\"}",
                            aj_reason_description(why));
    }
    if (status == HTTP_FORBIDDEN) { /* denied before any token mattered (Require ip ...) */
        return "{\"error\":\"access_denied\",\"error_description\":\"Access is denied\"}";
    }
    if (status == HTTP_SERVICE_UNAVAILABLE && st->state == AUTH0_JWT_STATE_UNAVAILABLE &&
        st->reason == AJ_R_DPOP_STORE) {
        return "{\"error\":\"temporarily_unavailable\","
               "\"error_description\":\"DPoP proofs cannot be checked right now\"}";
    }
    if (status == HTTP_SERVICE_UNAVAILABLE && st->state == AUTH0_JWT_STATE_UNAVAILABLE) {
        return "{\"error\":\"temporarily_unavailable\","
               "\"error_description\":\"No signing keys are available yet\"}";
    }
    return NULL;
}

void auth0_jwt_challenge(request_rec *r, int status)
{
    auth0_jwt_req *st = auth0_jwt_req_get(r);
    const char *challenge;

    if (auth0_jwt_error_answer(r, st, status, &challenge) == NULL) {
        return;
    }
    if (challenge) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", challenge);
    } else {
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
    }
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", RETRY_AFTER);
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    st->challenged = status;
}

void auth0_jwt_error_body(request_rec *r, const char *json)
{
    /* An ErrorDocument for this status is the administrator's choice: keep it. */
    if (ap_response_code_string(r, ap_index_of_response(r->status)) == NULL) {
        ap_custom_response(r, r->status, json);
        ap_add_output_filter(JSON_FILTER_NAME, NULL, r, r->connection);
    }
}

void auth0_jwt_request_register(void)
{
    ap_register_output_filter(JSON_FILTER_NAME, json_error_filter, NULL, AP_FTYPE_CONTENT_SET);
}
