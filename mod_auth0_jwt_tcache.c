/*
 * mod_auth0_jwt_tcache.c: the verified-token cache of the module.
 *
 * A token is named by SipHash-2-4-128 under a key drawn at every server start
 * and held in memory only (never written anywhere), over the token and the
 * scope's key policy. So the cache never holds a token or a hash that anyone
 * else can compute, and a scope with another key source, algorithm list,
 * secret or decryption keys never meets an entry another scope made: it
 * verifies the token itself. A hit still re-checks, in the scope at hand, the
 * algorithm, the key choice and the claims (mod_auth0_jwt.c, cache_hit).
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_log.h>
#include <openssl/rand.h>

#include "mod_auth0_jwt_tcache.h"

static unsigned char prf_key[16]; /* this server start's; inherited by the children */
static aj_tcache_t *cache;        /* this process's; NULL when off */

int auth0_jwt_tcache_post_config(server_rec *s)
{
    if (RAND_bytes(prf_key, sizeof(prf_key)) != 1) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "no random bytes for the token cache key (OpenSSL RAND_bytes failed)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void auth0_jwt_tcache_child_init(apr_pool_t *pchild, server_rec *s)
{
    const auth0_jwt_dir_conf *c = ap_get_module_config(s->lookup_defaults, &auth0_jwt_module);

    /* one cache per process, sized by the server-wide Auth0TokenCacheSize */
    cache = aj_tcache_create(pchild, (unsigned int)auth0_jwt_token_cache_size(c));
}

int auth0_jwt_tcache_on(const auth0_jwt_dir_conf *c)
{
    return cache && auth0_jwt_token_cache_size(c) > 0;
}

/* The policy as a record of fixed size: algorithms, JWS (0) or JWE (1), then
 * three 16-byte tags (zeros where there is none). */
#define POLICY_LEN (4 + 1 + 16 + 16 + 16)

void auth0_jwt_tcache_name(unsigned char name[AJ_TCACHE_NAME], const char *token,
                           apr_size_t len, const auth0_jwt_key_policy *kp)
{
    unsigned char rec[POLICY_LEN];
    const aj_key_t *secret = kp->secrets && kp->secrets->keys->nelts > 0
                                 ? APR_ARRAY_IDX(kp->secrets->keys, 0, const aj_key_t *)
                                 : NULL;

    memset(rec, 0, sizeof(rec));
    for (int i = 0; i < 4; i++) {
        rec[i] = (unsigned char)(kp->algs >> (8 * i));
    }
    rec[4] = kp->jwe;
    if (kp->source_tag) {
        memcpy(rec + 5, kp->source_tag, 16);
    }
    if (secret) {
        memcpy(rec + 21, secret->thumbprint, 16);
    }
    if (kp->jwe_keys_id) {
        memcpy(rec + 37, kp->jwe_keys_id, 16);
    }
    aj_tcache_name(name, prf_key, token, len, rec, sizeof(rec));
}

int auth0_jwt_tcache_get(const unsigned char name[AJ_TCACHE_NAME], double now,
                         aj_tcache_hit_t *hit, apr_pool_t *p)
{
    return aj_tcache_get(cache, name, now, hit, p);
}

void auth0_jwt_tcache_put(const unsigned char name[AJ_TCACHE_NAME], json_t *payload,
                          const char *claims, const unsigned char thumbprint[32],
                          const aj_alg_t *alg, const char *kid, double exp)
{
    aj_tcache_put(cache, name, payload, claims, thumbprint, alg, kid, exp);
}

void auth0_jwt_tcache_remove(const unsigned char name[AJ_TCACHE_NAME])
{
    aj_tcache_remove(cache, name);
}

unsigned int auth0_jwt_tcache_entries(void)
{
    return aj_tcache_entries(cache);
}
