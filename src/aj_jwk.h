/*
 * aj_jwk.h: JSON Web Keys (RFC 7517, RFC 7518 section 6, RFC 8037) turned into
 * OpenSSL keys once, when a key set arrives; and the choice of the key for a
 * token (docs/validation.md, "4. Key choice").
 *
 * A key set never fails because of one bad key: malformed or unsupported keys
 * are skipped and listed with the reason. Keys that parse but may not verify
 * signatures (use=enc, key_ops without verify, RSA under 2048 bits) stay in the
 * set marked unusable, so a token naming one gets that precise reason rather
 * than "unknown kid" (which would force a pointless refresh).
 */
#ifndef AJ_JWK_H
#define AJ_JWK_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "aj_alg.h"
#include "aj_reason.h"

#define AJ_RSA_MIN_BITS  2048
#define AJ_OCT_MIN_BYTES 32

typedef struct {
    const char *kid; /* NULL when the JWK has none */
    aj_kty_e kty;
    const char *crv;             /* EC / OKP curve as the JWK names it; else NULL */
    const char *alg;             /* the JWK's "alg", NULL when absent */
    int bits;                    /* RSA modulus, EC/OKP curve, or oct secret bits */
    EVP_PKEY *pkey;              /* RSA / EC / OKP; freed with the pool */
    const unsigned char *secret; /* oct only */
    apr_size_t secret_len;
    aj_reason_e unusable;         /* AJ_OK, or why the key never verifies: AJ_R_KEY_USE, _OPS,
                                     _TOO_SMALL, _WEAK, _MIXED_SET, AJ_R_KEY_AMBIGUOUS */
    unsigned char thumbprint[32]; /* RFC 7638 SHA-256 thumbprint: the key's identity */
    /* Keys of a parsed key set, which serve many requests: a verify context per
     * signing algorithm (RS*, PS*, ES*, EdDSA), set up on first use and copied
     * for each check (aj_jws_verify), freed with the key's pool. NULL: none yet,
     * or the key is not one of a set (then each check sets up its own). */
    EVP_MD_CTX *verify_ctx[AJ_ALG_HS256];
    int prepared; /* keep verify contexts (set by aj_jwks_add; freed with the set's pool) */
} aj_key_t;

typedef struct {
    int index;       /* position in the "keys" array */
    const char *kid; /* may be NULL */
    const char *why; /* constant text */
} aj_jwk_skip_t;

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *keys;    /* aj_key_t * */
    apr_array_header_t *skipped; /* aj_jwk_skip_t */
} aj_jwks_t;

/*
 * Build one key from a JWK object. On failure returns NULL and *why names the
 * problem (constant text). The key and its EVP_PKEY belong to p.
 */
aj_key_t *aj_jwk_parse(apr_pool_t *p, const json_t *jwk, const char **why);

/*
 * Parse a JWK Set document. Fails (returns NULL, *why set) only when the
 * document is not a JSON object with a "keys" array; otherwise returns the set
 * of keys that parsed, which may be empty.
 */
aj_jwks_t *aj_jwks_parse(apr_pool_t *p, const char *buf, apr_size_t len, const char **why);

/* Give pkey to p: EVP_PKEY_free runs when p goes. Returns pkey (NULL stays NULL). */
EVP_PKEY *aj_key_pool_own(apr_pool_t *p, EVP_PKEY *pkey);

/* An empty set, to which keys can be added with aj_jwks_add(). */
aj_jwks_t *aj_jwks_make(apr_pool_t *p);
void aj_jwks_add(aj_jwks_t *set, aj_key_t *key);

/* An oct key from raw bytes (Auth0SigningSecretFile); NULL when shorter than 32 bytes. */
aj_key_t *aj_key_from_secret(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                             const char *kid);

/* A public key from an EVP_PKEY (the CLI's keygen and tests). NULL for types we do not verify. */
aj_key_t *aj_key_from_pkey(apr_pool_t *p, EVP_PKEY *pkey, const char *kid, const char *alg);

/*
 * Whether key may verify a token signed with alg: AJ_OK, the key's unusable
 * reason, or AJ_R_KEY_ALG_MISMATCH (kty, crv, JWK alg or secret size).
 */
aj_reason_e aj_key_fits(const aj_key_t *key, const aj_alg_t *alg);

/*
 * Choose the key for a token with alg and kid (NULL when the header has none):
 * docs/validation.md, "4. Key choice". AJ_OK with *key set, or the reason there is none.
 */
aj_reason_e aj_jwks_select(const aj_key_t **key, const aj_jwks_t *set, const aj_alg_t *alg,
                           const char *kid);

/* The key in set with the same thumbprint, or NULL (a cached token's key still present?). */
const aj_key_t *aj_jwks_find_thumbprint(const aj_jwks_t *set, const unsigned char *thumbprint);

/* A JWK JSON object (public part only) for key: for keygen and status pages. Owned by p. */
json_t *aj_key_to_jwk(apr_pool_t *p, const aj_key_t *key);

#endif
