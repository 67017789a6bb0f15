/*
 * mod_auth0_jwt_dpop.h: DPoP on the request path (mod_auth0_jwt_dpop.c): the
 * proof of a request whose token came with the DPoP scheme (RFC 9449 section
 * 7), checked against the request, the token and the replay store.
 */
#ifndef MOD_AUTH0_JWT_DPOP_H
#define MOD_AUTH0_JWT_DPOP_H

#include <httpd.h>
#include <jansson.h>

#include "aj_reason.h"
#include "aj_token.h"
#include "mod_auth0_jwt_config.h"

/*
 * The proof of r (exactly one DPoP header) for the access token token (tok,
 * verified), whose cnf.jkt is jkt (NULL when it has none): AJ_OK, or the
 * AJ_R_DPOP_* reason. On AJ_OK the proof has been recorded in the replay store
 * (Auth0DPoPReplay). tok->ath is set here when the token's cache entry did not
 * bring it, so that the cache keeps it for the token's next proofs.
 */
aj_reason_e auth0_jwt_dpop_check(request_rec *r, const auth0_jwt_dir_conf *c, aj_token_t *tok,
                                 const char *token, apr_size_t len, const char *jkt);

#endif
