/*
 * mod_auth0_jwt_config.c: the directives (docs/directives.md). Every value is
 * checked here, at configuration time, so a wrong one stops configtest with a
 * message that names the directive and what it accepts.
 */
#include <errno.h>
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_core.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/x509.h>

#include "aj_alg.h"
#include "aj_dpop.h"
#include "aj_fetch.h"
#include "aj_jwe.h"
#include "aj_replay.h"
#include "mod_auth0_jwt_config.h"
#include "mod_auth0_jwt_file.h"

/* ---- defaults (docs/directives.md gives each with its directive) ------------ */

#define DFLT_SKEW        5     /* Auth0ClockSkew */
#define DFLT_TTL         600   /* Auth0JWKSCacheTTL */
#define DFLT_COOLDOWN    30    /* Auth0JWKSRefreshCooldown */
#define DFLT_MAX_STALE   86400 /* Auth0JWKSMaxStale */
#define DFLT_TIMEOUT     5     /* Auth0JWKSTimeout */
#define DFLT_TOKEN_CACHE 10000 /* Auth0TokenCacheSize */
#define DFLT_USER_CLAIM  "sub" /* Auth0RemoteUserClaim */
#define DFLT_ACCEPT      AUTH0_JWT_ACCEPT_HEADER /* Auth0AcceptToken */
#define DFLT_PASS_CLAIMS AUTH0_JWT_PASS_ENV      /* Auth0PassClaims */
#define DFLT_CORS        1                       /* Auth0CORSPreflight */
#define DFLT_ALGS        AJ_ALGS_DEFAULT         /* Auth0Algorithms: RS256 */
#define DFLT_HTACCESS_SOURCES 16                 /* Auth0HtaccessKeySources */
#define DFLT_DPOP           AUTH0_JWT_DPOP_ALLOWED  /* Auth0DPoP: Allowed */
#define DFLT_DPOP_ALGS      AJ_ALG_BIT(AJ_ALG_ES256)    /* Auth0DPoPAlgorithms: ES256 */
#define DFLT_DPOP_LIFETIME  300                     /* Auth0DPoPProofLifetime */
#define DFLT_DPOP_REPLAY    1                       /* Auth0DPoPReplay */
#define DFLT_REPLAY_CAPACITY 524288 /* Auth0DPoPReplayCapacity (8 bytes each) */
#define DFLT_TCACHE_SHARED_ENTRY 1024 /* Auth0TokenCacheShared (bytes per entry of the size) */
#define TCACHE_SHARED_MIN ((apr_size_t)1 << 20)
#define TCACHE_SHARED_MAX ((apr_size_t)256 << 20)
#define HTACCESS_MAX_TIMEOUT     15 /* Auth0JWKSTimeout in an .htaccess, at most */

void *auth0_jwt_create_dir_conf(apr_pool_t *p, char *dir)
{
    auth0_jwt_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->skew = c->cache_ttl = c->refresh_cooldown = c->max_stale = c->timeout = AUTH0_JWT_UNSET;
    c->token_cache_size = c->pass_claims = c->cors_preflight = c->auth_type_auth0 = AUTH0_JWT_UNSET;
    c->dpop = c->dpop_lifetime = c->dpop_replay = c->token_encryption = AUTH0_JWT_UNSET;
    c->htaccess_auth = AUTH0_JWT_UNSET;
    return c;
}

#define PICK_PTR(f) m->f = add->f ? add->f : base->f
#define PICK_INT(f) m->f = add->f != AUTH0_JWT_UNSET ? add->f : base->f

void *auth0_jwt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    auth0_jwt_dir_conf *base = basev, *add = addv, *m = apr_pcalloc(p, sizeof(*m));

    PICK_PTR(domain);
    /* the strings made from a domain go with it */
    m->domain_issuer = add->domain ? add->domain_issuer : base->domain_issuer;
    m->domain_jwks_uri = add->domain ? add->domain_jwks_uri : base->domain_jwks_uri;
    PICK_PTR(audiences);
    PICK_PTR(issuer);
    PICK_PTR(jwks_uri);
    PICK_PTR(jwks_file);
    PICK_PTR(secrets);
    PICK_PTR(ca_file);
    PICK_PTR(proxy);
    PICK_PTR(user_claim);
    PICK_INT(skew);
    PICK_INT(cache_ttl);
    PICK_INT(refresh_cooldown);
    PICK_INT(max_stale);
    PICK_INT(timeout);
    PICK_INT(token_cache_size);
    PICK_INT(pass_claims);
    PICK_INT(cors_preflight);
    PICK_INT(auth_type_auth0);
    PICK_INT(dpop);
    PICK_INT(dpop_lifetime);
    PICK_INT(dpop_replay);
    PICK_INT(token_encryption);
    PICK_INT(htaccess_auth);
    PICK_PTR(dpop_url);
    m->dpop_algs = add->dpop_algs ? add->dpop_algs : base->dpop_algs;
    m->htaccess_keys = add->htaccess_keys || base->htaccess_keys;
    m->algs = add->algs ? add->algs : base->algs;
    if (add->accept) {
        m->accept = add->accept;
        m->cookie_name = add->cookie_name;
    } else {
        m->accept = base->accept;
        m->cookie_name = base->cookie_name;
    }
    return m;
}

void *auth0_jwt_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    return apr_pcalloc(p, sizeof(auth0_jwt_srv_conf));
}

void *auth0_jwt_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    auth0_jwt_srv_conf *base = basev, *add = addv, *m = apr_pcalloc(p, sizeof(*m));
    m->cache = add->cache ? add->cache : base->cache;
    m->replay_capacity = add->replay_capacity ? add->replay_capacity : base->replay_capacity;
    m->tcache_shared = add->tcache_shared ? add->tcache_shared : base->tcache_shared;
    m->tcache_shared_bytes =
        add->tcache_shared_bytes ? add->tcache_shared_bytes : base->tcache_shared_bytes;
    /* a virtual host's decryption keys replace the main server's, never add to them */
    m->jwe_keys = add->jwe_keys ? add->jwe_keys : base->jwe_keys;
    m->jwe_key_files = add->jwe_keys ? add->jwe_key_files : base->jwe_key_files;
    m->jwe_keys_id = add->jwe_keys ? add->jwe_keys_id : base->jwe_keys_id;
    return m;
}

