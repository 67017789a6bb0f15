/*
 * mod_auth0_jwt.h: what the httpd glue files share with each other.
 * Nothing in src/ includes this file.
 */
#ifndef MOD_AUTH0_JWT_H
#define MOD_AUTH0_JWT_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "aj_jwk.h"
#include "aj_token.h"

#define AUTH0_JWT_VERSION "0.1.0"

extern module AP_MODULE_DECLARE_DATA auth0_jwt_module;

/* mod_auth0_jwt.c gets this from AP_DECLARE_MODULE itself. */
#if defined(APLOG_USE_MODULE) && !defined(AUTH0_JWT_MODULE_FILE)
APLOG_USE_MODULE(auth0_jwt);
#endif

/* ---- configuration (mod_auth0_jwt_config.c) ------------------------------- */

#define AJ_UNSET (-1)

enum { AJ_PASS_NONE = 0, AJ_PASS_ENV = 1, AJ_PASS_HEADERS = 2, AJ_PASS_BOTH = 3 };
enum { AJ_ACCEPT_HEADER = 1, AJ_ACCEPT_QUERY = 2, AJ_ACCEPT_COOKIE = 4 };

/* Per-directory settings; every field may be unset (NULL, 0 or AJ_UNSET) and
 * then inherits from the enclosing scope, directive by directive. */
typedef struct {
    const char *domain;
    apr_array_header_t *audiences; /* const char * */
    const char *issuer;
    const char *jwks_uri;
    const char *jwks_file; /* absolute path */
    unsigned int algs;     /* AJ_ALG_BIT()s; 0 = unset */
    aj_jwks_t *secrets;    /* the Auth0SigningSecretFile key, as a one-key set */
    int skew;
    int cache_ttl;
    int refresh_cooldown;
    int max_stale;
    int timeout;
    const char *ca_file;
    const char *proxy;
    int token_cache_size;
    int accept; /* AJ_ACCEPT_* bits; 0 = unset */
    const char *cookie_name;
    const char *user_claim;
    int pass_claims;
    int cors_preflight;
    int auth_type_auth0; /* this scope said AuthType Auth0 (1) or another (0) */
    int htaccess_keys;   /* an .htaccess here or above set what decides the key source */
} auth0_jwt_dir_conf;

typedef struct {
    const char *cache; /* Auth0Cache provider[:args] */
} auth0_jwt_srv_conf;

extern const command_rec auth0_jwt_cmds[];
void *auth0_jwt_create_dir_conf(apr_pool_t *p, char *dir);
void *auth0_jwt_merge_dir_conf(apr_pool_t *p, void *base, void *add);
void *auth0_jwt_create_srv_conf(apr_pool_t *p, server_rec *s);
void *auth0_jwt_merge_srv_conf(apr_pool_t *p, void *base, void *add);

/* What an .htaccess may ask of the server (key hosts, key sources): reset before
 * the configuration is read, defaults completed once the server's own key
 * sources are known, a per-process tally made in each child. */
void auth0_jwt_htaccess_pre_config(void);
void auth0_jwt_htaccess_post_config(apr_pool_t *pconf);

/* Auth0HtaccessKeySources: how many key sources .htaccess files may add to a process. */
int auth0_jwt_htaccess_sources_max(void);

/* auth0_jwt_keys sets *why to this when a scope's .htaccess would add one key
 * source too many: a configuration error (500), not a key outage (503). */
extern const char auth0_jwt_too_many_sources[];

/* Effective values: the directive, else the default of spec section 1. */
const char *auth0_jwt_issuer(const auth0_jwt_dir_conf *c, apr_pool_t *p);
const char *auth0_jwt_jwks_uri(const auth0_jwt_dir_conf *c, apr_pool_t *p);
int auth0_jwt_conf_int(int value, int dflt);

/* ---- key sources (mod_auth0_jwt_keys.c) ----------------------------------- */

/*
 * The keys for a request's configuration, held until the request ends, or
 * NULL when none could ever be loaded (the caller answers 503). With
 * refresh set, first asks the source for a fresh copy (an unknown kid),
 * subject to its cooldown. *why explains a NULL.
 */
const aj_jwks_t *auth0_jwt_keys(request_rec *r, const auth0_jwt_dir_conf *c, int refresh,
                                const char **why);

