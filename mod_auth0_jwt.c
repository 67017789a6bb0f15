/*
 * mod_auth0_jwt.c: the httpd module. Reads top to bottom in the order a request
 * meets it:
 *
 *   header_parser     drop client-sent X-Auth0-* headers where AuthType Auth0 is on
 *   access_checker_ex verify the token (if any) before mod_authz_core's first
 *                     pass, so Require auth0-* sees the user and a denial is a 403;
 *                     let a CORS preflight through
 *   check_authn       the token was missing, invalid, or keys unavailable: 401/503
 *   insert_error_filter  turn our 401/403/503 into RFC 6750 JSON answers
 *
 * then the module record.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_ssl.h>
#include <mod_auth.h>
#include <mod_core.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aj_b64.h"
#include "aj_dpop.h"
#include "aj_fetch.h"
#include "aj_json.h"
#include "aj_pkey_memo.h"
#include "aj_proof_memo.h"
#include "mod_auth0_jwt_authz.h"
#include "mod_auth0_jwt_config.h"
#include "mod_auth0_jwt_demo.h"
#include "mod_auth0_jwt_dpop.h"
#include "mod_auth0_jwt_keys.h"
#include "mod_auth0_jwt_jwe.h"
#include "mod_auth0_jwt_replay.h"
#include "mod_auth0_jwt_request.h"
#include "mod_auth0_jwt_shared.h"
#include "mod_auth0_jwt_status.h"
#include "mod_auth0_jwt_tcache.h"

static aj_jwks_t *no_secrets;    /* HS* keys come from Auth0SigningSecretFile only */

/* ---- helpers --------------------------------------------------------------- */

static auth0_jwt_dir_conf *dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &auth0_jwt_module);
}

/* First 12 hex digits of SHA-256(token): enough to correlate, useless to replay. */
static const char *token_tag(request_rec *r, const char *token, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *hex = apr_palloc(r->pool, 13);

    if (!EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL)) {
        return "-";
    }
    for (int i = 0; i < 6; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    return hex;
}

static void log_refusal(request_rec *r, aj_reason_e why, const char *token, apr_size_t len)
{
    /* never the token: its length and a short hash of it, to correlate */
    const char *tag = token ? apr_psprintf(r->pool, "length %" APR_SIZE_T_FMT ", sha256 %s", len,
                                           token_tag(r, token, len))
                            : "no token";

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "refused %s: %s (%s)", aj_reason_name(why),
                  aj_reason(why)->log, tag);
}

/* ---- header_parser: forged identity never reaches a backend ------------------ */

/*
 * X-Auth0-* in any case, and with '_' for '-' too: many backends (CGI, PHP,
 * WSGI) read X_Auth0_Sub and X-Auth0-Sub as the same HTTP_X_AUTH0_SUB.
 */
static int strip_identity_headers(void *data, const char *key, const char *value)
{
    if ((key[0] == 'X' || key[0] == 'x') && (key[1] == '-' || key[1] == '_') &&
        strncasecmp(key + 2, "Auth0", 5) == 0 && (key[7] == '-' || key[7] == '_')) {
        APR_ARRAY_PUSH((apr_array_header_t *)data, const char *) = key;
    }
    return 1;
}

/* HTTP_X_AUTH0_* in a subprocess environment, also under REDIRECT_ prefixes. */
static int forged_env(void *data, const char *key, const char *value)
{
    for (const char *k = key; *k; k++) {
        if (strncasecmp(k, "HTTP_X_AUTH0_", 13) == 0) {
            APR_ARRAY_PUSH((apr_array_header_t *)data, const char *) = key;
            break;
        }
    }
    return 1;
}

/*
 * Remove every X-Auth0-* request header of r, and every HTTP_X_AUTH0_*
 * variable already made from one: a subrequest starts with a copy of its
 * parent's environment, where mod_include has put the client's headers. Called
 * from header_parser (main requests and internal redirects, before any other
 * module reads them) and, for subrequests, at the module's first look in
 * access_checker_ex or check_authn: httpd runs header_parser for main requests
 * only, and a subrequest (SSI include virtual, mod_rewrite lookups) into an
 * AuthType Auth0 scope from an open page would otherwise carry the client's
 * headers. Always before pass_identity sets the module's own.
 */
