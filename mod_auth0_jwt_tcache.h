/*
 * mod_auth0_jwt_tcache.h: the verified-token cache of the module
 * (mod_auth0_jwt_tcache.c; docs/validation.md, "The verified-token cache"):
 * the per-process cache (src/aj_tcache.c) and the names tokens have in it.
 */
#ifndef MOD_AUTH0_JWT_TCACHE_H
#define MOD_AUTH0_JWT_TCACHE_H

#include <httpd.h>

#include "aj_jwk.h"
#include "aj_tcache.h"
#include "aj_token.h"
#include "mod_auth0_jwt_config.h"

/* The shared level's mutex type (pre_config). */
int auth0_jwt_tcache_pre_config(apr_pool_t *pconf);

/* A new random key for token names, at every server start (post_config, in
 * the parent: every child of one generation shares it), and the shared level
 * when Auth0TokenCacheShared is on. OK, or a status. */
int auth0_jwt_tcache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);


/* This process's cache (child_init), of the server-wide Auth0TokenCacheSize. */
void auth0_jwt_tcache_child_init(apr_pool_t *pchild, server_rec *s);

/* Whether requests under c use the cache. */
int auth0_jwt_tcache_on(const auth0_jwt_dir_conf *c);

/*
 * The scope's key policy, as hashed into a token's name: the allowed
 * algorithms, the key source (its tag; NULL for none), the shared secret
 * (NULL for none), and for a JWE the server's decryption keys.
 */
typedef struct {
    unsigned int algs;
    const unsigned char *source_tag; /* 16 bytes */
    const aj_jwks_t *secrets;
    int jwe;                          /* the token is a JWE */
    const unsigned char *jwe_keys_id; /* 32 bytes; NULL: none */
} auth0_jwt_key_policy;

void auth0_jwt_tcache_name(unsigned char name[AJ_TCACHE_NAME], const char *token,
                           apr_size_t len, const auth0_jwt_key_policy *kp);

/* This process's cache. A hit fills hit, whose hold the caller owns
 * (json_decref it). */
int auth0_jwt_tcache_get(const unsigned char name[AJ_TCACHE_NAME], double now,
                         aj_tcache_hit_t *hit);

/* The shared level (0 when it is off): a record found there is also put into
 * this process's cache. The same contract. */
int auth0_jwt_tcache_get_shared(const unsigned char name[AJ_TCACHE_NAME], double now,
                                aj_tcache_hit_t *hit, apr_pool_t *p);

/* Whether the shared level is in use in this process. */
int auth0_jwt_tcache_shared_on(void);
/* Remember a verified token (its payload, claims text, view, key and kid),
 * here and in the shared level. */
void auth0_jwt_tcache_put(const unsigned char name[AJ_TCACHE_NAME], const aj_token_t *tok,
                          apr_pool_t *p);
void auth0_jwt_tcache_remove(const unsigned char name[AJ_TCACHE_NAME]);

#endif
