/*
 * aj_dpop.h: DPoP proofs (RFC 9449) and the confirmation claim that binds an
 * access token to a key or a certificate (RFC 7800, RFC 8705, RFC 9449
 * section 6). Library only: which header a proof comes from, the replay store
 * and the answers are the module's.
 */
#ifndef AJ_DPOP_H
#define AJ_DPOP_H

#include <apr_pools.h>
#include <jansson.h>

#include "aj_jwk.h"
#include "aj_jws.h"
#include "aj_reason.h"

#define AJ_DPOP_JTI_MAX 256 /* bytes: a longer jti is refused (it keys the replay store) */

/* What a proof must match: the request it came with. */
typedef struct {
    unsigned int algs;     /* AJ_ALG_BIT()s allowed for proofs */
    const char *method;    /* the request method, compared exactly with htm */
    const char *htu;       /* the request URI, normalized by aj_dpop_htu() */
    const char *token;     /* the access token the proof must name in ath */
    apr_size_t token_len;
    double now;            /* seconds since the epoch */
    int lifetime;          /* iat at most this many seconds old ... */
    int skew;              /* ... give or take this leeway (and never this far ahead) */
    const char *ath;       /* aj_dpop_ath() of token when the caller has it already, else NULL */
} aj_dpop_check_t;

/* A proof that passed every check. */
typedef struct {
    const char *jti;
    double iat;
    const aj_key_t *key;   /* the public key of its header */
    unsigned char jkt[32]; /* RFC 7638 SHA-256 thumbprint of that key */
} aj_dpop_proof_t;

/*
 * Check a compact DPoP proof against the request: typ dpop+jwt, alg allowed, a
 * public jwk in the header that fits alg, the signature, then jti, htm, htu,
 * iat and ath. AJ_OK with *proof filled (owned by p), or the AJ_R_DPOP_*
 * reason. Replay and the token's binding are the caller's to check.
 */
aj_reason_e aj_dpop_verify(aj_dpop_proof_t *proof, apr_pool_t *p, const char *text,
                           apr_size_t len, const aj_dpop_check_t *check);

/*
 * An http(s) URI normalized for comparing htu (RFC 9449 4.3, RFC 3986 6.2.2
 * and 6.2.3): scheme and host in lower case, the default port dropped,
 * percent-encodings in upper case and unreserved ones decoded, dot segments
 * removed, an empty path made "/", query and fragment dropped. NULL when uri is
 * not an absolute http or https URI (or has user information).
 */
char *aj_dpop_htu(apr_pool_t *p, const char *uri);

/* base64url(SHA-256(token)): the ath a proof for token carries. NULL on failure. */
char *aj_dpop_ath(apr_pool_t *p, const char *token, apr_size_t len);

/*
 * The token's confirmation claim (cnf): *jkt and *x5t (base64url strings, or
 * NULL) from cnf.jkt and cnf["x5t#S256"]. AJ_OK, also without cnf; a cnf that
 * is not an object, or members that are not strings, give AJ_R_DPOP_BINDING
 * (for jkt) or AJ_R_CERT_BINDING (for x5t#S256).
 */
aj_reason_e aj_token_cnf(const json_t *payload, const char **jkt, const char **x5t);

/* The same, given the cnf claim itself (NULL when the payload has none). */
aj_reason_e aj_token_cnf_claim(const json_t *cnf, const char **jkt, const char **x5t);

/* Whether the base64url text b64 is exactly the base64url of the 32 bytes digest. */
int aj_thumbprint_equals(apr_pool_t *p, const char *b64, const unsigned char digest[32]);

#endif