static void strip_forged(request_rec *r)
{
    apr_array_header_t *found = apr_array_make(r->pool, 2, sizeof(const char *));
    apr_array_header_t *env = apr_array_make(r->pool, 2, sizeof(const char *));

    apr_table_do(strip_identity_headers, found, r->headers_in, NULL);
    for (int i = 0; i < found->nelts; i++) {
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(found, i, const char *));
    }
    if (found->nelts) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "removed %d client-sent X-Auth0-* header(s)",
                      found->nelts);
    }
    apr_table_do(forged_env, env, r->subprocess_env, NULL);
    for (int i = 0; i < env->nelts; i++) {
        apr_table_unset(r->subprocess_env, APR_ARRAY_IDX(env, i, const char *));
    }
}

static int header_parser(request_rec *r)
{
    if (auth0_jwt_on(r)) {
        strip_forged(r);
    }
    return DECLINED;
}

/* ---- finding the token ----------------------------------------------------- */

/* The access_token query parameter, URL-decoded; *count says how many there were. */
static const char *query_token(request_rec *r, int *count)
{
    const char *args = r->args, *found = NULL;

    *count = 0;
    while (args && *args) {
        const char *end = strchr(args, '&');
        size_t n = end ? (size_t)(end - args) : strlen(args);
        if (n > 13 && strncmp(args, "access_token=", 13) == 0) {
            char *v = apr_pstrmemdup(r->pool, args + 13, n - 13);
            if (ap_unescape_urlencoded(v) == OK) {
                found = v;
            }
            (*count)++;
        }
        args = end ? end + 1 : NULL;
    }
    return found;
}

typedef struct {
    request_rec *r;
    const char *name;
    apr_size_t name_len;
    const char *found;
    int count;
} cookie_search;

/* One Cookie header: "a=1; b=2". Every pair named s->name counts. */
static int cookie_line(void *data, const char *key, const char *value)
{
    cookie_search *s = data;

    while (value && *value) {
        const char *end = strchr(value, ';');
        size_t n;
        while (*value == ' ' || *value == '\t') {
            value++;
        }
        n = end ? (size_t)(end - value) : strlen(value);
        if (n > s->name_len && value[s->name_len] == '=' &&
            strncmp(value, s->name, s->name_len) == 0) {
            s->found = apr_pstrmemdup(s->r->pool, value + s->name_len + 1, n - s->name_len - 1);
            s->count++;
        }
        value = end ? end + 1 : NULL;
    }
    return 1;
}

/*
 * The token cookie: read here rather than with ap_cookie_read, which logs an
 * error line (with the URI) for every request that repeats a cookie: a log any
 * client could flood. Two of them are two tokens; *count says how many.
 */
static const char *cookie_token(request_rec *r, const char *name, int *count)
{
    cookie_search s = {r, name, strlen(name), NULL, 0};

    apr_table_do(cookie_line, &s, r->headers_in, "Cookie", NULL);
    *count = s.count;
    return s.found;
}

/*
 * Look in every place Auth0AcceptToken allows. AJ_OK with the token, or
 * AJ_R_NO_TOKEN, AJ_R_HEADER_SYNTAX, AJ_R_MULTIPLE_TOKENS.
 *
 * Where the header is the only place (the default), its token is only
 * located, not read byte by byte: a cache hit needs no more (see
 * aj_scheme_locate), and every other outcome first asks parse_located().
 */
static aj_reason_e find_token(request_rec *r, const auth0_jwt_dir_conf *c, auth0_jwt_req *st,
                              const char **token, apr_size_t *len)
{
    int accept = auth0_jwt_accept(c), places = 0, n;
    const char *t, *authz = apr_table_get(r->headers_in, "Authorization");
    apr_size_t l;
    aj_reason_e rv;
    aj_reason_e (*take)(const char **, apr_size_t *, const char *, const char *) =
        accept == AUTH0_JWT_ACCEPT_HEADER ? aj_scheme_locate : aj_scheme_parse;

    *token = NULL;
    *len = 0;
    st->dpop = 0;
    st->unparsed = NULL;
    if (accept & AUTH0_JWT_ACCEPT_HEADER) {
        rv = take(&t, &l, authz, "Bearer");
        if (rv == AJ_R_NO_TOKEN && auth0_jwt_dpop(c) != AUTH0_JWT_DPOP_OFF) {
            rv = take(&t, &l, authz, "DPoP"); /* RFC 9449 section 7.1 */
            st->dpop = rv != AJ_R_NO_TOKEN;
        }
        if (rv == AJ_OK && take == aj_scheme_locate) {
            st->unparsed = authz;
        }
        if (rv == AJ_R_HEADER_SYNTAX) {
            return rv;
        }
        if (rv == AJ_OK) {
            *token = t;
            *len = l;
            places++;
        }
    }
    if ((accept & AUTH0_JWT_ACCEPT_QUERY) && (t = query_token(r, &n)) != NULL) {
        if (n > 1) {
            return AJ_R_MULTIPLE_TOKENS;
        }
        *token = t;
        *len = strlen(t);
        places++;
    }
    if ((accept & AUTH0_JWT_ACCEPT_COOKIE) && (t = cookie_token(r, c->cookie_name, &n)) != NULL) {
        if (n > 1) {
            return AJ_R_MULTIPLE_TOKENS;
        }
        if (*t) {
            *token = t;
            *len = strlen(t);
            places++;
        }
    }
    if (places > 1) {
        return AJ_R_MULTIPLE_TOKENS;
    }
    return places ? AJ_OK : AJ_R_NO_TOKEN;
}

