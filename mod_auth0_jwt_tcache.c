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
 * Entries go to the status counters from here; hits and misses from the
 * caller, which alone knows whether a hit stood its re-check.
 *
 * A second level (Auth0TokenCacheShared; On by default under prefork, where
 * every child would otherwise verify every token again) lives in this
 * server's own shared memory: eight socache shmcb shards made here, each
 * with its own mutex, never the Auth0Cache of a fleet. A child that misses
 * in its own cache looks there, by the same name, before it verifies; a
 * token it verified goes to both. A record holds what an entry holds
 * (algorithm, key thumbprint, kid, the payload as compact JSON), is read
 * again by the reader with every rule of a token's payload (building only
 * the claims the view keeps, when it can), and is re-checked by it exactly
 * as an entry of its own. A shard's mutex is held only around one store or
 * one retrieve, never during a signature check.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <apr_strings.h>
#include <ap_mpm.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <http_log.h>
#include <util_mutex.h>
#include <openssl/rand.h>

#include "aj_json.h"
#include "aj_tcache_rec.h"

#include "mod_auth0_jwt_status.h"
#include "mod_auth0_jwt_tcache.h"

#define L2_MUTEX   "auth0-jwt-tcache"

static unsigned char prf_key[16]; /* this server start's; inherited by the children */
static aj_tcache_t *cache;        /* this process's; NULL when off */

/* The second level is L2_SHARDS shmcb caches, each with its own mutex, a
 * record going to one of them by the last byte of its name: a lookup waits
 * only for the lookups and stores of its own shard. (With one mutex, prefork
 * children outnumbering the cores queued on it: futex waits and context
 * switches on most lookups; docs/performance.md.) */
#define L2_SHARDS 8
static ap_socache_provider_t *l2_provider; /* NULL when off */
typedef struct {
    ap_socache_instance_t *cache;
    apr_global_mutex_t *mutex; /* NULL where the provider needs none */
} l2_shard_t;
static l2_shard_t l2[L2_SHARDS];
static int l2_on;
static server_rec *l2_server;
static apr_size_t l2_bytes;

int auth0_jwt_tcache_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, L2_MUTEX, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS ? OK : !OK;
}

static apr_status_t l2_cleanup(void *data)
{
    for (int i = 0; i < L2_SHARDS; i++) {
        if (l2[i].cache && l2_provider) {
            l2_provider->destroy(l2[i].cache, data);
        }
        l2[i].cache = NULL;
        l2[i].mutex = NULL;
    }
    l2_on = 0;
    l2_provider = NULL;
    l2_bytes = 0;
    auth0_jwt_status_tcache_shared(0);
    return APR_SUCCESS;
}