static int conf_int(int value, int dflt)
{
    return value == AUTH0_JWT_UNSET ? dflt : value;
}

unsigned int auth0_jwt_algs(const auth0_jwt_dir_conf *c)
{
    return c->algs ? c->algs : DFLT_ALGS;
}

int auth0_jwt_skew(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->skew, DFLT_SKEW);
}

int auth0_jwt_cache_ttl(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->cache_ttl, DFLT_TTL);
}

int auth0_jwt_refresh_cooldown(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->refresh_cooldown, DFLT_COOLDOWN);
}

int auth0_jwt_max_stale(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->max_stale, DFLT_MAX_STALE);
}

int auth0_jwt_timeout(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->timeout, DFLT_TIMEOUT);
}

int auth0_jwt_token_cache_size(const auth0_jwt_dir_conf *c)
{
    return conf_int(c ? c->token_cache_size : AUTH0_JWT_UNSET, DFLT_TOKEN_CACHE);
}

int auth0_jwt_accept(const auth0_jwt_dir_conf *c)
{
    return c->accept ? c->accept : DFLT_ACCEPT;
}

const char *auth0_jwt_user_claim(const auth0_jwt_dir_conf *c)
{
    return c->user_claim ? c->user_claim : DFLT_USER_CLAIM;
}

int auth0_jwt_pass_claims(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->pass_claims, DFLT_PASS_CLAIMS);
}

int auth0_jwt_cors_preflight(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->cors_preflight, DFLT_CORS);
}

int auth0_jwt_dpop(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->dpop, DFLT_DPOP);
}

unsigned int auth0_jwt_dpop_algs(const auth0_jwt_dir_conf *c)
{
    return c->dpop_algs ? c->dpop_algs : DFLT_DPOP_ALGS;
}

int auth0_jwt_dpop_lifetime(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->dpop_lifetime, DFLT_DPOP_LIFETIME);
}

int auth0_jwt_token_encryption(const auth0_jwt_dir_conf *c, const auth0_jwt_srv_conf *sc)
{
    if (c->htaccess_auth == 1) {
        /* a scope an .htaccess author made never decrypts with the server's key:
         * its scripts would read what the encryption keeps from clients */
        return c->token_encryption == AUTH0_JWT_JWE_REQUIRED ? AUTH0_JWT_JWE_REQUIRED
                                                             : AUTH0_JWT_JWE_OFF;
    }
    if (c->token_encryption != AUTH0_JWT_UNSET) {
        return c->token_encryption;
    }
    return sc->jwe_keys && sc->jwe_keys->nelts > 0 ? AUTH0_JWT_JWE_ALLOWED : AUTH0_JWT_JWE_OFF;
}

int auth0_jwt_tcache_shared(const auth0_jwt_srv_conf *sc, int threaded)
{
    return sc->tcache_shared ? sc->tcache_shared == 1 : !threaded;
}

apr_size_t auth0_jwt_tcache_shared_bytes(const auth0_jwt_srv_conf *sc, int cache_size)
{
    apr_size_t n = (apr_size_t)(cache_size > 0 ? cache_size : 0) * DFLT_TCACHE_SHARED_ENTRY;

    if (sc->tcache_shared_bytes) {
        return sc->tcache_shared_bytes;
    }
    return n < TCACHE_SHARED_MIN ? TCACHE_SHARED_MIN : n > TCACHE_SHARED_MAX ? TCACHE_SHARED_MAX : n;
}

unsigned int auth0_jwt_replay_capacity(const auth0_jwt_srv_conf *sc)
{
    return sc->replay_capacity ? sc->replay_capacity : DFLT_REPLAY_CAPACITY;
}

int auth0_jwt_dpop_replay(const auth0_jwt_dir_conf *c)
{
    return conf_int(c->dpop_replay, DFLT_DPOP_REPLAY);
}

const char *auth0_jwt_issuer(const auth0_jwt_dir_conf *c)
{
    return c->issuer ? c->issuer : c->domain_issuer;
}

const char *auth0_jwt_jwks_uri(const auth0_jwt_dir_conf *c)
{
    return c->jwks_uri ? c->jwks_uri : c->domain_jwks_uri;
}

/* What a scope with AuthType Auth0 cannot do without, or NULL when complete. */
const char *auth0_jwt_missing_setting(const auth0_jwt_dir_conf *c)
{
    unsigned int algs = auth0_jwt_algs(c);

    if (c->audiences == NULL) {
        return "Auth0Audience";
    }
    if (auth0_jwt_issuer(c) == NULL) {
        return "Auth0Domain or Auth0Issuer";
    }
    if ((algs & ~AJ_ALGS_HMAC) && c->jwks_file == NULL && auth0_jwt_jwks_uri(c) == NULL) {
        return "Auth0Domain, Auth0JWKSURI or Auth0JWKSFile";
    }
    if ((algs & AJ_ALGS_HMAC) && !(algs & ~AJ_ALGS_HMAC) && c->secrets == NULL) {
        return "Auth0SigningSecretFile (only HS* algorithms are allowed)";
    }
    return NULL;
}

/* ---- value checks ---------------------------------------------------------- */

/* host[:port]: a DNS name or IPv4 address, an optional port 1-65535, nothing else. */
static int valid_authority(const char *s)
{
    const char *colon = strrchr(s, ':');
    size_t hostlen = colon ? (size_t)(colon - s) : strlen(s);

    if (hostlen == 0 || hostlen > 253) {
        return 0;
    }
    for (size_t i = 0; i < hostlen; i++) {
        if (!apr_isalnum(s[i]) && s[i] != '-' && s[i] != '.') {
            return 0;
        }
    }
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
            return 0;
        }
    }
    return 1;
}

static const char *seconds(cmd_parms *cmd, int *out, const char *arg, int min)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < min || v > 31536000) {
        return apr_psprintf(cmd->pool, "%s takes a whole number of seconds from %d to 31536000",
                            cmd->cmd->name, min);
    }
    *out = (int)v;
    return NULL;
}