/* The whole parse of a token find_token only located: AJ_OK, or
 * AJ_R_HEADER_SYNTAX for bytes a b64token cannot hold. */
static aj_reason_e parse_located(auth0_jwt_req *st)
{
    const char *t;
    apr_size_t l;
    aj_reason_e rv;

    if (st->unparsed == NULL) {
        return AJ_OK;
    }
    rv = aj_scheme_parse(&t, &l, st->unparsed, st->dpop ? "DPoP" : "Bearer");
    st->unparsed = NULL;
    return rv == AJ_OK ? AJ_OK : AJ_R_HEADER_SYNTAX;
}

/* ---- identity for the backend ---------------------------------------------- */

/* A claim as one line of text: strings as they are, arrays of strings space-joined. */
static const char *claim_text(apr_pool_t *p, const json_t *v)
{
    apr_array_header_t *parts;

    if (json_is_string(v)) {
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    }
    if (!json_is_array(v)) {
        return NULL;
    }
    parts = apr_array_make(p, (int)json_array_size(v), sizeof(const char *));
    for (size_t i = 0; i < json_array_size(v); i++) {
        const char *s = json_string_value(json_array_get(v, i));
        if (s) {
            APR_ARRAY_PUSH(parts, const char *) = s;
        }
    }
    return apr_array_pstrcat(p, parts, ' ');
}

/* Header values must stay on one line: control characters become spaces. */
static const char *header_safe(apr_pool_t *p, const char *s)
{
    char *copy = apr_pstrdup(p, s);
    for (char *c = copy; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }
    return copy;
}

/*
 * How to set the module's variables in env: apr_table_setn, which first looks
 * for the same name (and compares every AUTH0_* name it meets, as APR's quick
 * check only covers the first four letters), or, where env holds no AUTH0_*
 * name at all (a main request, as a rule), apr_table_addn, which adds.
 */
static void (*env_setter(const apr_table_t *env))(apr_table_t *, const char *, const char *)
{
    const apr_array_header_t *a = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;

    for (int i = 0; i < a->nelts; i++) {
        if (e[i].key && strncasecmp(e[i].key, "AUTH0_", 6) == 0) {
            return apr_table_setn;
        }
    }
    return apr_table_addn;
}

