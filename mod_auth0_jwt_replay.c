/*
 * mod_auth0_jwt_replay.c: the DPoP replay store. A socache instance of its own
 * (so that a flood of proofs can never push the key sets out of theirs): by
 * default a small shmcb in the runtime directory, or the Auth0Cache provider
 * (redis, memcache) so that a fleet shares it. Looking a proof up and
 * recording it happen under one global mutex: two processes can never both
 * take the same proof. Across the servers of a fleet the provider has no
 * "add if absent", so two servers answering the same proof within the same
 * few milliseconds could both take it (docs/security.md).
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>
#include <apr_strings.h>

#include "mod_auth0_jwt_replay.h"

#define MUTEX_TYPE "auth0-jwt-dpop"
/* 16 MiB (pages never written cost no memory): about 200,000 proofs, so at the
 * default 300 s lifetime some 650 proofs a second before the oldest are
 * dropped early (docs/directives.md, Auth0DPoPReplay) */
#define SHMCB_SIZE "(16777216)"

static ap_socache_provider_t *provider;
static ap_socache_instance_t *store;
static apr_global_mutex_t *mutex;
static int warned;

int auth0_jwt_replay_pre_config(apr_pool_t *pconf)
{
    provider = NULL;
    store = NULL;
    mutex = NULL;
    warned = 0;
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS ? OK
                                                                                          : !OK;
}

static apr_status_t replay_cleanup(void *data)
{
    if (store && provider) {
        provider->destroy(store, data);
    }
    store = NULL;
    provider = NULL;
    mutex = NULL;
    return APR_SUCCESS;
}

int auth0_jwt_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec)
{
    struct ap_socache_hints hints = {64, 16, apr_time_from_sec(300)};
    char *name = apr_pstrdup(ptemp, spec ? spec : "shmcb"), *colon;
    const char *args = NULL, *err;
    apr_status_t rv;

    if ((colon = strchr(name, ':')) != NULL) {
        *colon = '\0';
        args = colon + 1;
    }
    if (strcmp(name, "shmcb") == 0) { /* never the key sets' own file */
        args = apr_pstrcat(ptemp, ap_runtime_dir_relative(ptemp, "auth0_jwt_dpop"), SHMCB_SIZE,
                           NULL);
    }
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (provider == NULL) {
        return OK; /* said by the key-set cache; DPoP proofs are refused (dpop_replay) */
    }
    apr_pool_cleanup_register(pconf, s, replay_cleanup, apr_pool_cleanup_null);
    err = provider->create(&store, args, ptemp, pconf);
    if (err == NULL) {
        rv = provider->init(store, "auth0-jwt-dpop", &hints, s, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "the DPoP replay store (%s) cannot start",
                         name);
            store = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    } else {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "the DPoP replay store (%s): %s", name, err);
        store = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = ap_global_mutex_create(&mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the %s mutex", MUTEX_TYPE);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void auth0_jwt_replay_child_init(apr_pool_t *p, server_rec *s)
{
    if (mutex &&
        apr_global_mutex_child_init(&mutex, apr_global_mutex_lockfile(mutex), p) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot attach to the %s mutex", MUTEX_TYPE);
        mutex = NULL;
    }
}

int auth0_jwt_replay_first(request_rec *r, const unsigned char id[32], apr_time_t expiry)
{
    unsigned char seen[1];
    unsigned int len = sizeof(seen);
    apr_status_t rv;
    int first;

    if (store == NULL || mutex == NULL) {
        if (!warned) {
            warned = 1;
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "Auth0DPoPReplay On needs a shared cache (load mod_socache_shmcb, or "
                          "set Auth0Cache): DPoP proofs are refused");
        }
        return -1;
    }
    if (apr_global_mutex_lock(mutex) != APR_SUCCESS) {
        return -1;
    }
    rv = provider->retrieve(store, r->server, id, 32, seen, &len, r->pool);
    first = rv == APR_NOTFOUND ? 1 : rv == APR_SUCCESS ? 0 : -1; /* an error: not taken */
    if (first == 1) {
        seen[0] = 1;
        rv = provider->store(store, r->server, id, 32, expiry, seen, 1, r->pool);
        if (rv != APR_SUCCESS) {
            first = -1; /* not recorded: it could be replayed, so it is not taken */
        }
    }
    apr_global_mutex_unlock(mutex);
    return first;
}