/* The second level, when Auth0TokenCacheShared asks for it. OK, or a status. */
static int l2_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const auth0_jwt_srv_conf *sc = ap_get_module_config(s->module_config, &auth0_jwt_module);
    const auth0_jwt_dir_conf *c = ap_get_module_config(s->lookup_defaults, &auth0_jwt_module);
    /* shmcb makes one index slot per (id + average record) bytes of its
     * memory, and a full index drops records however much data room is left:
     * a record is the token's payload and about 40 bytes more (an Auth0
     * access token's payload: 300 to 700 bytes), so the average given is the
     * small end. With 2048 (as before) the index held half of
     * Auth0TokenCacheSize: 30,000 tokens under prefork were verified 1.7
     * times each instead of once. */
    struct ap_socache_hints hints = {AJ_TCACHE_NAME, 384, apr_time_from_sec(300)};
    int threaded = 0, size = auth0_jwt_token_cache_size(c);
    const char *err, *args;
    apr_status_t rv;

    apr_pool_cleanup_register(pconf, s, l2_cleanup, apr_pool_cleanup_null);
    ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded);
    if (!auth0_jwt_tcache_shared(sc, threaded != AP_MPMQ_NOT_SUPPORTED) || size <= 0) {
        return OK;
    }
    l2_provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb", AP_SOCACHE_PROVIDER_VERSION);
    if (l2_provider == NULL) {
        ap_log_error(APLOG_MARK, sc->tcache_shared == 1 ? APLOG_WARNING : APLOG_NOTICE, 0, s,
                     "Auth0TokenCacheShared: mod_socache_shmcb is not loaded, so each child "
                     "process verifies tokens for itself (LoadModule socache_shmcb_module)");
        return OK;
    }
    l2_bytes = auth0_jwt_tcache_shared_bytes(sc, size);
    for (int i = 0; i < L2_SHARDS; i++) {
        const char *id = apr_itoa(ptemp, i);
        args = apr_psprintf(ptemp, "%s(%" APR_SIZE_T_FMT ")",
                            ap_runtime_dir_relative(ptemp, apr_pstrcat(ptemp, "auth0_jwt_tokens.",
                                                                       id, NULL)),
                            l2_bytes / L2_SHARDS);
        if ((err = l2_provider->create(&l2[i].cache, args, ptemp, pconf)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "Auth0TokenCacheShared: %s", err);
            l2[i].cache = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((rv = l2_provider->init(l2[i].cache, apr_pstrcat(ptemp, "auth0-jwt-tokens-", id, NULL),
                                    &hints, s, pconf)) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "Auth0TokenCacheShared: cannot initialise");
            l2[i].cache = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((l2_provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) &&
            (rv = ap_global_mutex_create(&l2[i].mutex, NULL, L2_MUTEX, id, s, pconf, 0)) !=
                APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the %s mutex", L2_MUTEX);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    l2_on = 1;
    l2_server = s;
    auth0_jwt_status_tcache_shared(l2_bytes);
    return OK;
}

int auth0_jwt_tcache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    if (RAND_bytes(prf_key, sizeof(prf_key)) != 1) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "no random bytes for the token cache key (OpenSSL RAND_bytes failed)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return l2_post_config(pconf, ptemp, s);
}

void auth0_jwt_tcache_child_init(apr_pool_t *pchild, server_rec *s)
{
    const auth0_jwt_dir_conf *c = ap_get_module_config(s->lookup_defaults, &auth0_jwt_module);

    /* one cache per process, sized by the server-wide Auth0TokenCacheSize */
    cache = aj_tcache_create(pchild, (unsigned int)auth0_jwt_token_cache_size(c));
    for (int i = 0; l2_on && i < L2_SHARDS; i++) {
        if (l2[i].mutex &&
            apr_global_mutex_child_init(&l2[i].mutex, apr_global_mutex_lockfile(l2[i].mutex),
                                        pchild) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "cannot attach to the %s mutex: the shared token cache is off here",
                         L2_MUTEX);
            l2_on = 0;
            auth0_jwt_status_tcache_shared(0);
        }
    }
}

/* The socache's mutex, where the provider needs one: 1 when held (or none is
 * needed). A lock that fails (one a graceful restart took away from a child
 * still finishing its requests) means no shared level for this look. */
static int l2_lock(const l2_shard_t *sh)
{
    return sh->mutex == NULL || apr_global_mutex_lock(sh->mutex) == APR_SUCCESS;
}

static void l2_unlock(const l2_shard_t *sh)
{
    if (sh->mutex) {
        apr_global_mutex_unlock(sh->mutex);
    }
}

/* The shard that holds the record of name. */
static const l2_shard_t *shard_of(const unsigned char *name)
{
    return &l2[name[AJ_TCACHE_NAME - 1] % L2_SHARDS];
}

/* ---- the second level's records (src/aj_tcache_rec.h) ------------------------ */

