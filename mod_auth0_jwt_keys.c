/*
 * mod_auth0_jwt_keys.c: where a request's keys come from.
 *
 * A key source is one place keys live: a JWKS file (Auth0JWKSFile) or a JWKS
 * URL. Sources are kept per process in a registry keyed by that place, so all
 * the scopes that name it share one parsed key set. A key set is parsed once
 * per version into its own pool and reference-counted: a request holds the set
 * it started with until it ends, while a refresh may swap in a new one.
 */
#include <string.h>

#include <httpd.h>
#include <http_log.h>
#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "mod_auth0_jwt.h"

#define DEFAULT_CACHE_TTL 600
#define DEFAULT_COOLDOWN  30

typedef struct {
    apr_pool_t *pool; /* unmanaged: destroyed when the last holder lets go */
    aj_jwks_t *jwks;
    apr_uint32_t refs;
} keyset;

typedef struct {
    const char *path;
    keyset *current;      /* NULL until a load succeeds */
    apr_time_t checked;   /* last look at the file */
    apr_time_t mtime;
    apr_off_t size;
    const char *last_error;
} source;

static apr_pool_t *registry_pool;
static apr_hash_t *registry;
#if APR_HAS_THREADS
static apr_thread_mutex_t *registry_lock;
#endif

static void lock(void)
{
#if APR_HAS_THREADS
    if (registry_lock) {
        apr_thread_mutex_lock(registry_lock);
    }
#endif
}

static void unlock(void)
{
#if APR_HAS_THREADS
    if (registry_lock) {
        apr_thread_mutex_unlock(registry_lock);
    }
#endif
}

static void keyset_release(keyset *ks)
{
    if (ks && apr_atomic_dec32(&ks->refs) == 0) {
        apr_pool_destroy(ks->pool);
    }
}

static apr_status_t keyset_cleanup(void *data)
{
    keyset_release(data);
    return APR_SUCCESS;
}

void auth0_jwt_keys_init(apr_pool_t *p, server_rec *s)
{
    registry_pool = p;
    registry = apr_hash_make(p);
#if APR_HAS_THREADS
    apr_thread_mutex_create(&registry_lock, APR_THREAD_MUTEX_DEFAULT, p);
#endif
}

/*
 * (Re)load a file source when the file changed since the last look. Runs
 * under the registry lock; failures keep the keys already loaded.
 */
static void file_load(source *src, server_rec *s)
{
    apr_pool_t *p;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_file_t *f;
    apr_size_t len;
    char *buf;
    const char *why = NULL;
    aj_jwks_t *jwks;
    keyset *ks, *old;

    src->checked = apr_time_now();
    rv = apr_stat(&fi, src->path, APR_FINFO_MTIME | APR_FINFO_SIZE, registry_pool);
    if (rv != APR_SUCCESS) {
        why = "cannot stat the key file";
    } else if (src->current && fi.mtime == src->mtime && fi.size == src->size) {
        return; /* unchanged */
    } else if (fi.size > (1 << 20)) {
        why = "key file larger than 1 MiB";
    }
    if (why == NULL) {
        apr_pool_create_unmanaged_ex(&p, NULL, NULL);
        buf = apr_palloc(p, (apr_size_t)fi.size + 1);
        rv = apr_file_open(&f, src->path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
        if (rv == APR_SUCCESS) {
            rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &len);
            apr_file_close(f);
        }
        jwks = rv == APR_SUCCESS ? aj_jwks_parse(p, buf, len, &why) : NULL;
        if (rv != APR_SUCCESS) {
            why = "cannot read the key file";
        } else if (jwks && jwks->keys->nelts == 0) {
            why = "the key file holds no usable key";
            jwks = NULL;
        }
        if (jwks == NULL) {
            apr_pool_destroy(p);
        } else {
            for (int i = 0; i < jwks->skipped->nelts; i++) {
                const aj_jwk_skip_t *sk = &APR_ARRAY_IDX(jwks->skipped, i, aj_jwk_skip_t);
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                             "key %d (kid %s) in %s skipped: %s", sk->index,
                             sk->kid ? sk->kid : "none", src->path, sk->why);
            }
            ks = apr_palloc(p, sizeof(*ks));
            ks->pool = p;
            ks->jwks = jwks;
            ks->refs = 1; /* the source's own reference */
            old = src->current;
            src->current = ks;
            src->mtime = fi.mtime;
            src->size = fi.size;
            src->last_error = NULL;
            keyset_release(old);
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "loaded %d key(s) from %s",
                         jwks->keys->nelts, src->path);
            return;
        }
    }
    if (src->last_error == NULL || strcmp(src->last_error, why) != 0) {
        ap_log_error(APLOG_MARK, src->current ? APLOG_WARNING : APLOG_ERR, 0, s,
                     "key file %s: %s%s", src->path, why,
                     src->current ? "; keeping the keys loaded before" : "");
    }
    src->last_error = why;
}

const aj_jwks_t *auth0_jwt_keys(request_rec *r, const auth0_jwt_dir_conf *c, int refresh,
                                const char **why)
{
    source *src;
    keyset *ks;
    apr_time_t now = apr_time_now(), wait;

    *why = NULL;
    if (c->jwks_file == NULL) {
        *why = "no key source configured (Auth0JWKSFile)";
        return NULL;
    }
    lock();
    src = apr_hash_get(registry, c->jwks_file, APR_HASH_KEY_STRING);
    if (src == NULL) {
        src = apr_pcalloc(registry_pool, sizeof(*src));
        src->path = apr_pstrdup(registry_pool, c->jwks_file);
        apr_hash_set(registry, src->path, APR_HASH_KEY_STRING, src);
    }
    wait = apr_time_from_sec(refresh ? auth0_jwt_conf_int(c->refresh_cooldown, DEFAULT_COOLDOWN)
                                     : auth0_jwt_conf_int(c->cache_ttl, DEFAULT_CACHE_TTL));
    if (src->current == NULL || now - src->checked >= wait) {
        file_load(src, r->server);
    }
    ks = src->current;
    if (ks) {
        apr_atomic_inc32(&ks->refs);
    } else {
        *why = src->last_error;
    }
    unlock();
    if (ks == NULL) {
        return NULL;
    }
    apr_pool_cleanup_register(r->pool, ks, keyset_cleanup, apr_pool_cleanup_null);
    return ks->jwks;
}
