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
 * server's own shared memory: a socache shmcb made here, never the
 * Auth0Cache of a fleet. A child that misses in its own cache looks there,
 * by the same name, before it verifies; a token it verified goes to both. A
 * record holds what an entry holds (algorithm, key thumbprint, kid, the
 * payload as compact JSON), is parsed again by the reader, and is re-checked
 * by it exactly as an entry of its own. The socache's mutex is held only
 * around one store or one retrieve, never during a signature check.
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

#include "mod_auth0_jwt_status.h"
#include "mod_auth0_jwt_tcache.h"

#define L2_MUTEX   "auth0-jwt-tcache"
#define L2_MAGIC   "AJT3"
#define L2_MAX     4096 /* a record's largest size (read into the stack); bigger tokens stay per process */

static unsigned char prf_key[16]; /* this server start's; inherited by the children */
static aj_tcache_t *cache;        /* this process's; NULL when off */

static ap_socache_provider_t *l2_provider; /* the second level; NULL when off */
static ap_socache_instance_t *l2;
static apr_global_mutex_t *l2_mutex;
static server_rec *l2_server;
static apr_size_t l2_bytes;

int auth0_jwt_tcache_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, L2_MUTEX, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS ? OK : !OK;
}

static apr_status_t l2_cleanup(void *data)
{
    if (l2 && l2_provider) {
        l2_provider->destroy(l2, data);
    }
    l2 = NULL;
    l2_provider = NULL;
    l2_mutex = NULL;
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
    args = apr_psprintf(ptemp, "%s(%" APR_SIZE_T_FMT ")",
                        ap_runtime_dir_relative(ptemp, "auth0_jwt_tokens"), l2_bytes);
    if ((err = l2_provider->create(&l2, args, ptemp, pconf)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "Auth0TokenCacheShared: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rv = l2_provider->init(l2, "auth0-jwt-tokens", &hints, s, pconf)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "Auth0TokenCacheShared: cannot initialise");
        l2 = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((l2_provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) &&
        (rv = ap_global_mutex_create(&l2_mutex, NULL, L2_MUTEX, NULL, s, pconf, 0)) !=
            APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the %s mutex", L2_MUTEX);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
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
    if (l2_mutex && apr_global_mutex_child_init(&l2_mutex, apr_global_mutex_lockfile(l2_mutex),
                                                pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "cannot attach to the %s mutex: the shared token cache is off here",
                     L2_MUTEX);
        l2 = NULL;
        auth0_jwt_status_tcache_shared(0);
    }
}

/* The socache's mutex, where the provider needs one: 1 when held (or none is
 * needed). A lock that fails (one a graceful restart took away from a child
 * still finishing its requests) means no shared level for this look. */
static int l2_lock(void)
{
    return l2_mutex == NULL || apr_global_mutex_lock(l2_mutex) == APR_SUCCESS;
}

static void l2_unlock(void)
{
    if (l2_mutex) {
        apr_global_mutex_unlock(l2_mutex);
    }
}

/* ---- the second level's records ---------------------------------------------
 *
 *   "AJT3" | alg id (1) | key thumbprint (32) | kid (2: 0 for none, else its
 *   length + 1, so an empty kid stays an empty kid) | ath length (1: 0 for
 *   none) | kid | ath | payload JSON
 *
 * ath is the base64url SHA-256 of the token, which a DPoP proof names: kept so
 * that the proofs of a cached token cost no hash of the token.
 */
#define L2_HEAD (4 + 1 + 32 + 2 + 1)
#define ATH_LEN 43 /* base64url of 32 bytes */

static void l2_put(const unsigned char *name, const aj_token_t *tok, const char *claims,
                   double exp, apr_pool_t *p)
{
    apr_size_t kid_len = tok->jws.kid ? strlen(tok->jws.kid) : 0, claims_len = strlen(claims);
    apr_size_t ath_len = tok->ath && strlen(tok->ath) == ATH_LEN ? ATH_LEN : 0;
    apr_size_t n = L2_HEAD + kid_len + ath_len + claims_len;
    unsigned char *rec, *at;
    apr_time_t expiry = (apr_time_t)(exp * APR_USEC_PER_SEC);

    if (kid_len >= 0xffff || n > L2_MAX) {
        return; /* an outsize token stays in this process's cache alone */
    }
    rec = at = apr_palloc(p, n);
    memcpy(at, L2_MAGIC, 4);
    at[4] = (unsigned char)tok->jws.alg->id;
    memcpy(at + 5, tok->key->thumbprint, 32);
    at[37] = (unsigned char)((tok->jws.kid ? kid_len + 1 : 0) >> 8);
    at[38] = (unsigned char)(tok->jws.kid ? kid_len + 1 : 0);
    at[39] = (unsigned char)ath_len;
    at += L2_HEAD;
    memcpy(at, tok->jws.kid ? tok->jws.kid : "", kid_len);
    memcpy(at + kid_len, ath_len ? tok->ath : "", ath_len);
    memcpy(at + kid_len + ath_len, claims, claims_len);
    if (l2_lock()) {
        l2_provider->store(l2, l2_server, name, AJ_TCACHE_NAME, expiry, rec, (unsigned int)n, p);
        l2_unlock();
    }
}

/* The record for name, as an entry of this process's cache (hold and all);
 * 0 when there is none, or it does not read back whole. */
static int l2_get(const unsigned char *name, double now, aj_tcache_hit_t *hit, apr_pool_t *p)
{
    unsigned char rec[L2_MAX];
    unsigned int n = sizeof(rec);
    apr_size_t kid_len, kid_mark, ath_len;
    apr_status_t rv = APR_EGENERAL;
    const aj_alg_t *alg;
    json_t *payload, *kid, *ath, *parsed = NULL;
    const char *text;
    apr_size_t text_len;
    int bad = 0;

    hit->hold = NULL;
    if (l2_lock()) {
        rv = l2_provider->retrieve(l2, l2_server, name, AJ_TCACHE_NAME, rec, &n, p);
        l2_unlock();
    }
    if (rv != APR_SUCCESS || n < L2_HEAD || memcmp(rec, L2_MAGIC, 4) != 0 ||
        rec[4] >= AJ_ALG__COUNT || (alg = aj_alg_by_id((aj_alg_id_e)rec[4])) == NULL) {
        return 0;
    }
    kid_mark = (apr_size_t)rec[37] << 8 | rec[38];
    kid_len = kid_mark ? kid_mark - 1 : 0;
    ath_len = rec[39];
    if ((ath_len != 0 && ath_len != ATH_LEN) || L2_HEAD + kid_len + ath_len > n) {
        return 0;
    }
    text = (const char *)rec + L2_HEAD + kid_len + ath_len;
    text_len = n - L2_HEAD - kid_len - ath_len;
    /* read with every rule a token's payload meets (depth, duplicates, UTF-8);
     * the hold takes a reference of its own beside the request pool's */
    payload = aj_json_parse_object(&parsed, p, text, text_len) == AJ_JSON_OK
                  ? json_incref(parsed)
                  : NULL;
    kid = kid_mark ? json_stringn((const char *)rec + L2_HEAD, kid_len) : json_null();
    ath = ath_len ? json_stringn((const char *)rec + L2_HEAD + kid_len, ath_len) : json_null();
    if ((hit->hold = json_array()) == NULL) {
        json_decref(kid);
        json_decref(ath);
        json_decref(payload);
        return 0;
    }
    /* each append takes its value, or frees it when it fails: no short cut */
    bad |= json_array_append_new(hit->hold, payload);
    /* (the text just parsed as JSON, so it is UTF-8: no second check) */
    bad |= json_array_append_new(hit->hold,
                                 payload ? json_stringn_nocheck(text, text_len) : json_null());
    bad |= json_array_append_new(hit->hold, kid);
    bad |= json_array_append_new(hit->hold, ath);
    if (bad || !json_is_object(payload) || (ath_len && !json_is_string(ath))) {
        json_decref(hit->hold);
        hit->hold = NULL;
        return 0;
    }
    hit->payload = payload;
    hit->claims = json_string_value(json_array_get(hit->hold, 1));
    hit->kid = json_string_value(kid);
    hit->ath = json_string_value(ath);
    aj_claims_view(&hit->view, payload);
    memcpy(hit->thumbprint, rec + 5, 32);
    hit->alg = alg;
    /* never past exp by this process's clock, whatever the record said */
    return json_is_number(hit->view.exp) && now < json_number_value(hit->view.exp);
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
    if (l2 == NULL) {
        return 0;
    }
    if (!l2_get(name, now, hit, p)) {
        json_decref(hit->hold);
        return 0;
    }
    /* into this process's cache too: the next time is a first-level hit */
    aj_tcache_put_held(cache, name, hit->hold, &hit->view, hit->thumbprint, hit->alg,
                       json_number_value(hit->view.exp));
    auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
    return 1;
}

int auth0_jwt_tcache_shared_on(void)
{
    return l2 != NULL;
}

void auth0_jwt_tcache_put(const unsigned char name[AJ_TCACHE_NAME], const aj_token_t *tok,
                          apr_pool_t *p)
{
    double exp = json_number_value(tok->view.exp);
    const char *claims = tok->claims;

    aj_tcache_put(cache, name, tok->payload, claims, &tok->view, tok->key->thumbprint,
                  tok->jws.alg, tok->jws.kid, tok->ath, exp);
    auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
    if (l2 && (claims || (claims = aj_json_compact(p, tok->payload)) != NULL)) {
        l2_put(name, tok, claims, exp, p);
    }
}

void auth0_jwt_tcache_remove(const unsigned char name[AJ_TCACHE_NAME])
{
    aj_tcache_remove(cache, name);
    auth0_jwt_count_cache_entries(aj_tcache_entries(cache));
}