/*
 * Warnings found while the configuration is read wait here and are logged by
 * check_config for the main server: while a <VirtualHost>'s directives are
 * read, its log level is not set yet, and a warning logged for it is lost.
 */
static apr_array_header_t *pending; /* const char *, in pconf */

static void warn_later(cmd_parms *cmd, const char *text)
{
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_RUN_MPM) {
        return; /* .htaccess, read at every request: warned at start-up or never */
    }
    if (pending == NULL) {
        pending = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(pending, const char *) =
        apr_psprintf(cmd->pool, "%s (%s:%d)", text,
                     cmd->directive->filename ? cmd->directive->filename : "?",
                     cmd->directive->line_num);
}

static void warn_unwise(cmd_parms *cmd, int value, const char *why)
{
    warn_later(cmd, apr_psprintf(cmd->temp_pool, "%s %d: %s; honoured as set", cmd->cmd->name,
                                 value, why));
}

/* ---- what an .htaccess may ask of the server ------------------------------ */

/*
 * Under AllowOverride AuthConfig an .htaccess author is not the administrator:
 * the key hosts they may name, how many key sources their files may add to a
 * process and how long a fetch of theirs may hold it are the server's to decide
 * (docs/directives.md, "What an .htaccess may set").
 */

static apr_array_header_t *key_hosts; /* Auth0HtaccessKeyHosts, or the default */
static int key_hosts_given;
static apr_array_header_t *named_hosts; /* key hosts the server configuration names */
static int htaccess_sources_max = DFLT_HTACCESS_SOURCES;

/* An .htaccess file, not the server configuration, is being read. */
static int in_htaccess(const cmd_parms *cmd)
{
    return !(cmd->override & (ACCESS_CONF | RSRC_CONF));
}

static int host_allowed(const char *host)
{
    for (int i = 0; key_hosts && i < key_hosts->nelts; i++) {
        const char *pat = APR_ARRAY_IDX(key_hosts, i, const char *);
        size_t hl = strlen(host), pl = strlen(pat);
        if (pat[0] == '*' ? hl > pl - 1 && strcasecmp(host + hl - (pl - 1), pat + 1) == 0
                          : strcasecmp(host, pat) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * For a directive that decides a key source (where keys come from, or how
 * long they serve): read from an .htaccess, it marks the scope (so that each
 * process bounds the key sources such scopes add: auth0_jwt_keys), and url's
 * host must be allowed. An error text, or NULL.
 */
static const char *htaccess_source(cmd_parms *cmd, void *dc, const char *url)
{
    const char *host;
    apr_port_t port;
    int is_ip;

    if (!in_htaccess(cmd)) {
        if (url && aj_fetch_url_host(cmd->pool, url, &host, &port, &is_ip) == 0 && !is_ip &&
            strcasecmp(host, "localhost") != 0) { /* never an address or localhost */
            if (named_hosts == NULL) {
                named_hosts = apr_array_make(cmd->pool, 4, sizeof(const char *));
            }
            APR_ARRAY_PUSH(named_hosts, const char *) = host;
        }
        return NULL;
    }
    ((auth0_jwt_dir_conf *)dc)->htaccess_keys = 1;
    if (url && aj_fetch_url_host(cmd->temp_pool, url, &host, &port, &is_ip) == 0 &&
        !host_allowed(host)) {
        return apr_psprintf(cmd->pool,
                            "%s: key host %s may not be named in .htaccess (the server "
                            "configuration allows it with Auth0HtaccessKeyHosts)",
                            cmd->cmd->name, host);
    }
    return NULL;
}

int auth0_jwt_htaccess_sources_max(void)
{
    return htaccess_sources_max;
}

static const char *set_htaccess_hosts(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err) {
        return err;
    }
    key_hosts = apr_array_make(cmd->pool, argc, sizeof(const char *));
    key_hosts_given = 1;
    for (int i = 0; i < argc; i++) {
        const char *p = argv[i];
        if (strcasecmp(p, "none") == 0 && argc == 1) {
            return NULL;
        }
        if (!valid_authority(p[0] == '*' && p[1] == '.' ? p + 2 : p) || strchr(p, ':')) {
            return apr_psprintf(cmd->pool,
                                "Auth0HtaccessKeyHosts takes host names or *.domain patterns "
                                "(no port), or none: '%s'",
                                p);
        }
        APR_ARRAY_PUSH(key_hosts, const char *) = p;
    }
    return NULL;
}

static const char *set_htaccess_sources(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long v = strtol(arg, &end, 10);

    if (err) {
        return err;
    }
    if (*arg == '\0' || *end != '\0' || v < 0 || v > 1000) {
        return "Auth0HtaccessKeySources takes a whole number from 0 to 1000";
    }
    htaccess_sources_max = (int)v;
    return NULL;
}

void auth0_jwt_config_pre_config(void)
{
    key_hosts = named_hosts = NULL;
    key_hosts_given = 0;
    htaccess_sources_max = DFLT_HTACCESS_SOURCES;
    pending = NULL;
}

void auth0_jwt_config_post_config(apr_pool_t *pconf, server_rec *s)
{
    if (key_hosts_given) {
        return;
    }
    /* the default: the hosts the server configuration names (Auth0Domain,
     * Auth0JWKSURI anywhere in it), then Auth0's own tenant domains */
    key_hosts = named_hosts ? named_hosts : apr_array_make(pconf, 1, sizeof(const char *));
    APR_ARRAY_PUSH(key_hosts, const char *) = "*.auth0.com";
}

/* ---- checks once the whole configuration is read -------------------------- */

/* Whether someone sees this reading's messages: configtest, or the pass that
 * starts the server (not httpd's first, dry-run reading). */
static int reporting_pass(void)
{
    return ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST ||
           ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG;
}

/* Whether section path outer covers inner as httpd matches them: up to a "/"
 * (<Location /api> covers /api and /api/x, never /apix). */
static int path_prefix(const char *outer, const char *inner)
{
    size_t n = strlen(outer);

    return strncmp(outer, inner, n) == 0 &&
           (n == 0 || outer[n - 1] == '/' || inner[n] == '/' || inner[n] == '\0');
}

/*
 * The settings a section of kind ("Location" or "Directory") ends up with as
 * far as the configuration alone tells: the server's defaults, then every
 * earlier plain section of the same kind whose path is a prefix of this one,
 * then this one. (A request may meet more: a <Directory> under a <Location>,
 * an .htaccess; so what this finds missing is a warning, not an error.)
 */
static const auth0_jwt_dir_conf *section_conf(apr_pool_t *p, ap_conf_vector_t *defaults,
                                              ap_conf_vector_t **sections, int i)
{
    const core_dir_config *me = ap_get_core_module_config(sections[i]);
    auth0_jwt_dir_conf *c = ap_get_module_config(defaults, &auth0_jwt_module);

    for (int j = 0; j <= i; j++) {
        const core_dir_config *cd = ap_get_core_module_config(sections[j]);
        auth0_jwt_dir_conf *sec = ap_get_module_config(sections[j], &auth0_jwt_module);
        if (sec && (j == i || (cd->r == NULL && me->r == NULL && cd->d && me->d &&
                               path_prefix(cd->d, me->d)))) {
            c = auth0_jwt_merge_dir_conf(p, c, sec);
        }
    }
    return c;
}

static void check_sections(apr_pool_t *p, server_rec *s, server_rec *vs, const char *kind,
                           const apr_array_header_t *list)
{
    ap_conf_vector_t **sections = (ap_conf_vector_t **)list->elts;

    for (int i = 0; i < list->nelts; i++) {
        const core_dir_config *cd = ap_get_core_module_config(sections[i]);
        const auth0_jwt_dir_conf *c = section_conf(p, vs->lookup_defaults, sections, i);
        /* a regex section's requests meet sections this cannot know: not judged */
        const char *missing = c && c->auth_type_auth0 == 1 && cd->r == NULL
                                  ? auth0_jwt_missing_setting(c)
                                  : NULL;
        if (missing) {
            const char *where =
                vs->is_virtual ? apr_psprintf(p, "<VirtualHost> at %s:%d",
                                              vs->defn_name ? vs->defn_name : "?",
                                              vs->defn_line_number)
                               : "main server";
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         "<%s %s> (%s) has AuthType Auth0 but no %s: every request there will "
                         "be answered 500, unless a section or .htaccess that also applies sets "
                         "it",
                         kind, cd->d ? cd->d : "?", where, missing);
        }
    }
}

void auth0_jwt_config_check(apr_pool_t *ptemp, server_rec *s)
{
    if (!reporting_pass()) {
        return;
    }
    for (int i = 0; pending && i < pending->nelts; i++) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "%s", APR_ARRAY_IDX(pending, i, const char *));
    }
    for (server_rec *vs = s; vs; vs = vs->next) {
        core_server_config *core = ap_get_core_module_config(vs->module_config);
        check_sections(ptemp, s, vs, "Location", core->sec_url);
        check_sections(ptemp, s, vs, "Directory", core->sec_dir);
    }
}

