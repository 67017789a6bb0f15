/*
 * mod_auth0_jwt_replay.c: the DPoP replay store. Every process of the server
 * takes proofs from one table in shared memory (src/aj_replay.c): no lock, and
 * a live entry is never pushed out, so a full table refuses new proofs (503)
 * rather than forgetting spent ones. The table belongs to the root parent's
 * process pool: a graceful restart keeps it, and the proofs spent before it.
 *
 * With Auth0Cache redis or memcache, a proof that the table takes is then
 * looked up and recorded in that socache too, so that the servers of a fleet
 * share what they have seen. The table already lets only one process of a
 * server through per proof; across servers, the socache interface has no "add
 * if absent", so two servers answering the same proof within the same few
 * milliseconds could both take it (docs/security.md).
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "aj_replay.h"
#include "mod_auth0_jwt_replay.h"

#define USERDATA_KEY "auth0_jwt_replay_table"
#define FULL_LOG_EVERY apr_time_from_sec(60) /* per process */

static aj_replay_table_t *table;
static ap_socache_provider_t *provider; /* the fleet's socache, or NULL */
static ap_socache_instance_t *store;
static int fleet_missing; /* Auth0Cache names a provider that is not loaded */
static apr_time_t full_logged;

void auth0_jwt_replay_pre_config(void)
{
    table = NULL;
    provider = NULL;
    store = NULL;
    fleet_missing = 0;
    full_logged = 0;
}

static apr_status_t replay_cleanup(void *data)
{
    if (store && provider) {
        provider->destroy(store, data);
    }
    store = NULL;
    provider = NULL;
    return APR_SUCCESS;
}

/* The table of the root parent's process pool: kept from the previous
 * generation when there is one, else made. */
static int table_post_config(server_rec *s, apr_uint32_t capacity)
{
    apr_pool_t *proc = s->process->pool;
    apr_size_t size = aj_replay_size(capacity);
    apr_shm_t *shm = NULL;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&shm, USERDATA_KEY, proc);
    if (shm && (table = aj_replay_attach(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm)))) {
        if (apr_shm_size_get(shm) != size) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "Auth0DPoPReplayCapacity %u takes effect at the next full restart; "
                         "until then the replay store keeps its %u proofs and those it has seen",
                         (unsigned)capacity, (unsigned)aj_replay_capacity(table));
        }
        return OK;
    }
    rv = apr_shm_create(&shm, size, NULL, proc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "no shared memory for the DPoP replay store (%" APR_SIZE_T_FMT " bytes)",
                     size);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    table = aj_replay_init(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm));
    if (table == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_userdata_set(shm, USERDATA_KEY, apr_pool_cleanup_null, proc);
    return OK;
}

/* The fleet's socache (Auth0Cache redis:..., memcache:...), if any. */
static int fleet_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                             const char *spec)
{
    struct ap_socache_hints hints = {64, 16, apr_time_from_sec(300)};
    char *name = apr_pstrdup(ptemp, spec), *colon;
    const char *args = NULL, *err;
    apr_status_t rv;

    if ((colon = strchr(name, ':')) != NULL) {
        *colon = '\0';
        args = colon + 1;
    }
    if (strcmp(name, "shmcb") == 0) {
        return OK; /* one server: the table is the whole store */
    }
    if (args && strchr(args, ',')) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "Auth0Cache %s lists several servers: when one fails, its DPoP proofs "
                     "move to another that has not seen them, and a proof spent before could "
                     "be taken once more on another member of the fleet; use one socache "
                     "server, made highly available on its own",
                     spec);
    }
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (provider == NULL) {
        fleet_missing = 1; /* said by the key-set cache; DPoP proofs get 503 (dpop_store) */
        return OK;
    }
    apr_pool_cleanup_register(pconf, s, replay_cleanup, apr_pool_cleanup_null);
    err = provider->create(&store, args, ptemp, pconf);
    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "the DPoP replay store (%s): %s", name, err);
        store = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = provider->init(store, "auth0-jwt-dpop", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "the DPoP replay store (%s) cannot start",
                     name);
        store = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int auth0_jwt_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec, unsigned int capacity)
{
    int rv = table_post_config(s, (apr_uint32_t)capacity);

    return rv == OK && spec ? fleet_post_config(pconf, ptemp, s, spec) : rv;
}

/* A full table is logged at most once a minute per process. */
static void log_full(request_rec *r)
{
    apr_time_t now = apr_time_now();

    if (full_logged == 0 || now - full_logged >= FULL_LOG_EVERY) {
        full_logged = now;
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "the DPoP replay store is full (%u proofs within their lifetime): DPoP "
                      "requests get 503 until proofs expire; raise Auth0DPoPReplayCapacity or "
                      "shorten Auth0DPoPProofLifetime",
                      (unsigned)aj_replay_capacity(table));
    }
}

/* The fleet's socache: 1 (first), 0 (seen), -1 (cannot ask). */
static int fleet_first(request_rec *r, const unsigned char id[32], apr_time_t expiry)
{
    apr_time_t soonest = apr_time_now() + apr_time_from_sec(2);

    unsigned char seen[1];
    unsigned int len = sizeof(seen);
    apr_status_t rv;

    if (fleet_missing || (provider && store == NULL)) {
        return -1;
    }
    if (provider == NULL) {
        return 1;
    }
    rv = provider->retrieve(store, r->server, id, 32, seen, &len, r->pool);
    if (rv == APR_SUCCESS) {
        return 0;
    }
    if (rv != APR_NOTFOUND) {
        return -1; /* an error: not taken */
    }
    seen[0] = 1;
    /* redis and memcache take whole seconds: never a time-to-live under one */
    expiry = expiry < soonest ? soonest : expiry;
    return provider->store(store, r->server, id, 32, expiry, seen, 1, r->pool) == APR_SUCCESS
               ? 1
               : -1; /* not recorded: it could be replayed, so it is not taken */
}

int auth0_jwt_replay_first(request_rec *r, const unsigned char id[32], double iat, int lifetime,
                           int skew)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_int64_t w = (apr_int64_t)lifetime + 2 * (apr_int64_t)skew;
    apr_uint32_t window = w < 1 ? 1 : w > 0x7fffffff ? 0x7fffffff : (apr_uint32_t)w;
    apr_uint32_t horizon;
    int first;

    if (table == NULL) {
        return -1;
    }
    switch (aj_replay_take(table, id, iat, window, now)) {
    case AJ_REPLAY_FIRST:
        horizon = aj_replay_horizon(table);
        first = fleet_first(r, id,
                            apr_time_from_sec((apr_time_t)iat + 2 +
                                              (horizon > window ? horizon : window)));
        if (first != 1) {
            aj_replay_release(table, id); /* refused here: a retry may take it */
        }
        return first;
    case AJ_REPLAY_SEEN:
        return 0;
    default:
        log_full(r);
        return -1;
    }
}

int auth0_jwt_replay_usage(unsigned int *capacity, unsigned int *live, int *exact,
                           unsigned int *horizon)
{
    if (table == NULL) {
        return 0;
    }
    *capacity = aj_replay_capacity(table);
    *live = aj_replay_live(table, (apr_uint32_t)apr_time_sec(apr_time_now()), exact);
    *horizon = aj_replay_horizon(table);
    return 1;
}