static void pass_identity(request_rec *r, const auth0_jwt_dir_conf *c, aj_token_t *tok,
                          int st_dpop)
{
    static const struct {
        const char *env, *header;
    } fields[] = { /* sub, scope, permissions (values, below) */
        {"AUTH0_SUB", "X-Auth0-Sub"},
        {"AUTH0_SCOPE", "X-Auth0-Scope"},
        {"AUTH0_PERMISSIONS", "X-Auth0-Permissions"},
    };
    int mode = auth0_jwt_pass_claims(c);
    const char *claims;
    const json_t *values[] = {tok->view.sub, tok->view.scope, tok->view.permissions};
    void (*env_set)(apr_table_t *, const char *, const char *);

    if (mode == AUTH0_JWT_PASS_NONE) {
        return;
    }
    env_set = env_setter(r->subprocess_env);

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = claim_text(r->pool, values[i]);
        if (v == NULL) {
            continue;
        }
        if (mode & AUTH0_JWT_PASS_ENV) {
            env_set(r->subprocess_env, fields[i].env, v);
        }
        if (mode & AUTH0_JWT_PASS_HEADERS) {
            apr_table_setn(r->headers_in, fields[i].header, header_safe(r->pool, v));
        }
    }
    /* the scheme, and what a bound token is bound to (checked by check_binding) */
    {
        const char *jkt, *x5t;
        if (mode & AUTH0_JWT_PASS_ENV) {
            env_set(r->subprocess_env, "AUTH0_TOKEN_TYPE", st_dpop ? "DPoP" : "Bearer");
        }
        if (mode & AUTH0_JWT_PASS_HEADERS) {
            apr_table_setn(r->headers_in, "X-Auth0-Token-Type", st_dpop ? "DPoP" : "Bearer");
        }
        if (aj_token_cnf_claim(tok->view.cnf, &jkt, &x5t) == AJ_OK && x5t) {
            if (mode & AUTH0_JWT_PASS_ENV) {
                env_set(r->subprocess_env, "AUTH0_CNF_X5T", x5t);
            }
            if (mode & AUTH0_JWT_PASS_HEADERS) {
                apr_table_setn(r->headers_in, "X-Auth0-Cnf-X5t", header_safe(r->pool, x5t));
            }
        }
        if (jkt && st_dpop) {
            if (mode & AUTH0_JWT_PASS_ENV) {
                env_set(r->subprocess_env, "AUTH0_CNF_JKT", jkt);
            }
            if (mode & AUTH0_JWT_PASS_HEADERS) {
                apr_table_setn(r->headers_in, "X-Auth0-Cnf-Jkt", header_safe(r->pool, jkt));
            }
        }
    }
    claims = tok->claims ? tok->claims : aj_json_compact(r->pool, tok->payload);
    tok->claims = claims; /* kept with the cache entry */
    if (claims && (mode & AUTH0_JWT_PASS_ENV)) {
        env_set(r->subprocess_env, "AUTH0_CLAIMS", claims);
    }
    if (claims && (mode & AUTH0_JWT_PASS_HEADERS)) {
        apr_table_setn(r->headers_in, "X-Auth0-Claims",
                       aj_b64url_encode(r->pool, (const unsigned char *)claims, strlen(claims)));
    }
}

/* ---- access_checker_ex: verify before authorization ----------------------- */

static int is_cors_preflight(request_rec *r)
{
    return r->method_number == M_OPTIONS && apr_table_get(r->headers_in, "Origin") &&
           apr_table_get(r->headers_in, "Access-Control-Request-Method");
}

/*
 * A verified-token cache hit gives exactly the verdict a miss would give here
 * (docs/validation.md, "The verified-token cache"): the algorithm must be
 * allowed in this scope, and choosing the key in this scope's key set by the
 * token's alg and kid, with this scope's fitness rules (use, key_ops, alg,
 * size), must give the very key that verified the token. Otherwise the token
 * takes the full path, which then says why.
 */
static int cache_hit(request_rec *r, const unsigned char *name, double now, unsigned int algs,
                     const aj_jwks_t *keys, const aj_jwks_t *secrets, aj_token_t *tok,
                     int shared)
{
    aj_tcache_hit_t hit;
    const aj_key_t *key = NULL;
    const aj_jwks_t *set;

    if (shared ? !auth0_jwt_tcache_get_shared(name, now, &hit, r->pool)
               : !auth0_jwt_tcache_get(name, now, &hit)) {
        return 0;
    }
    set = hit.alg->kty == AJ_KTY_OCT && secrets ? secrets : keys;
    if (!(algs & AJ_ALG_BIT(hit.alg->id)) || aj_jwks_select(&key, set, hit.alg, hit.kid) != AJ_OK ||
        memcmp(key->thumbprint, hit.thumbprint, sizeof(key->thumbprint)) != 0) {
        if (aj_jwks_find_thumbprint(set, hit.thumbprint) == NULL) {
            auth0_jwt_tcache_remove(name); /* its key left the key set */
        }
        aj_tcache_held_release(hit.hold);
        return 0;
    }
    memset(tok, 0, sizeof(*tok));
    aj_tcache_held_pool_own(r->pool, hit.hold);
    tok->payload = hit.payload;
    tok->claims = hit.claims;
    tok->view = hit.view;
    tok->key = key;
    tok->jws.alg = hit.alg;
    tok->jws.kid = key->kid;
    tok->ath = hit.ath;
    /* a payload parsed later serves the entry's next hits */
    tok->payload_memo = &hit.hold->payload;
    return 1;
}

/* Signature work for the token, through the cache when this scope uses it. A
 * JWE token is cached as it came (a hit skips decryption too), under a name
 * bound to this server's decryption keys. */
