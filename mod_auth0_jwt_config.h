/*
 * mod_auth0_jwt_config.h: the directives' settings (mod_auth0_jwt_config.c).
 * That file owns every default: other files read a setting through the
 * accessors below, never a field and a fallback of their own.
 */
#ifndef MOD_AUTH0_JWT_CONFIG_H
#define MOD_AUTH0_JWT_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#include "aj_jwk.h"

#define AUTH0_JWT_UNSET (-1)

enum {
    AUTH0_JWT_PASS_NONE = 0,
    AUTH0_JWT_PASS_ENV = 1,
    AUTH0_JWT_PASS_HEADERS = 2,
    AUTH0_JWT_PASS_BOTH = 3
};
enum { AUTH0_JWT_ACCEPT_HEADER = 1, AUTH0_JWT_ACCEPT_QUERY = 2, AUTH0_JWT_ACCEPT_COOKIE = 4 };
/* both read from "Off|Allowed|Required" by one parser: keep the values 0, 1, 2 */
enum { AUTH0_JWT_DPOP_OFF = 0, AUTH0_JWT_DPOP_ALLOWED = 1, AUTH0_JWT_DPOP_REQUIRED = 2 };
enum { AUTH0_JWT_JWE_OFF = 0, AUTH0_JWT_JWE_ALLOWED = 1, AUTH0_JWT_JWE_REQUIRED = 2 };

/* Per-directory settings; every field may be unset (NULL, 0 or AUTH0_JWT_UNSET)
 * and then inherits from the enclosing scope, directive by directive. */
typedef struct {
    const char *domain;
    const char *domain_issuer;   /* https://DOMAIN/, made with domain */
    const char *domain_jwks_uri; /* https://DOMAIN/.well-known/jwks.json, made with domain */
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
    int accept; /* AUTH0_JWT_ACCEPT_* bits; 0 = unset */
    const char *cookie_name;
    const char *user_claim;
    int pass_claims;
    int cors_preflight;
    int dpop;              /* AUTH0_JWT_DPOP_* */
    unsigned int dpop_algs; /* AJ_ALG_BIT()s for proofs; 0 = unset */
    int dpop_lifetime;
    int dpop_replay;
    const char *dpop_url; /* scheme://host[:port], normalized; NULL: from the request */
    int token_encryption; /* AUTH0_JWT_JWE_* */
    int htaccess_auth;    /* the AuthType in force here came from an .htaccess (1) or not (0) */
    int auth_type_auth0;  /* this scope said AuthType Auth0 (1) or another (0) */
    int htaccess_keys;   /* an .htaccess here or above set what decides the key source */
} auth0_jwt_dir_conf;

typedef struct {
    const char *cache; /* Auth0Cache provider[:args] */
    unsigned int replay_capacity; /* Auth0DPoPReplayCapacity; 0 = unset */
    int tcache_shared;              /* Auth0TokenCacheShared: 0 unset, 1 On, 2 Off */
    apr_size_t tcache_shared_bytes; /* its size argument; 0 = from Auth0TokenCacheSize */
    apr_array_header_t *jwe_keys;      /* aj_jwe_key_t: Auth0DecryptionKeyFile; NULL = unset */
    apr_array_header_t *jwe_key_files; /* const char *: their paths, checked at start-up */
    unsigned char *jwe_keys_id;        /* 32 bytes: SHA-256 over the keys' public halves, kids */
} auth0_jwt_srv_conf;

extern const command_rec auth0_jwt_cmds[];
void *auth0_jwt_create_dir_conf(apr_pool_t *p, char *dir);
void *auth0_jwt_merge_dir_conf(apr_pool_t *p, void *base, void *add);
void *auth0_jwt_create_srv_conf(apr_pool_t *p, server_rec *s);
void *auth0_jwt_merge_srv_conf(apr_pool_t *p, void *base, void *add);

/*
 * Around the reading of the configuration: pre_config forgets the last
 * reading's state; check_config reports scopes that cannot work (AuthType
 * Auth0 without an audience, an issuer or a key source), which configtest
 * shows; post_config logs the warnings the directives collected (so that those
 * read inside a <VirtualHost> are seen too) and completes the defaults of what
 * an .htaccess may ask of the server (key hosts, key sources).
 */
void auth0_jwt_config_pre_config(void);
void auth0_jwt_config_check(apr_pool_t *ptemp, server_rec *s);
void auth0_jwt_config_post_config(apr_pool_t *pconf, server_rec *s);

/* Auth0HtaccessKeySources: how many key sources .htaccess files may add to a process. */
int auth0_jwt_htaccess_sources_max(void);

/* Why a scope with AuthType Auth0 cannot check tokens (no audience, issuer or
 * key source), or NULL when it can. */
const char *auth0_jwt_missing_setting(const auth0_jwt_dir_conf *c);

/* ---- effective values: the directive's, else its default (docs/directives.md) ---- */
const char *auth0_jwt_issuer(const auth0_jwt_dir_conf *c);
const char *auth0_jwt_jwks_uri(const auth0_jwt_dir_conf *c);
unsigned int auth0_jwt_algs(const auth0_jwt_dir_conf *c);
int auth0_jwt_skew(const auth0_jwt_dir_conf *c);             /* seconds */
int auth0_jwt_cache_ttl(const auth0_jwt_dir_conf *c);        /* seconds */
int auth0_jwt_refresh_cooldown(const auth0_jwt_dir_conf *c); /* seconds */
int auth0_jwt_max_stale(const auth0_jwt_dir_conf *c);        /* seconds */
int auth0_jwt_timeout(const auth0_jwt_dir_conf *c);          /* seconds */
int auth0_jwt_token_cache_size(const auth0_jwt_dir_conf *c); /* c may be NULL */
int auth0_jwt_accept(const auth0_jwt_dir_conf *c);           /* AUTH0_JWT_ACCEPT_* bits */
const char *auth0_jwt_user_claim(const auth0_jwt_dir_conf *c);
int auth0_jwt_pass_claims(const auth0_jwt_dir_conf *c); /* AUTH0_JWT_PASS_* */
int auth0_jwt_cors_preflight(const auth0_jwt_dir_conf *c);
int auth0_jwt_dpop(const auth0_jwt_dir_conf *c);                /* AUTH0_JWT_DPOP_* */
unsigned int auth0_jwt_dpop_algs(const auth0_jwt_dir_conf *c);  /* AJ_ALG_BIT()s */
int auth0_jwt_dpop_lifetime(const auth0_jwt_dir_conf *c);       /* seconds */
int auth0_jwt_dpop_replay(const auth0_jwt_dir_conf *c);         /* on (1) or off (0) */
unsigned int auth0_jwt_replay_capacity(const auth0_jwt_srv_conf *sc); /* proofs */
/* Auth0TokenCacheShared: 1 On, 0 Off; unset: On where child processes serve one
 * request at a time (prefork), Off elsewhere. */
int auth0_jwt_tcache_shared(const auth0_jwt_srv_conf *sc, int threaded);
/* Its size in bytes: as given, or AUTH0_JWT_TCACHE_ENTRY_BYTES per entry of
 * the server-wide Auth0TokenCacheSize (at least 1 MiB, at most 256 MiB). */
apr_size_t auth0_jwt_tcache_shared_bytes(const auth0_jwt_srv_conf *sc, int cache_size);
/* AUTH0_JWT_JWE_*: by default Allowed when the server has a decryption key, else Off */
int auth0_jwt_token_encryption(const auth0_jwt_dir_conf *c, const auth0_jwt_srv_conf *sc);

#endif