/* ---- directive handlers --------------------------------------------------- */

/* Whether url is one the fetcher takes: https, and a host a certificate can be
 * checked against (no bracketed name, no IPv4 with leading zeros, ...). */
static int fetchable(apr_pool_t *p, const char *url)
{
    const char *host;
    apr_port_t port;
    int is_ip;

    return aj_fetch_url_host(p, url, &host, &port, &is_ip) == 0;
}

static const char *set_domain(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *url, *err;

    if (!valid_authority(arg) ||
        !fetchable(cmd->temp_pool, apr_pstrcat(cmd->temp_pool, "https://", arg, "/", NULL))) {
        return "Auth0Domain takes a host name with an optional port, such as "
               "example.eu.auth0.com or localhost:8443 (no https://, no path)";
    }
    url = apr_pstrcat(cmd->pool, "https://", arg, "/.well-known/jwks.json", NULL);
    if ((err = htaccess_source(cmd, dc, url)) != NULL) {
        return err;
    }
    ((auth0_jwt_dir_conf *)dc)->domain = arg;
    ((auth0_jwt_dir_conf *)dc)->domain_issuer = apr_pstrcat(cmd->pool, "https://", arg, "/", NULL);
    ((auth0_jwt_dir_conf *)dc)->domain_jwks_uri = url;
    return NULL;
}

static const char *set_audience(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    auth0_jwt_dir_conf *c = dc;

    if (argc == 0) {
        return "Auth0Audience takes one or more API identifiers";
    }
    c->audiences = apr_array_make(cmd->pool, argc, sizeof(const char *));
    for (int i = 0; i < argc; i++) {
        APR_ARRAY_PUSH(c->audiences, const char *) = argv[i];
    }
    return NULL;
}

static const char *set_issuer(cmd_parms *cmd, void *dc, const char *arg)
{
    if (strncmp(arg, "https://", 8) != 0 && strncmp(arg, "http://", 7) != 0) {
        return "Auth0Issuer takes the exact issuer URL of the tokens, such as "
               "https://login.example.com/ (with its trailing slash, if the tokens have one)";
    }
    ((auth0_jwt_dir_conf *)dc)->issuer = arg;
    return NULL;
}

static const char *set_jwks_uri(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err;

    if (strncasecmp(arg, "https://", 8) != 0 || arg[8] == '\0' || arg[8] == '/') {
        return "Auth0JWKSURI takes an https:// URL (plain http is never accepted for keys)";
    }
    if (!fetchable(cmd->temp_pool, arg)) {
        return "Auth0JWKSURI: the host must be a DNS name, a dotted-quad IPv4 address or a "
               "bracketed IPv6 address, with an optional port, and no user information";
    }
    if ((err = htaccess_source(cmd, dc, arg)) != NULL) {
        return err;
    }
    ((auth0_jwt_dir_conf *)dc)->jwks_uri = arg;
    return NULL;
}