static aj_reason_e verify_signature(request_rec *r, const auth0_jwt_dir_conf *c, auth0_jwt_req *st,
                                    const char *token, apr_size_t len, int jwe, unsigned int algs,
                                    double now, unsigned char *name, int *cacheable)
{
    const char *why = NULL;
    auth0_jwt_key_policy kp = {algs, NULL, NULL, jwe, NULL};
    /* a scope that only allows HS* never needs a key set */
    const aj_jwks_t *keys =
        (algs & ~AJ_ALGS_HMAC) ? auth0_jwt_keys(r, c, 0, &why, &kp.source_tag) : NULL;
    const aj_jwks_t *secrets, *fresh;
    aj_reason_e rv;

    *cacheable = auth0_jwt_tcache_on(c);
    if (keys == NULL && parse_located(st) != AJ_OK) {
        return AJ_R_HEADER_SYNTAX; /* the token's own fault comes first */
    }
    if (keys == NULL && why == auth0_jwt_too_many_sources) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s (%d): answering 500", why,
                      auth0_jwt_htaccess_sources_max());
        st->state = AUTH0_JWT_STATE_MISCONFIGURED;
        return AJ_R_NO_KEYS;
    }
    if (keys == NULL && c->secrets == NULL) {
        /* the fetch failure itself is logged once per failure streak */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "no signing keys available: %s",
                      why ? why : "unknown reason");
        return AJ_R_NO_KEYS;
    }
    secrets = c->secrets ? c->secrets : no_secrets;
    if (*cacheable) {
        kp.secrets = c->secrets;
        kp.jwe_keys_id = jwe ? auth0_jwt_jwe_keys_id(r) : NULL;
        auth0_jwt_tcache_name(name, token, len, &kp);
        if (cache_hit(r, name, now, algs, keys, secrets, &st->token, 0)) {
            *cacheable = 0; /* already there */
            auth0_jwt_count_cache(1);
            return AJ_OK;
        }
    }
    /* Then the shared level, by the same name. Like a first-level hit, a
     * shared one needs the header's token located, not read byte by byte:
     * only a verified token was ever stored, and a verified token's bytes
     * are all base64url and dots. */
    if (*cacheable && auth0_jwt_tcache_shared_on() &&
        cache_hit(r, name, now, algs, keys, secrets, &st->token, 1)) {
        *cacheable = 0; /* it is in both levels now */
        auth0_jwt_count_cache_shared(1);
        auth0_jwt_count_cache(1);
        return AJ_OK;
    }
    /* in neither level: the token is read whole before anything else (a
     * malformed header is refused before a miss is counted) */
    if (parse_located(st) != AJ_OK) {
        return AJ_R_HEADER_SYNTAX;
    }
    if (*cacheable) {
        if (auth0_jwt_tcache_shared_on()) {
            auth0_jwt_count_cache_shared(0);
        }
        auth0_jwt_count_cache(0);
    }
    if (jwe && (rv = auth0_jwt_jwe_decrypt(r, token, len, &token, &len)) != AJ_OK) {
        return rv;
    }
    rv = aj_token_verify_signature_ex(&st->token, r->pool, token, len, algs, keys, secrets);
    /* An unknown kid: look again, forcing a refresh (within the cooldown
     * rules). Twice at most: when the first look only adopts a newer set that
     * another process or server fetched (which counts as its refresh) and the
     * kid is not in that one either, the second fetches for itself. A look
     * that brings nothing new (the same set) ends it. */
    for (int look = 0; look < 2 && rv == AJ_R_KID_UNKNOWN && keys; look++) {
        fresh = auth0_jwt_keys(r, c, 1, &why, NULL);
        if (fresh == NULL || fresh == keys) {
            break;
        }
        keys = fresh;
        rv = aj_token_verify_signature_ex(&st->token, r->pool, token, len, algs, keys, secrets);
    }
    return rv;
}

/* The SHA-256 of the DER of the connection's TLS client certificate, into
 * digest; 0 when r came without TLS or without a client certificate. */
static int client_cert_sha256(request_rec *r, unsigned char digest[32])
{
    const char *pem;
    BIO *bio;
    X509 *cert;
    unsigned int n = 0;

    if (!ap_ssl_conn_is_ssl(r->connection) ||
        (pem = ap_ssl_var_lookup(r->pool, r->server, r->connection, r, "SSL_CLIENT_CERT")) ==
            NULL ||
        *pem == '\0') {
        return 0;
    }
    bio = BIO_new_mem_buf(pem, -1);
    cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (cert == NULL || X509_digest(cert, EVP_sha256(), digest, &n) != 1 || n != 32) {
        n = 0;
    }
    X509_free(cert);
    BIO_free(bio);
    return n == 32;
}

