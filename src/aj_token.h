/*
 * aj_token.h: the whole check of one access token, from the Authorization
 * header to the claims: docs/validation.md in one place, for the module and the CLI.
 */
#ifndef AJ_TOKEN_H
#define AJ_TOKEN_H

#include <apr_pools.h>
#include <jansson.h>

#include "aj_claims.h"
#include "aj_jwk.h"
#include "aj_jws.h"
#include "aj_reason.h"

typedef struct {
    aj_jws_t jws;
    const aj_key_t *key;      /* the key that verified the signature */
    json_t *payload;          /* owned by the pool given to the verify call; NULL when only the
                                 view came from a cache (aj_token_claim builds it then) */
    const char *payload_json; /* the decoded payload text */
    const char *claims;       /* the payload as compact JSON, once made (NULL before) */
    apr_size_t payload_len;
    aj_claims_view_t view; /* of payload, made with it */
    const char *ath;       /* aj_dpop_ath() of the token once known (a DPoP request), else NULL */
    json_t **payload_memo; /* a token from a cache: where the payload, once parsed, is kept for
                              every request that holds the same entry (atomic), or NULL */
} aj_token_t;

/*
 * Claim name of a verified token into *out (NULL when the token has no such
 * claim): from its view when the view keeps that claim, else from its
 * payload, which a token taken from a cache record may not have built: then
 * the payload is parsed from tok->claims once, kept in *tok->payload_memo
 * when there is one (else owned by p), and kept in tok. 0 when the payload
 * cannot be read (out of memory): the claim is then unknown, never "absent",
 * and the caller must fail closed.
 */
int aj_token_claim(aj_token_t *tok, const char *name, apr_pool_t *p, const json_t **out);

/*
 * Find the token in an Authorization header value (section 5.1): scheme Bearer
 * in any case, one or more spaces, one b64token, optional trailing whitespace.
 * AJ_OK with *token (of *len bytes) pointing into value; AJ_R_NO_TOKEN when there is no
 * bearer token at all (NULL or blank value, another scheme, "Bearer" alone);
 * AJ_R_HEADER_SYNTAX when something else follows or the token has bad bytes.
 */
aj_reason_e aj_bearer_parse(const char **token, apr_size_t *len, const char *value);

/* The same for another scheme of the same syntax (RFC 9449 section 7.1: "DPoP"). */
aj_reason_e aj_scheme_parse(const char **token, apr_size_t *len, const char *value,
                            const char *scheme);

/*
 * Where aj_scheme_parse would find the token, without reading its bytes one
 * by one: the rest of the value after the scheme and its spaces, trailing
 * whitespace cut. Whenever aj_scheme_parse gives AJ_OK, this gives AJ_OK and
 * the same token; whenever it gives AJ_R_NO_TOKEN, so does this. Where it
 * gives AJ_R_HEADER_SYNTAX for the token's bytes, this gives AJ_OK: the
 * caller must run aj_scheme_parse before it trusts or refuses the token for
 * any other reason. (A cache hit needs no more: the verified-token cache
 * holds only compact JWS and JWE, base64url and dots, which always parse.)
 */
aj_reason_e aj_scheme_locate(const char **token, apr_size_t *len, const char *value,
                             const char *scheme);

/*
 * Sections 5.2-5.5 only: parse, choose the key (HMAC keys from secrets when it is
 * not NULL), verify the signature. The payload is left as the bytes that were
 * signed (tok->jws.payload), whatever they are: tok->payload stays NULL.
 */
aj_reason_e aj_token_verify_jws(aj_token_t *tok, apr_pool_t *p, const char *token, apr_size_t len,
                                unsigned int algs, const aj_jwks_t *set, const aj_jwks_t *secrets);

/*
 * Sections 5.2-5.6: parse, choose the key from set, verify the signature,
 * decode the payload. algs is a set of AJ_ALG_BIT()s. On AJ_OK, tok is filled
 * and owned by p; the token text must outlive tok.
 */
aj_reason_e aj_token_verify_signature(aj_token_t *tok, apr_pool_t *p, const char *token,
                                      apr_size_t len, unsigned int algs, const aj_jwks_t *set);

/*
 * The same, with HMAC algorithms looking their key up in secrets (when not
 * NULL) instead of set: a shared secret never sits in a fetched key set.
 */
aj_reason_e aj_token_verify_signature_ex(aj_token_t *tok, apr_pool_t *p, const char *token,
                                         apr_size_t len, unsigned int algs, const aj_jwks_t *set,
                                         const aj_jwks_t *secrets);

/* Signature, then the claims of section 5.7 at time now. */
aj_reason_e aj_token_verify(aj_token_t *tok, apr_pool_t *p, const char *token, apr_size_t len,
                            unsigned int algs, const aj_jwks_t *set,
                            const aj_claims_policy_t *policy, double now);

#endif