/* Read a file at configuration time into cmd->pool; an error text on failure. */
static const char *read_config_file(cmd_parms *cmd, const char *arg, const char **path, char **data,
                                    apr_size_t *len, apr_size_t max)
{
    apr_status_t rv;

    *path = ap_server_root_relative(cmd->pool, arg);
    if (*path == NULL) {
        return apr_psprintf(cmd->pool, "%s: invalid path %s", cmd->cmd->name, arg);
    }
    rv = auth0_jwt_read_file(data, len, NULL, cmd->pool, *path, max, 0);
    if (rv == APR_EINVAL) {
        return apr_psprintf(cmd->pool, "%s: %s is not a regular file", cmd->cmd->name, *path);
    }
    if (rv == APR_FROM_OS_ERROR(EFBIG)) {
        return apr_psprintf(cmd->pool, "%s: %s is larger than %" APR_SIZE_T_FMT " bytes",
                            cmd->cmd->name, *path, max);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read %s: %pm", cmd->cmd->name, *path, &rv);
    }
    return NULL;
}

static const char *set_jwks_file(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path, *why, *err;
    char *data;
    apr_size_t len;
    aj_jwks_t *set;

    err = read_config_file(cmd, arg, &path, &data, &len, 1 << 20);
    if (err) {
        return err;
    }
    set = aj_jwks_parse(cmd->temp_pool, data, len, &why);
    if (set == NULL) {
        return apr_psprintf(cmd->pool, "Auth0JWKSFile: %s: %s", path, why);
    }
    if (set->keys->nelts == 0) {
        return apr_psprintf(cmd->pool, "Auth0JWKSFile: %s holds no usable key", path);
    }
    for (int i = 0; !in_htaccess(cmd) && i < set->skipped->nelts; i++) {
        const aj_jwk_skip_t *sk = &APR_ARRAY_IDX(set->skipped, i, aj_jwk_skip_t);
        warn_later(cmd, apr_psprintf(cmd->temp_pool, "key %d (kid %s) of %s skipped: %s",
                                     sk->index, sk->kid ? sk->kid : "none", path, sk->why));
    }
    if ((err = htaccess_source(cmd, dc, NULL)) != NULL) {
        return err;
    }
    ((auth0_jwt_dir_conf *)dc)->jwks_file = path;
    return NULL;
}

static const char *set_algorithms(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    unsigned int set = 0;

    for (int i = 0; i < argc; i++) {
        if (aj_alg_set_add(&set, argv[i]) != 0) {
            return apr_psprintf(cmd->pool,
                                "Auth0Algorithms: '%s' is not accepted; use RS256 RS384 RS512 "
                                "PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512 "
                                "(never none)",
                                argv[i]);
        }
    }
    if (set == 0) {
        return "Auth0Algorithms takes one or more algorithm names, such as RS256";
    }
    ((auth0_jwt_dir_conf *)dc)->algs = set;
    return NULL;
}

static const char *set_secret_file(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path, *err;
    char *data;
    apr_size_t len;
    aj_key_t *key;
    auth0_jwt_dir_conf *c = dc;

    err = read_config_file(cmd, arg, &path, &data, &len, 4096);
    if (err) {
        return err;
    }
    /* One trailing newline is an artefact of editors and echo, not of the secret. */
    if (len > 0 && data[len - 1] == '\n') {
        len--;
        if (len > 0 && data[len - 1] == '\r') {
            len--;
        }
    }
    key = aj_key_from_secret(cmd->pool, (const unsigned char *)data, len, NULL);
    if (key == NULL) {
        return apr_psprintf(cmd->pool,
                            "Auth0SigningSecretFile: %s holds %" APR_SIZE_T_FMT
                            " bytes; a shared secret needs at least 32",
                            path, len);
    }
    c->secrets = aj_jwks_make(cmd->pool);
    aj_jwks_add(c->secrets, key);
    memset(data, 0, len);
    return NULL;
}

/*
 * The seconds-valued directives, each through its cmd->info: the field it sets,
 * its least value, and the value past which it is honoured with a warning.
 */
typedef struct {
    apr_size_t field;    /* APR_OFFSETOF(auth0_jwt_dir_conf, ...) */
    int min;             /* least value accepted */
    int warn_below;      /* warn under this (0: never) */
    int warn_above;      /* warn over this (0: never) */
    const char *why;     /* the warning's reason */
    int decides_source;  /* part of a key source's identity */
    int htaccess_max;    /* at most this in an .htaccess (0: no bound of its own) */
} seconds_info;

static const seconds_info skew_info = {APR_OFFSETOF(auth0_jwt_dir_conf, skew), 0, 0, 300,
                                       "a clock skew this large accepts long-expired tokens", 0,
                                       0};
static const seconds_info ttl_info = {APR_OFFSETOF(auth0_jwt_dir_conf, cache_ttl), 1, 60, 0,
                                      "keys this short-lived mean frequent fetches", 1, 0};
static const seconds_info cooldown_info = {
    APR_OFFSETOF(auth0_jwt_dir_conf, refresh_cooldown), 1, 5, 0,
    "a short cooldown lets unknown-kid tokens drive fetches", 1, 0};
static const seconds_info max_stale_info = {APR_OFFSETOF(auth0_jwt_dir_conf, max_stale), 1, 0, 0,
                                            NULL, 1, 0};
/* a fetch one .htaccess may stall holds a request of its own: bounded there */
static const seconds_info timeout_info = {APR_OFFSETOF(auth0_jwt_dir_conf, timeout), 1, 0, 30,
                                          "requests without keys may wait this long", 1,
                                          HTACCESS_MAX_TIMEOUT};

static const seconds_info dpop_lifetime_info = {
    APR_OFFSETOF(auth0_jwt_dir_conf, dpop_lifetime), 1, 0, 3600,
    "a proof this long-lived may be replayed elsewhere for that long", 0, 3600};

static const char *set_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    const seconds_info *info = cmd->info;
    const char *err;
    int v = 0;

    if ((err = seconds(cmd, &v, arg, info->min)) != NULL) {
        return err;
    }
    if (info->htaccess_max && in_htaccess(cmd) && v > info->htaccess_max) {
        return apr_psprintf(cmd->pool, "%s in .htaccess takes at most %d seconds", cmd->cmd->name,
                            info->htaccess_max);
    }
    if (info->decides_source) {
        htaccess_source(cmd, dc, NULL);
    }
    *(int *)((char *)dc + info->field) = v;
    if ((info->warn_below && v < info->warn_below) || (info->warn_above && v > info->warn_above)) {
        warn_unwise(cmd, v, info->why);
    }
    return NULL;
}