/*
 * A token bound by its cnf claim is honoured only with what it is bound to, on
 * every request (a cached token too: the connection is this request's).
 * A DPoP-bound token (cnf.jkt) only with a proof of its key, never as a bearer
 * token: no downgrade (RFC 9449 section 7.1); a token sent with the DPoP
 * scheme must be DPoP-bound. A certificate-bound one (cnf["x5t#S256"], RFC
 * 8705 section 3) only over TLS with that very client certificate.
 */
static aj_reason_e check_binding(request_rec *r, const auth0_jwt_dir_conf *c, auth0_jwt_req *st,
                                 const char *token, apr_size_t len)
{
    const char *jkt, *x5t;
    unsigned char cert[32];
    aj_reason_e rv = aj_token_cnf_claim(st->token.view.cnf, &jkt, &x5t);

    if (rv != AJ_OK) {
        return rv;
    }
    if (jkt && !st->dpop) {
        return AJ_R_DPOP_DOWNGRADE;
    }
    if (x5t && (!client_cert_sha256(r, cert) || !aj_thumbprint_equals(r->pool, x5t, cert))) {
        return AJ_R_CERT_BINDING;
    }
    /* the proof last: it is spent only for a token that passed everything else */
    if (st->dpop && (rv = auth0_jwt_dpop_check(r, c, &st->token, token, len, jkt)) != AJ_OK) {
        return rv;
    }
    return AJ_OK;
}

/* Verify the request's token into st; sets r->user on success. */
static void verify_request(request_rec *r, const auth0_jwt_dir_conf *c, auth0_jwt_req *st)
{
    const char *token, *user;
    apr_size_t len;
    aj_claims_policy_t policy;
    unsigned int algs = auth0_jwt_algs(c);
    double now = (double)apr_time_now() / APR_USEC_PER_SEC;
    unsigned char name[AJ_TCACHE_NAME];
    int cacheable = 0, jwe = 0;
    aj_reason_e rv;

    st->dpop_mode = auth0_jwt_dpop(c);
    st->dpop_algs = auth0_jwt_dpop_algs(c);
    rv = find_token(r, c, st, &token, &len);
    if (rv == AJ_OK && !st->dpop && st->dpop_mode == AUTH0_JWT_DPOP_REQUIRED) {
        rv = AJ_R_DPOP_MISSING; /* a bearer token where DPoP is required */
    }
    if (rv == AJ_OK) {
        rv = auth0_jwt_jwe_rule(r, c, token, len, &jwe);
    }
    if (rv != AJ_OK && parse_located(st) != AJ_OK) {
        rv = AJ_R_HEADER_SYNTAX; /* as if the token had been read first */
    }
    if (rv != AJ_OK) {
        st->state = rv == AJ_R_NO_TOKEN ? AUTH0_JWT_STATE_NO_TOKEN : AUTH0_JWT_STATE_INVALID;
        st->reason = rv;
        return;
    }
    st->raw = token;
    st->raw_len = len;
    rv = verify_signature(r, c, st, token, len, jwe, algs, now, name, &cacheable);
    if (rv == AJ_R_NO_KEYS) {
        if (st->state != AUTH0_JWT_STATE_MISCONFIGURED) { /* (too many .htaccess sources: 500) */
            st->state = AUTH0_JWT_STATE_UNAVAILABLE;
        }
        st->reason = rv;
        return;
    }
    if (rv == AJ_OK) {
        policy.issuer = auth0_jwt_issuer(c);
        policy.audiences = c->audiences;
        policy.skew = auth0_jwt_skew(c);
        rv = aj_claims_check_view(&st->token.view, &policy, now);
    }
    user = NULL;
    if (rv == AJ_OK) {
        const json_t *v;
        if (!aj_token_claim(&st->token, auth0_jwt_user_claim(c), r->pool, &v)) {
            /* out of memory reading a cached payload: refused, never let through */
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "cannot read the token's claims (out of memory): refused");
        } else {
            user = claim_text(r->pool, v);
        }
    }
    if (rv == AJ_OK && (user == NULL || *user == '\0')) {
        rv = AJ_R_USER_CLAIM;
    }
    if (rv == AJ_OK) {
        rv = check_binding(r, c, st, token, len); /* last: it may spend a DPoP proof */
    }
    if (rv != AJ_OK) {
        /* a replay store that cannot take the proof is the server's trouble: 503 */
        st->state = rv == AJ_R_DPOP_STORE ? AUTH0_JWT_STATE_UNAVAILABLE : AUTH0_JWT_STATE_INVALID;
        st->reason = rv;
        return; /* logged and counted by check_authn, or by fixups if let through */
    }
    auth0_jwt_count(AJ_OK);
    st->state = AUTH0_JWT_STATE_VALID;
    r->user = (char *)user;
    r->ap_auth_type = (char *)AUTH0_JWT_AUTH_TYPE;
    pass_identity(r, c, &st->token, st->dpop);
    if (cacheable) {
        auth0_jwt_tcache_put(name, &st->token, r->pool);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "accepted: user %s (kid %s, alg %s)", user,
                  st->token.jws.kid ? st->token.jws.kid : "none", st->token.jws.alg->name);
}

