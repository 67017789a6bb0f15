/*
 * aj_alg.h: the JWS algorithms we verify (RFC 7518 section 3, RFC 8037), as
 * one constant table. Everything else looks algorithms up here.
 */
#ifndef AJ_ALG_H
#define AJ_ALG_H

#include <apr_pools.h>
#include <openssl/evp.h>

typedef enum { AJ_KTY_NONE = 0, AJ_KTY_RSA, AJ_KTY_EC, AJ_KTY_OKP, AJ_KTY_OCT } aj_kty_e;

typedef enum {
    AJ_ALG_RS256 = 0,
    AJ_ALG_RS384,
    AJ_ALG_RS512,
    AJ_ALG_PS256,
    AJ_ALG_PS384,
    AJ_ALG_PS512,
    AJ_ALG_ES256,
    AJ_ALG_ES384,
    AJ_ALG_ES512,
    AJ_ALG_EDDSA,
    AJ_ALG_HS256,
    AJ_ALG_HS384,
    AJ_ALG_HS512,
    AJ_ALG__COUNT
} aj_alg_id_e;

#define AJ_ALG_BIT(id)  (1u << (id))
#define AJ_ALGS_DEFAULT AJ_ALG_BIT(AJ_ALG_RS256)
#define AJ_ALGS_HMAC                                                                               \
    (AJ_ALG_BIT(AJ_ALG_HS256) | AJ_ALG_BIT(AJ_ALG_HS384) | AJ_ALG_BIT(AJ_ALG_HS512))

typedef struct {
    aj_alg_id_e id;
    const char *name;      /* the JOSE "alg" value, case-sensitive */
    aj_kty_e kty;          /* key type it needs */
    const char *digest;    /* OpenSSL digest name; NULL for EdDSA */
    int pss;               /* RSASSA-PSS with MGF1 and salt = digest size */
    const char *crv;       /* EC: the one curve this alg uses; NULL otherwise */
    apr_size_t coord_size; /* EC: bytes of r and of s in the raw signature */
    apr_size_t min_secret; /* HMAC: least key size in bytes (RFC 7518 3.2) */
} aj_alg_t;

/* The row for an exact "alg" name, or NULL. */
const aj_alg_t *aj_alg_by_name(const char *name);
const aj_alg_t *aj_alg_by_id(aj_alg_id_e id);

/*
 * The digest for alg, fetched from OpenSSL once per process (thread-safe);
 * NULL for EdDSA.
 */
const EVP_MD *aj_alg_md(const aj_alg_t *alg);

/*
 * Add the algorithm called name to a bit set of AJ_ALG_BIT()s: returns 0, or
 * -1 (set unchanged) for a name not in the table.
 */
int aj_alg_set_add(unsigned int *set, const char *name);

/* The space-separated names of a set of AJ_ALG_BIT()s ("ES256 EdDSA"), in p. */
char *aj_alg_names(apr_pool_t *p, unsigned int set);

/* Key type names as JWK spells them ("RSA", "EC", "OKP", "oct"). */
const char *aj_kty_name(aj_kty_e kty);

#endif
