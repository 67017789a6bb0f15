/*
 * mod_auth0_jwt_keys.h: key sources (mod_auth0_jwt_keys.c; docs/keys.md): the
 * keys of a request's scope, from a file or fetched over HTTPS, refreshed in
 * the background and shared between processes through mod_auth0_jwt_shared.c.
 */
#ifndef MOD_AUTH0_JWT_KEYS_H
#define MOD_AUTH0_JWT_KEYS_H

#include <httpd.h>

#include "aj_jwk.h"
#include "mod_auth0_jwt_config.h"

/*
 * The keys for a request's configuration, held until the request ends, or
 * NULL when none could ever be loaded (the caller answers 503). With
 * refresh set, first asks the source for a fresh copy (an unknown kid),
 * subject to its cooldown. *why explains a NULL. When tag is given, *tag
 * receives the source's 16-byte tag (a digest of its identity, below), which
 * names the source in a token's cache name, or stays as it was when no source
 * could be named.
 */
const aj_jwks_t *auth0_jwt_keys(request_rec *r, const auth0_jwt_dir_conf *c, int refresh,
                                const char **why, const unsigned char **tag);

/* auth0_jwt_keys sets *why to this when a scope's .htaccess would add one key
 * source too many: a configuration error (500), not a key outage (503). */
extern const char auth0_jwt_too_many_sources[];

/* Set up the process-wide key source registry (post_config). */
void auth0_jwt_keys_init(apr_pool_t *p, server_rec *s);

/* The same in a child, plus its key refresh thread (child_init). */
void auth0_jwt_keys_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * At start-up (post_config, in the parent): for every key source the server
 * configuration names, load the last good copy from disk and fetch a fresh
 * one, so children start with keys. Failures only warn.
 */
void auth0_jwt_keys_startup(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/*
 * A key source's identity: everything that decides which keys it yields. For a
 * URL, the URL, the CA file, the proxy and the fetch timings; for a file, its
 * path. Two scopes share fetched keys (in a process, in shared memory, in the
 * socache, on disk) only when their identities are equal, so no scope's trust
 * settings ever decide another's keys (docs/keys.md, "Key sources").
 */
const char *auth0_jwt_source_ident(apr_pool_t *p, const auth0_jwt_dir_conf *c, const char *location,
                                   int is_file);

/* A key source named by the server configuration (for the status page). */
typedef struct {
    const char *location; /* URL or file */
    const char *ident;    /* auth0_jwt_source_ident() */
    const char *ca_file;  /* NULL: the system store */
    const char *proxy;    /* NULL: none */
    int is_file;
    apr_interval_time_t ttl;       /* refreshed after this */
    apr_interval_time_t max_stale; /* and served this much longer while refreshes fail */
} auth0_jwt_source_info;

const apr_array_header_t *auth0_jwt_configured_sources(void);

#endif
