/*
 * mod_auth0_jwt_shared.h: what every process of one server, and every server
 * of a fleet, shares about fetched key sets (mod_auth0_jwt_shared.c). The
 * layouts below are those of shared memory and of socache records: only the
 * files that read or write them include this header (keys, status).
 */
#ifndef MOD_AUTH0_JWT_SHARED_H
#define MOD_AUTH0_JWT_SHARED_H

#include <httpd.h>

/* One per key source, in shared memory: every process of the server sees it. */
typedef struct {
    volatile apr_uint64_t lease;      /* apr_time_t until which a refresh runs; 0: none */
    volatile apr_uint32_t used;       /* 0 free, 1 being claimed, 2 in use */
    volatile apr_uint32_t generation; /* bumped whenever a new key set is stored */
    volatile apr_uint32_t fetch_ok;
    volatile apr_uint32_t fetch_failed;
    volatile apr_uint32_t unshared; /* bumped when a fetched set could not be stored */
    unsigned char id[16];
} auth0_jwt_slot;

/* The socache record of one key source; body_len bytes of JWKS follow it. */
typedef struct {
    apr_uint32_t magic;
    apr_uint32_t body_len;
    apr_time_t fetched_at;   /* when the body was fetched; 0: never */
    apr_time_t last_attempt; /* last fetch attempt */
    apr_time_t last_forced;  /* last refresh forced by an unknown kid */
    apr_uint32_t failures;   /* fetches failed since the last success */
    apr_uint32_t err;        /* aj_fetch_err_e of the last failure */
    char detail[200];        /* its description */
} auth0_jwt_rec;

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
char *auth0_jwt_persist_load(const char *ident, apr_size_t *len, apr_time_t *mtime, apr_pool_t *p);

#endif