static int access_checker_ex(request_rec *r)
{
    auth0_jwt_dir_conf *c;
    auth0_jwt_req *st;
    const char *missing;

    if (!auth0_jwt_on(r)) {
        return DECLINED;
    }
    c = dir_conf(r);
    st = auth0_jwt_req_get(r);
    if (st->state == AUTH0_JWT_STATE_UNSEEN) {
        if (r->main) {
            strip_forged(r); /* a subrequest had no header_parser */
        }
        if (is_cors_preflight(r) && auth0_jwt_cors_preflight(c)) {
            /* No token is asked for: valid-user and auth0-* are met without one
             * (r->user is "" until fixups takes it away again); every other
             * Require line still applies. */
            st->state = AUTH0_JWT_STATE_PREFLIGHT;
            r->user = "";
            r->ap_auth_type = (char *)AUTH0_JWT_AUTH_TYPE;
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "CORS preflight: no token needed");
        } else if ((missing = auth0_jwt_missing_setting(c)) != NULL) {
            st->state = AUTH0_JWT_STATE_MISCONFIGURED;
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AuthType Auth0 for %s needs %s: answering 500", r->uri, missing);
        } else {
            verify_request(r, c, st);
        }
    }
    if (st->state == AUTH0_JWT_STATE_MISCONFIGURED) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return DECLINED; /* mod_authz_core decides, with r->user set if the token is good */
}

/* ---- check_authn: no acceptable token ---------------------------------------- */

/* The request is refused for its token: one log line, one count, the challenge. */
static int refuse(request_rec *r, auth0_jwt_req *st)
{
    aj_reason_e why = st->state == AUTH0_JWT_STATE_NO_TOKEN ? AJ_R_NO_TOKEN : st->reason;
    int status = st->state == AUTH0_JWT_STATE_UNAVAILABLE ? HTTP_SERVICE_UNAVAILABLE : HTTP_UNAUTHORIZED;

    log_refusal(r, why, st->raw, st->raw_len);
    auth0_jwt_count(why);
    auth0_jwt_challenge(r, status);
    return status;
}

static int check_authn(request_rec *r)
{
    auth0_jwt_req *st;

    if (!auth0_jwt_on(r)) {
        return DECLINED;
    }
    st = auth0_jwt_req_get(r);
    if (st->state == AUTH0_JWT_STATE_UNSEEN) { /* a subrequest, or a preflight with CORS off */
        if (r->main) {
            strip_forged(r); /* a subrequest had no header_parser */
        }
        verify_request(r, dir_conf(r), st);
    }
    switch (st->state) {
    case AUTH0_JWT_STATE_VALID:
    case AUTH0_JWT_STATE_PREFLIGHT:
        return OK;
    case AUTH0_JWT_STATE_MISCONFIGURED:
        return HTTP_INTERNAL_SERVER_ERROR;
    default:
        return refuse(r, st);
    }
}

/* ---- error answers (RFC 6750) -------------------------------------------- */

/*
 * A request that passed authorization keeps no challenge a denying provider
 * set. A token it carried that was refused (the Require lines let the request
 * through without one) is still logged and counted, as check_authn would have:
 * probing an open scope is not invisible.
 */
static int fixups(request_rec *r)
{
    auth0_jwt_req *st = auth0_jwt_req_find(r);

    if (st) {
        st->authorized = 1;
    }
    if (st && st->state == AUTH0_JWT_STATE_INVALID && r->main == NULL) {
        log_refusal(r, st->reason, st->raw, st->raw_len);
        auth0_jwt_count(st->reason);
    }
    if (st && st->state == AUTH0_JWT_STATE_PREFLIGHT) {
        /* The empty user only stood in for the waived token during authorization
         * (valid-user needs one); a preflight carries no identity to the handler. */
        r->user = NULL;
        r->ap_auth_type = NULL;
    }
    if (st && st->challenged == HTTP_FORBIDDEN) {
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
        apr_table_unset(r->err_headers_out, "Cache-Control");
        st->challenged = 0;
    }
    return DECLINED;
}