static const char *set_ca_file(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS ||
        fi.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "Auth0CACertificateFile: %s is not a readable file",
                            path ? path : arg);
    }
    ((auth0_jwt_dir_conf *)dc)->ca_file = path;
    return NULL;
}

static const char *set_proxy(cmd_parms *cmd, void *dc, const char *arg)
{
    char *authority;
    size_t n;

    if (strncasecmp(arg, "http://", 7) == 0) {
        authority = apr_pstrdup(cmd->temp_pool, arg + 7);
        n = strlen(authority);
        if (n > 0 && authority[n - 1] == '/') {
            authority[n - 1] = '\0';
        }
        if (strchr(authority, ':') && valid_authority(authority)) {
            ((auth0_jwt_dir_conf *)dc)->proxy = arg;
            return NULL;
        }
    }
    return "Auth0Proxy takes http://host:port (an HTTP proxy that allows CONNECT)";
}

static const char *set_cache(cmd_parms *cmd, void *dc, const char *arg)
{
    auth0_jwt_srv_conf *sc = ap_get_module_config(cmd->server->module_config, &auth0_jwt_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err) {
        return err;
    }
    if (*arg == '\0' || *arg == ':') {
        return "Auth0Cache takes a socache provider and its arguments, such as shmcb, "
               "redis:127.0.0.1:6379 or memcache:127.0.0.1:11211";
    }
    sc->cache = arg;
    return NULL;
}

static const char *set_token_cache(cmd_parms *cmd, void *dc, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < 0 || v > 10000000) {
        return "Auth0TokenCacheSize takes a number of entries from 0 (off) to 10000000";
    }
    ((auth0_jwt_dir_conf *)dc)->token_cache_size = (int)v;
    return NULL;
}

static const char *set_accept(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    auth0_jwt_dir_conf *c = dc;
    int accept = 0;

    c->cookie_name = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcasecmp(argv[i], "header") == 0) {
            accept |= AUTH0_JWT_ACCEPT_HEADER;
        } else if (strcasecmp(argv[i], "query") == 0) {
            accept |= AUTH0_JWT_ACCEPT_QUERY;
        } else if (strncasecmp(argv[i], "cookie=", 7) == 0 && argv[i][7] != '\0' &&
                   strpbrk(argv[i] + 7, "=;, \t") == NULL) {
            accept |= AUTH0_JWT_ACCEPT_COOKIE;
            c->cookie_name = argv[i] + 7;
        } else {
            return apr_psprintf(cmd->pool,
                                "Auth0AcceptToken: '%s' is not accepted; use header, query "
                                "and/or cookie=NAME",
                                argv[i]);
        }
    }
    if (accept == 0) {
        return "Auth0AcceptToken takes header, query and/or cookie=NAME";
    }
    c->accept = accept;
    return NULL;
}

static const char *set_user_claim(cmd_parms *cmd, void *dc, const char *arg)
{
    if (*arg == '\0') {
        return "Auth0RemoteUserClaim takes a claim name, such as sub or email";
    }
    ((auth0_jwt_dir_conf *)dc)->user_claim = arg;
    return NULL;
}

static const char *set_pass_claims(cmd_parms *cmd, void *dc, const char *arg)
{
    static const struct {
        const char *name;
        int value;
    } modes[] = {{"none", AUTH0_JWT_PASS_NONE},
                 {"env", AUTH0_JWT_PASS_ENV},
                 {"headers", AUTH0_JWT_PASS_HEADERS},
                 {"both", AUTH0_JWT_PASS_BOTH}};

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcasecmp(arg, modes[i].name) == 0) {
            ((auth0_jwt_dir_conf *)dc)->pass_claims = modes[i].value;
            return NULL;
        }
    }
    return "Auth0PassClaims takes none, env, headers or both";
}

static const char *set_cors(cmd_parms *cmd, void *dc, int on)
{
    ((auth0_jwt_dir_conf *)dc)->cors_preflight = on;
    return NULL;
}

/* Off, Allowed or Required (any case): 0, 1 or 2 (the AUTH0_JWT_DPOP_* and
 * AUTH0_JWT_JWE_* values); -1 for anything else. */
