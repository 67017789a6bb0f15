/*
 * mod_auth0_jwt_request.h: what the module knows about one request, and how it
 * answers a refusal (mod_auth0_jwt_request.c): the per-request state the hooks
 * and the Require providers share, the RFC 6750 challenge, and the JSON body
 * of a 401, 403 or 503 (docs/directives.md, "Responses").
 */
#ifndef MOD_AUTH0_JWT_REQUEST_H
#define MOD_AUTH0_JWT_REQUEST_H

#include <httpd.h>

#include "aj_reason.h"
#include "aj_token.h"

#define AUTH0_JWT_AUTH_TYPE "Auth0"

typedef enum {
    AUTH0_JWT_STATE_UNSEEN = 0,   /* not looked at yet */
    AUTH0_JWT_STATE_NO_TOKEN,     /* no bearer token anywhere allowed */
    AUTH0_JWT_STATE_INVALID,      /* a token, refused: reason says why */
    AUTH0_JWT_STATE_VALID,        /* a verified token: token holds it */
    AUTH0_JWT_STATE_UNAVAILABLE,  /* no keys could be loaded: 503 */
    AUTH0_JWT_STATE_PREFLIGHT,    /* a CORS preflight: no token asked for */
    AUTH0_JWT_STATE_MISCONFIGURED /* the scope lacks an audience, issuer or key source: 500 */
} auth0_jwt_state_e;

typedef struct {
    auth0_jwt_state_e state;
    aj_reason_e reason;
    const char *raw; /* the token as sent (never logged), and its length */
    apr_size_t raw_len;
    int authorized; /* authorization passed (a later 403 is not ours) */
    aj_token_t token;
    const char *required_scope; /* scopes a denying auth0-scope provider wanted */
    aj_reason_e denial;         /* AJ_OK, or why the first auth0-* provider denied */
    int granted;                /* an auth0-* line under <RequireNone> matched (so it denies) */
    int challenged;             /* error headers set early (see auth0_jwt_challenge) */
    int dpop;                   /* the token came with the DPoP scheme */
    int dpop_mode;              /* the scope's Auth0DPoP (AUTH0_JWT_DPOP_*, 0 = Off) */
    unsigned int dpop_algs;     /* its Auth0DPoPAlgorithms (AJ_ALG_BIT()s) */
    unsigned char *dpop_spent;  /* the initial request: the id of the proof it spent */
    const char *unparsed;       /* the Authorization value whose token was only located
                                   (aj_scheme_locate), not yet parsed; NULL once parsed */
} auth0_jwt_req;

/* Whether AuthType Auth0 is on for r. */
int auth0_jwt_on(request_rec *r);

/* The request's state, created on first use. */
auth0_jwt_req *auth0_jwt_req_get(request_rec *r);

/* The request's state if a hook made it, else NULL. */
auth0_jwt_req *auth0_jwt_req_find(request_rec *r);

/*
 * Put the RFC 6750 headers for answering r with status (401, 403 or 503) into
 * r->err_headers_out, from the request's state. Called when the decision is
 * made, so an ErrorDocument that redirects keeps them; a 403 challenge set by
 * a denying provider is taken back if the request is authorized after all.
 */
void auth0_jwt_challenge(request_rec *r, int status);

/*
 * Why a valid token got a 403: the first unmet auth0-* requirement, unless an
 * auth0-* line under <RequireNone> matched (then that match denied), else the
 * generic access_denied (another Require line decided).
 */
aj_reason_e auth0_jwt_forbidden_reason(const auth0_jwt_req *st);

/*
 * The JSON body answering r with status from the request's state, with its
 * challenge in *challenge (NULL for none); NULL when the state does not
 * explain the status (it is not the module's to answer).
 */
const char *auth0_jwt_error_answer(request_rec *r, const auth0_jwt_req *st, int status,
                                   const char **challenge);

/* Make json the body of r's error answer, unless an ErrorDocument is set for it. */
void auth0_jwt_error_body(request_rec *r, const char *json);

/* Register the output filter that gives that body its JSON content type. */
void auth0_jwt_request_register(void);

/*
 * Send a complete JSON response with the given status (headers included,
 * Content-Length set so HEAD works) and return OK for a handler to return.
 */
int auth0_jwt_send_json(request_rec *r, int status, const char *json);

#endif