static void insert_error_filter(request_rec *r)
{
    auth0_jwt_req *st = auth0_jwt_req_find(r);
    const char *json, *challenge;

    if (!auth0_jwt_on(r)) {
        return;
    }
    if (st == NULL) {
        st = auth0_jwt_req_get(r); /* denied before our hooks ran */
    }
    json = auth0_jwt_error_answer(r, st, r->status, &challenge);
    if (json == NULL) {
        return;
    }
    if (r->status == HTTP_FORBIDDEN && st->state == AUTH0_JWT_STATE_VALID) {
        auth0_jwt_count(auth0_jwt_forbidden_reason(st));
    }
    auth0_jwt_challenge(r, r->status);
    auth0_jwt_error_body(r, json);
}

/* ---- module record ---------------------------------------------------------- */

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    auth0_jwt_config_pre_config();
    auth0_jwt_replay_pre_config();
    if (auth0_jwt_tcache_pre_config(pconf) != OK) {
        return !OK;
    }
    return auth0_jwt_shared_pre_config(pconf);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    auth0_jwt_srv_conf *sc = ap_get_module_config(s->module_config, &auth0_jwt_module);
    int rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK; /* the first, dry-run pass: nothing to set up yet */
    }
    rv = auth0_jwt_shared_post_config(pconf, ptemp, s, sc->cache);
    if (rv == OK) {
        rv = auth0_jwt_replay_post_config(pconf, ptemp, s, sc->cache,
                                          auth0_jwt_replay_capacity(sc));
    }
    if (rv != OK) {
        return rv;
    }
    if ((rv = auth0_jwt_tcache_post_config(pconf, ptemp, s)) != OK) {
        return rv;
    }
    auth0_jwt_counters_post_config(pconf, s);
    auth0_jwt_keys_init(pconf, s);
    auth0_jwt_shared_startup(s, ptemp, 1);
    auth0_jwt_keys_startup(pconf, ptemp, s);
    auth0_jwt_shared_startup(s, ptemp, 0);
    auth0_jwt_config_post_config(pconf, s);
    return OK;
}

/* Scopes that cannot work are reported where configtest shows them. */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    auth0_jwt_config_check(ptemp, s);
    return auth0_jwt_jwe_check_files(ptemp, s);
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    const auth0_jwt_dir_conf *c = ap_get_module_config(s->lookup_defaults, &auth0_jwt_module);

    aj_fetch_after_fork(); /* before any fetch of this child */
    aj_pkey_memo_after_fork();
    aj_proof_memo_after_fork();
    auth0_jwt_jwe_child_init(s);
    auth0_jwt_shared_child_init(p, s);
    auth0_jwt_keys_child_init(p, s);
    auth0_jwt_tcache_child_init(p, s);
    no_secrets = aj_jwks_make(p);
    auth0_jwt_counters_child_init(p, (unsigned int)auth0_jwt_token_cache_size(c));
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_socache[] = {"mod_socache_shmcb.c", "mod_socache_redis.c",
                                                "mod_socache_memcache.c", NULL};

    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, after_socache, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_header_parser(header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_access_ex(access_checker_ex, NULL, NULL, APR_HOOK_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
    auth0_jwt_request_register();
    ap_hook_handler(auth0_jwt_demo_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(auth0_jwt_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    auth0_jwt_status_register();
    auth0_jwt_register_authz(p);
}

/* Declared with APLOG_USE_MODULE in mod_auth0_jwt_private.h, as every glue file
 * sees it; this is what AP_DECLARE_MODULE(auth0_jwt) would expand to. */
module AP_MODULE_DECLARE_DATA auth0_jwt_module = {
    STANDARD20_MODULE_STUFF,
    auth0_jwt_create_dir_conf, /* per-directory config: create */
    auth0_jwt_merge_dir_conf,  /* per-directory config: merge */
    auth0_jwt_create_srv_conf, /* per-server config: create */
    auth0_jwt_merge_srv_conf,  /* per-server config: merge */
    auth0_jwt_cmds,            /* the directives */
    register_hooks,            /* hooks, filters, providers */
    AP_MODULE_FLAG_NONE        /* flags */
};