static int off_allowed_required(const char *arg)
{
    static const char *const modes[] = {"Off", "Allowed", "Required"};

    for (int i = 0; i < 3; i++) {
        if (strcasecmp(arg, modes[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static const char *set_dpop(cmd_parms *cmd, void *dc, const char *arg)
{
    int mode = off_allowed_required(arg);

    if (mode < 0) {
        return "Auth0DPoP takes Off, Allowed or Required";
    }
    ((auth0_jwt_dir_conf *)dc)->dpop = mode;
    return NULL;
}

static const char *set_token_encryption(cmd_parms *cmd, void *dc, const char *arg)
{
    int mode = off_allowed_required(arg);

    if (mode < 0) {
        return "Auth0TokenEncryption takes Off, Allowed or Required";
    }
    if (in_htaccess(cmd) && mode != AUTH0_JWT_JWE_REQUIRED) {
        /* an .htaccess may only ask for more: Off would undo the server's
         * Required, Allowed would decrypt for its own scripts */
        return "Auth0TokenEncryption in .htaccess may only be Required";
    }
    ((auth0_jwt_dir_conf *)dc)->token_encryption = mode;
    return NULL;
}

/* The key set's identity: each key's public half (DER) and kid, in order. */
static int add_to_keys_id(unsigned char id[32], EVP_PKEY *pkey, const char *kid)
{
    unsigned char *der = NULL;
    int der_len = i2d_PUBKEY(pkey, &der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = der_len > 0 && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(md, id, 32) && EVP_DigestUpdate(md, der, (size_t)der_len) &&
             EVP_DigestUpdate(md, kid ? kid : "", kid ? strlen(kid) + 1 : 0) &&
             EVP_DigestFinal_ex(md, id, &n) && n == 32;

    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    return ok;
}

/* Read by the root parent while it reads the configuration; the text is wiped
 * at once, the key lives in the configuration pool (children inherit it). */
static const char *set_decryption_key(cmd_parms *cmd, void *dc, const char *file,
                                      const char *kid)
{
    auth0_jwt_srv_conf *sc = ap_get_module_config(cmd->server->module_config, &auth0_jwt_module);
    const char *path, *err, *why;
    char *data;
    apr_size_t len;
    EVP_PKEY *pkey;
    aj_jwe_key_t *key;

    err = read_config_file(cmd, file, &path, &data, &len, 65536);
    if (err) {
        return err;
    }
    pkey = aj_jwe_read_key(cmd->pool, data, len, &why);
    OPENSSL_cleanse(data, len);
    if (pkey == NULL) {
        return apr_psprintf(cmd->pool, "Auth0DecryptionKeyFile: %s: %s", path, why);
    }
    if (sc->jwe_keys == NULL) {
        sc->jwe_keys = apr_array_make(cmd->pool, 2, sizeof(aj_jwe_key_t));
        sc->jwe_key_files = apr_array_make(cmd->pool, 2, sizeof(const char *));
        sc->jwe_keys_id = apr_pcalloc(cmd->pool, 32);
    }
    for (int i = 0; i < sc->jwe_keys->nelts; i++) {
        const char *other = APR_ARRAY_IDX(sc->jwe_keys, i, aj_jwe_key_t).kid;
        if ((kid == NULL) == (other == NULL) && (kid == NULL || strcmp(kid, other) == 0)) {
            return apr_psprintf(cmd->pool, "Auth0DecryptionKeyFile: %s: another key of this "
                                "server has %s%s%s", path, kid ? "the kid '" : "no kid",
                                kid ? kid : "", kid ? "'" : "");
        }
    }
    key = apr_array_push(sc->jwe_keys);
    key->kid = kid ? apr_pstrdup(cmd->pool, kid) : NULL;
    key->pkey = pkey;
    APR_ARRAY_PUSH(sc->jwe_key_files, const char *) = path;
    if (!add_to_keys_id(sc->jwe_keys_id, pkey, kid)) {
        return "Auth0DecryptionKeyFile: cannot fingerprint the key";
    }
    return NULL;
}

static const char *set_dpop_algs(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    unsigned int set = 0;

    for (int i = 0; i < argc; i++) {
        if (aj_alg_set_add(&set, argv[i]) != 0 || (set & AJ_ALGS_HMAC)) {
            return apr_psprintf(cmd->pool,
                                "Auth0DPoPAlgorithms: '%s' is not accepted; use ES256 ES384 "
                                "ES512 EdDSA PS256 PS384 PS512 RS256 RS384 RS512 (a proof is "
                                "signed with the client's own key pair, never a shared secret)",
                                argv[i]);
        }
    }
    if (set == 0) {
        return "Auth0DPoPAlgorithms takes one or more algorithm names, such as ES256";
    }
    ((auth0_jwt_dir_conf *)dc)->dpop_algs = set;
    return NULL;
}

static const char *set_dpop_replay(cmd_parms *cmd, void *dc, int on)
{
    ((auth0_jwt_dir_conf *)dc)->dpop_replay = on;
    return NULL;
}

static const char *set_replay_capacity(cmd_parms *cmd, void *dc, const char *arg)
{
    auth0_jwt_srv_conf *sc = ap_get_module_config(cmd->server->module_config, &auth0_jwt_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long v = strtol(arg, &end, 10);

    if (err) {
        return err;
    }
    if (*arg == '\0' || *end != '\0' || v < (long)AJ_REPLAY_MIN || v > (long)AJ_REPLAY_MAX) {
        return apr_psprintf(cmd->pool, "Auth0DPoPReplayCapacity takes a number of proofs from "
                            "%u to %u", AJ_REPLAY_MIN, AJ_REPLAY_MAX);
    }
    sc->replay_capacity = (unsigned int)v;
    return NULL;
}

/* Auth0TokenCacheShared On|Off [bytes]: the server-wide second level. */
static const char *set_tcache_shared(cmd_parms *cmd, void *dc, const char *flag,
                                     const char *bytes)
{
    auth0_jwt_srv_conf *sc = ap_get_module_config(cmd->server->module_config, &auth0_jwt_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    apr_int64_t v = bytes ? apr_strtoi64(bytes, &end, 10) : 0;

    if (err) {
        return err;
    }
    if (strcasecmp(flag, "On") != 0 && strcasecmp(flag, "Off") != 0) {
        return "Auth0TokenCacheShared takes On or Off, then optionally a size in bytes";
    }
    if (bytes && (*bytes == '\0' || *end != '\0' || v < (apr_int64_t)TCACHE_SHARED_MIN ||
                  v > (apr_int64_t)TCACHE_SHARED_MAX)) {
        return apr_psprintf(cmd->pool,
                            "Auth0TokenCacheShared: the size is a number of bytes from %" APR_SIZE_T_FMT
                            " to %" APR_SIZE_T_FMT,
                            TCACHE_SHARED_MIN, TCACHE_SHARED_MAX);
    }
    sc->tcache_shared = strcasecmp(flag, "On") == 0 ? 1 : 2;
    sc->tcache_shared_bytes = (apr_size_t)v;
    return NULL;
}

/* The public origin: scheme://host[:port], nothing after it but an optional "/". */
static const char *set_dpop_url(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *sep = strstr(arg, "://"), *after = sep ? sep + 3 : NULL, *norm;
    size_t n = after ? strcspn(after, "/?#") : 0;

    if (after == NULL || (after[n] != '\0' && strcmp(after + n, "/") != 0) ||
        (norm = aj_dpop_htu(cmd->temp_pool, arg)) == NULL) {
        return "Auth0DPoPURL takes the public origin of this server: scheme://host[:port], "
               "such as https://api.example.com (no path)";
    }
    ((auth0_jwt_dir_conf *)dc)->dpop_url =
        apr_pstrndup(cmd->pool, norm, strlen(norm) - 1); /* without the path's "/" */
    return NULL;
}

/*
 * AuthType belongs to mod_authn_core. We only note whether a scope turns us on
 * (to fetch its keys at start-up) and decline, so that core still handles it.
 */
static const char *note_auth_type(cmd_parms *cmd, void *dc, const char *arg)
{
    ((auth0_jwt_dir_conf *)dc)->auth_type_auth0 = strcasecmp(arg, "Auth0") == 0;
    ((auth0_jwt_dir_conf *)dc)->htaccess_auth = in_htaccess(cmd);
    return DECLINE_CMD;
}

#define DIR_CMD(kind, name, fn, help) AP_INIT_##kind(name, fn, NULL, OR_AUTHCFG | RSRC_CONF, help)
#define SECONDS_CMD(name, info, help)                                                          \
    AP_INIT_TAKE1(name, set_seconds, (void *)&info, OR_AUTHCFG | RSRC_CONF, help)

const command_rec auth0_jwt_cmds[] = {
    DIR_CMD(TAKE1, "Auth0Domain", set_domain, "Auth0 tenant domain, host[:port]"),
    DIR_CMD(TAKE_ARGV, "Auth0Audience", set_audience, "API identifier(s) accepted in aud"),
    DIR_CMD(TAKE1, "Auth0Issuer", set_issuer, "exact expected iss (default https://DOMAIN/)"),
    DIR_CMD(TAKE1, "Auth0JWKSURI", set_jwks_uri, "https:// URL of the key set"),
    DIR_CMD(TAKE1, "Auth0JWKSFile", set_jwks_file, "local key set file instead of fetching"),
    DIR_CMD(TAKE_ARGV, "Auth0Algorithms", set_algorithms, "allowed signing algorithms"),
    DIR_CMD(TAKE1, "Auth0SigningSecretFile", set_secret_file, "shared secret for HS*"),
    SECONDS_CMD("Auth0ClockSkew", skew_info, "leeway in seconds for exp, nbf, iat"),
    SECONDS_CMD("Auth0JWKSCacheTTL", ttl_info, "seconds fetched keys stay fresh"),
    SECONDS_CMD("Auth0JWKSRefreshCooldown", cooldown_info, "least seconds between forced refreshes"),
    SECONDS_CMD("Auth0JWKSMaxStale", max_stale_info, "seconds last-good keys serve during failures"),
    SECONDS_CMD("Auth0JWKSTimeout", timeout_info, "deadline in seconds for one key fetch"),
    /* trust settings of the fetch: the server's own configuration only, never .htaccess */
    AP_INIT_TAKE1("Auth0CACertificateFile", set_ca_file, NULL, RSRC_CONF | ACCESS_CONF,
                  "CA certificates for the key host (not in .htaccess)"),
    AP_INIT_TAKE1("Auth0Proxy", set_proxy, NULL, RSRC_CONF | ACCESS_CONF,
                  "http://host:port proxy for the key fetch (not in .htaccess)"),
    AP_INIT_TAKE_ARGV("Auth0HtaccessKeyHosts", set_htaccess_hosts, NULL, RSRC_CONF,
                      "key hosts an .htaccess may name: host, *.domain, or none"),
    AP_INIT_TAKE1("Auth0HtaccessKeySources", set_htaccess_sources, NULL, RSRC_CONF,
                  "how many key sources .htaccess files may add to a process"),
    AP_INIT_TAKE1("Auth0Cache", set_cache, NULL, RSRC_CONF,
                  "socache provider[:args] sharing the key set between processes"),
    DIR_CMD(TAKE1, "Auth0TokenCacheSize", set_token_cache, "verified tokens cached per process"),
    DIR_CMD(TAKE_ARGV, "Auth0AcceptToken", set_accept, "header, query, cookie=NAME"),
    DIR_CMD(TAKE1, "Auth0RemoteUserClaim", set_user_claim, "claim that becomes REMOTE_USER"),
    DIR_CMD(TAKE1, "Auth0PassClaims", set_pass_claims, "none, env, headers or both"),
    AP_INIT_FLAG("Auth0CORSPreflight", set_cors, NULL, OR_AUTHCFG | RSRC_CONF,
                 "let CORS preflight requests pass without a token"),
    DIR_CMD(TAKE1, "Auth0DPoP", set_dpop, "Off, Allowed or Required: DPoP-bound tokens"),
    DIR_CMD(TAKE_ARGV, "Auth0DPoPAlgorithms", set_dpop_algs, "algorithms allowed for DPoP proofs"),
    SECONDS_CMD("Auth0DPoPProofLifetime", dpop_lifetime_info,
                "seconds a DPoP proof's iat may lie in the past"),
    AP_INIT_TAKE12("Auth0TokenCacheShared", set_tcache_shared, NULL, RSRC_CONF,
                   "On|Off [bytes]: a second level of the token cache in shared memory, for "
                   "all child processes (default On under prefork)"),
    AP_INIT_TAKE1("Auth0DPoPReplayCapacity", set_replay_capacity, NULL, RSRC_CONF,
                  "DPoP proofs the replay store holds within their lifetime (server-wide)"),
    AP_INIT_FLAG("Auth0DPoPReplay", set_dpop_replay, NULL, OR_AUTHCFG | RSRC_CONF,
                 "accept each DPoP proof once (On) or let replays through (Off)"),
    DIR_CMD(TAKE1, "Auth0DPoPURL", set_dpop_url, "public origin for DPoP htu: scheme://host[:port]"),
    AP_INIT_TAKE12("Auth0DecryptionKeyFile", set_decryption_key, NULL, RSRC_CONF,
                   "RSA private key (PEM) that encrypted tokens are decrypted with, and its kid"),
    DIR_CMD(TAKE1, "Auth0TokenEncryption", set_token_encryption,
            "Off, Allowed or Required: encrypted (JWE) tokens"),
    AP_INIT_TAKE1("AuthType", note_auth_type, NULL, OR_AUTHCFG,
                  "noted by mod_auth0_jwt, handled by mod_authn_core"),
    {NULL},
};