static void l2_put(const unsigned char *name, const aj_token_t *tok, const char *claims,
                   double exp, apr_pool_t *p)
{
    unsigned char rec[AJ_TCACHE_REC_MAX]; /* the store copies it into shared memory */
    apr_size_t n = aj_tcache_rec_make(rec, tok->jws.alg, tok->key->thumbprint, tok->jws.kid,
                                      tok->ath, claims);
    const l2_shard_t *sh = shard_of(name);

    if (n == 0) {
        return; /* an outsize token stays in this process's cache alone */
    }
    if (l2_lock(sh)) {
        l2_provider->store(sh->cache, l2_server, name, AJ_TCACHE_NAME,
                           (apr_time_t)(exp * APR_USEC_PER_SEC), rec, (unsigned int)n, p);
        l2_unlock(sh);
    }
}

/* The record for name, as an entry of this process's cache (hold and all);
 * 0 when there is none, or it does not read back whole. */
static int l2_get(const unsigned char *name, double now, aj_tcache_hit_t *hit, apr_pool_t *p)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    unsigned int n = sizeof(rec);
    apr_status_t rv = APR_EGENERAL;
    const l2_shard_t *sh = shard_of(name);

    hit->hold = NULL;
    if (l2_lock(sh)) {
        rv = l2_provider->retrieve(sh->cache, l2_server, name, AJ_TCACHE_NAME, rec, &n, p);
        l2_unlock(sh);
    }
    return rv == APR_SUCCESS && aj_tcache_rec_read(rec, n, now, hit);
}

int auth0_jwt_tcache_on(const auth0_jwt_dir_conf *c)
{
    return cache && auth0_jwt_token_cache_size(c) > 0;
}

void auth0_jwt_tcache_name(unsigned char name[AJ_TCACHE_NAME], const char *token,
                           apr_size_t len, const auth0_jwt_key_policy *kp)
{
    unsigned char rec[AJ_TCACHE_POLICY_MAX];
    const aj_key_t *secret = kp->secrets && kp->secrets->keys->nelts > 0
                                 ? APR_ARRAY_IDX(kp->secrets->keys, 0, const aj_key_t *)
                                 : NULL;
    apr_size_t n = aj_tcache_policy(rec, kp->algs, kp->jwe, kp->source_tag,
                                    secret ? secret->thumbprint : NULL, kp->jwe_keys_id);

    aj_tcache_name(name, prf_key, token, len, rec, n);
}

int auth0_jwt_tcache_get(const unsigned char name[AJ_TCACHE_NAME], double now,
                         aj_tcache_hit_t *hit)
{
    int found = aj_tcache_get(cache, name, now, hit);

    if (!found) { /* (an expired entry may have gone) */
        auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
    }
    return found;
}

int auth0_jwt_tcache_get_shared(const unsigned char name[AJ_TCACHE_NAME], double now,
                                aj_tcache_hit_t *hit, apr_pool_t *p)
{
    if (!l2_on) {
        return 0;
    }
    if (!l2_get(name, now, hit, p)) {
        return 0;
    }
    /* into this process's cache too: the next time is a first-level hit */
    aj_tcache_put_held(cache, name, hit->hold, hit->thumbprint, hit->alg,
                       json_number_value(hit->view.exp));
    auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
    return 1;
}

int auth0_jwt_tcache_shared_on(void)
{
    return l2_on;
}

void auth0_jwt_tcache_put(const unsigned char name[AJ_TCACHE_NAME], const aj_token_t *tok,
                          apr_pool_t *p)
{
    double exp = json_number_value(tok->view.exp);
    const char *claims = tok->claims;

    aj_tcache_put(cache, name, tok->payload, claims, &tok->view, tok->key->thumbprint,
                  tok->jws.alg, tok->jws.kid, tok->ath, exp);
    auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
    if (l2_on && (claims || (claims = aj_json_compact(p, tok->payload)) != NULL)) {
        l2_put(name, tok, claims, exp, p);
    }
}

void auth0_jwt_tcache_remove(const unsigned char name[AJ_TCACHE_NAME])
{
    aj_tcache_remove(cache, name);
    auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
}