/* Set up the process-wide key source registry (post_config). */
void auth0_jwt_keys_init(apr_pool_t *p, server_rec *s);

/* The same in a child, plus its key refresh thread (child_init). */
void auth0_jwt_keys_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * At start-up (post_config, in the parent): for every JWKS URL the server
 * configuration names, load the last good copy from disk and fetch a fresh one,
 * so children start with keys. Failures only warn.
 */
void auth0_jwt_keys_startup(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/*
 * A key source's identity: everything that decides which keys it yields. For a
 * URL, the URL, the CA file, the proxy and the fetch timeout; for a file, its
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
    apr_interval_time_t ttl;
} auth0_jwt_source_info;

const apr_array_header_t *auth0_jwt_configured_sources(void);

/* ---- counters and the status page (mod_auth0_jwt_status.c) ---------------- */

void auth0_jwt_count(aj_reason_e outcome); /* AJ_OK counts an accepted token */
void auth0_jwt_count_cache(int hit, unsigned int entries);
int auth0_jwt_counters_post_config(apr_pool_t *pconf, server_rec *s);
void auth0_jwt_counters_child_init(apr_pool_t *pchild, unsigned int cache_capacity);
int auth0_jwt_status_handler(request_rec *r);
void auth0_jwt_status_register(void);

/* ---- shared state of fetched key sets (mod_auth0_jwt_shared.c) ----------- */

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

/*
 * Read a regular file of at most max bytes into p, NUL-terminated: never
 * blocking on a FIFO or device (an .htaccess may name one), and with nofollow
 * never through a link. APR_EINVAL for anything but a regular file, EFBIG when
 * larger than max, else the system's error. mtime may be NULL.
 */
apr_status_t auth0_jwt_read_file(char **buf, apr_size_t *len, apr_time_t *mtime, apr_pool_t *p,
                                 const char *path, apr_size_t max, int nofollow);

/* ---- per-request state (mod_auth0_jwt.c) ---------------------------------- */

typedef enum {
    AJ_STATE_UNSEEN = 0,   /* not looked at yet */
    AJ_STATE_NO_TOKEN,     /* no bearer token anywhere allowed */
    AJ_STATE_INVALID,      /* a token, refused: reason says why */
    AJ_STATE_VALID,        /* a verified token: token holds it */
    AJ_STATE_UNAVAILABLE,  /* no keys could be loaded: 503 */
    AJ_STATE_PREFLIGHT,    /* a CORS preflight: no token asked for */
    AJ_STATE_MISCONFIGURED /* the scope lacks an audience, issuer or key source: 500 */
} auth0_jwt_state_e;

typedef struct {
    auth0_jwt_state_e state;
    aj_reason_e reason;
    const char *raw; /* the token as sent (never logged), and its length */
    apr_size_t raw_len;
    int authorized; /* authorization passed (a later 403 is not ours) */
    aj_token_t token;
    const char *required_scope; /* scopes a denying auth0-scope provider wanted */
    aj_reason_e denial;         /* AJ_OK, or why the first auth0-* provider denied */
    int granted;                /* an auth0-* line under <RequireNone> matched (so it denies) */
    int challenged;             /* error headers set early (see auth0_jwt_challenge) */
} auth0_jwt_req;

/* The request's state, created on first use. */
auth0_jwt_req *auth0_jwt_req_get(request_rec *r);

/*
 * Put the RFC 6750 headers for answering r with status (401, 403 or 503) into
 * r->err_headers_out, from the request's state. Called when the decision is
 * made, so an ErrorDocument that redirects keeps them; a 403 challenge set by
 * a denying provider is taken back if the request is authorized after all.
 */
void auth0_jwt_challenge(request_rec *r, int status);

/* ---- authorization providers (mod_auth0_jwt_authz.c) ---------------------- */

void auth0_jwt_register_authz(apr_pool_t *p);

/* ---- responses and handlers ------------------------------------------------ */

/*
 * Send a complete JSON response with the given status (headers included,
 * Content-Length set so HEAD works) and return OK for a handler to return.
 */
int auth0_jwt_send_json(request_rec *r, int status, const char *json);

/* The auth0-demo content handler (mod_auth0_jwt_demo.c). */
int auth0_jwt_demo_handler(request_rec *r);

#endif
