/*
 * aj_jws.h: compact JWS (RFC 7515) parsing and signature verification, with the
 * header rules of docs/validation.md, sections 2 to 5.
 *
 * Order of work, cheapest and least trusting first: size, segment count, strict
 * base64url of all three segments, header JSON and rules, then (by the caller)
 * key choice, then the signature, and only after the signature the payload JSON.
 */
#ifndef AJ_JWS_H
#define AJ_JWS_H

#include <apr_pools.h>
#include <jansson.h>

#include "aj_alg.h"
#include "aj_jwk.h"
#include "aj_reason.h"

#define AJ_TOKEN_MAX_LEN 16384

typedef struct {
    const aj_alg_t *alg;
    json_t *header;            /* owned by the pool given to aj_jws_parse */
    const char *kid;           /* NULL when the header has none */
    const char *signing_input; /* points into the token: "header.payload" */
    apr_size_t signing_input_len;
    const unsigned char *payload; /* decoded (not parsed) at parse time */
    apr_size_t payload_len;
    const unsigned char *sig;
    apr_size_t sig_len;
} aj_jws_t;

/*
 * Split and check a compact JWS: sections 5.2 and 5.3 of the spec. allowed is
 * a set of AJ_ALG_BIT()s. On AJ_OK, jws is filled; the token text must outlive it.
 */
aj_reason_e aj_jws_parse(aj_jws_t *jws, apr_pool_t *p, const char *token, apr_size_t len,
                         unsigned int allowed);

/* The same for another kind of JWS: its typ must be present and equal
 * required_typ (any case, optional "application/"), e.g. "dpop+jwt". */
aj_reason_e aj_jws_parse_typ(aj_jws_t *jws, apr_pool_t *p, const char *token, apr_size_t len,
                             unsigned int allowed, const char *required_typ);

/*
 * The rest of a compact JWS whose header segment the caller has read before,
 * byte for byte, and found to name alg (DPoP proofs: aj_proof_memo.h): the
 * segments are split and the payload and signature decoded as aj_jws_parse()
 * does; jws->header and jws->kid stay NULL. Whatever else the header said is
 * the caller's to have checked when it first read it.
 */
aj_reason_e aj_jws_parse_known(aj_jws_t *jws, apr_pool_t *p, const char *token, apr_size_t len,
                               const aj_alg_t *alg);

/*
 * Raw r||s (RFC 7518 3.4, each half bytes, at most 66) as the DER
 * ECDSA-Sig-Value OpenSSL verifies, written into der (AJ_ECDSA_DER_MAX bytes):
 * written here rather than through ECDSA_SIG and two BIGNUMs, which cost more
 * than a tenth of what remains of a DPoP proof's check besides the signature.
 * Returns the DER length, or 0.
 */
#define AJ_ECDSA_DER_MAX 160 /* P-521: 3 + 2 * (2 + 1 + 66) = 141 */
size_t aj_jws_ecdsa_der(unsigned char *der, const unsigned char *sig, apr_size_t half);

/* Check the signature with key (which must fit jws->alg): AJ_OK or why not. */
aj_reason_e aj_jws_verify(const aj_jws_t *jws, const aj_key_t *key);

/*
 * Decode and parse the payload (section 5.6); call after aj_jws_verify. On AJ_OK
 * *payload is an object owned by p, and *json (of *json_len bytes) the decoded text.
 */
aj_reason_e aj_jws_payload(json_t **payload, const char **json, apr_size_t *json_len, apr_pool_t *p,
                           const aj_jws_t *jws);

#endif
