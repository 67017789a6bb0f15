/*
 * mod_auth0_jwt_shared.h: what every process of one server, and every server
 * of a fleet, shares about fetched key sets (mod_auth0_jwt_shared.c). The
 * layouts of its shared memory and socache records are in
 * mod_auth0_jwt_shared_layout.h, for the files that read or write them.
 */
#ifndef MOD_AUTH0_JWT_SHARED_H
#define MOD_AUTH0_JWT_SHARED_H

#include <httpd.h>

/* The record layouts (mod_auth0_jwt_shared_layout.h), for the files that use them. */
typedef struct auth0_jwt_slot auth0_jwt_slot;
typedef struct auth0_jwt_rec auth0_jwt_rec;

int auth0_jwt_shared_pre_config(apr_pool_t *pconf);
int auth0_jwt_shared_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec);
void auth0_jwt_shared_child_init(apr_pool_t *p, server_rec *s);
const char *auth0_jwt_shared_cache_name(void);
int auth0_jwt_shared_is_fleet(void); /* redis or memcache: other servers share records */
void auth0_jwt_shared_startup(server_rec *s, apr_pool_t *ptemp, int begin);
/* Every call names a key source by its identity (auth0_jwt_source_ident); url
 * is only for messages. */
auth0_jwt_slot *auth0_jwt_shared_slot(const char *ident);
auth0_jwt_rec *auth0_jwt_shared_get(server_rec *s, const char *ident, apr_pool_t *p);
apr_status_t auth0_jwt_shared_put(server_rec *s, const char *ident, const char *url,
                                  const auth0_jwt_rec *head, const char *body, apr_time_t expiry,
                                  apr_pool_t *p);
void auth0_jwt_persist_save(server_rec *s, const char *ident, const char *url, const char *body,
                            apr_size_t len, apr_pool_t *p);
/* The 32 hex digits naming a key source everywhere (socache key, saved file,
 * the status page's "id"); NULL if OpenSSL failed. */
const char *auth0_jwt_source_id_hex(apr_pool_t *p, const char *ident);

/* Fetch counts of a URL source: kept across graceful restarts, never going
 * down while httpd runs; 0 for a source not fetched yet. auth0_jwt_shared_fetches
 * returns 0 when the source's fetches are not counted (the table of 64
 * sources is full, or there is none): its 0s mean nothing. */
void auth0_jwt_shared_count_fetch(const char *ident, int ok);
int auth0_jwt_shared_fetches(const char *ident, apr_uint64_t *ok, apr_uint64_t *failed);
char *auth0_jwt_persist_load(const char *ident, apr_size_t *len, apr_time_t *mtime, apr_pool_t *p);

#endif
