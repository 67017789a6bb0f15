/*
 * auth0-jwt: the command-line companion of mod_auth0_jwt, built from the same
 * src/ code. keygen and mint issue test tokens; verify and decode inspect them.
 *
 * Exit codes: 0 success (token valid), 1 token invalid, 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "aj_b64.h"
#include "aj_fetch.h"
#include "aj_json.h"
#include "aj_jwe.h"
#include "aj_jwk.h"
#include "aj_sign.h"
#include "aj_token.h"
#include "cli.h"

#define MAX_TTL 3153600000L /* 100 years */

const char *prog = "auth0-jwt";

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "%s %s: %s (try '%s %s --help')\n", prog, cmd, msg, prog, cmd);
    return EXIT_USAGE;
}

char *read_all(apr_pool_t *p, const char *path, apr_size_t *len, apr_size_t max)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf;
    size_t n = 0, cap = 4096;

    if (f == NULL) {
        return NULL;
    }
    buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            free(buf);
            buf = NULL;
            break;
        }
        if (got == 0) {
            break;
        }
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (f != stdin) {
        fclose(f);
    }
    if (buf == NULL) {
        return NULL;
    }
    *len = n;
    {
        char *copy = apr_pstrmemdup(p, buf, n);
        free(buf);
        return copy;
    }
}

const char *token_arg(apr_pool_t *p, const char *arg, apr_size_t *len)
{
    char *t = (char *)arg;
    size_t n;

    if (strcmp(arg, "-") == 0) {
        t = read_all(p, "-", len, 1 << 20);
        if (t == NULL) {
            return NULL;
        }
    }
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r') {
        t++;
    }
    n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n' || t[n - 1] == '\r')) {
        n--;
    }
    *len = n;
    return t;
}

static int write_file(apr_pool_t *p, const char *path, const char *data, int mode)
{
    FILE *f;
    int fd;

    (void)p;
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        return -1;
    }
    fputs(data, f);
    return fclose(f) == 0 ? 0 : -1;
}

char *json_text(apr_pool_t *p, const json_t *j, size_t flags)
{
    char *s = json_dumps(j, flags), *copy = s ? apr_pstrdup(p, s) : NULL;
    free(s);
    return copy;
}

/* ---- keygen ---------------------------------------------------------------- */

static const char keygen_help[] =
    "usage: auth0-jwt keygen --out DIR [--alg RS256|ES256|EdDSA] [--kid K]\n"
    "  Writes DIR/private.pem (mode 0600) and DIR/jwks.json (the public key).\n"
    "  --alg  key kind (default RS256; RS*/PS* give RSA 2048, ES384/ES512 their curves)\n"
    "  --kid  key id (default: the RFC 7638 thumbprint)\n";

static int cmd_keygen(apr_pool_t *p, int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"alg", required_argument, NULL, 'a'},
                                         {"kid", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = NULL, *kid = NULL;
    const aj_alg_t *alg = aj_alg_by_id(AJ_ALG_RS256);
    EVP_PKEY *pkey;
    aj_key_t *key;
    json_t *jwks;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'a':
            alg = aj_alg_by_name(optarg);
            if (alg == NULL || alg->kty == AJ_KTY_OCT) {
                return usage_error("keygen", "--alg must be an RS, PS, ES or EdDSA algorithm");
            }
            break;
        case 'k':
            kid = optarg;
            break;
        case 'h':
            fputs(keygen_help, stdout);
            return 0;
        default:
            return usage_error("keygen", "unknown option");
        }
    }
    if (out == NULL || optind != argc) {
        return usage_error("keygen", "--out DIR is required and takes no other arguments");
    }
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s keygen: cannot create %s: %s\n", prog, out, strerror(errno));
        return EXIT_USAGE;
    }
    /* keys/ and keys name the same folder: one slash between it and the files */
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--) {
        out = apr_pstrndup(p, out, n - 1);
    }
    pkey = aj_key_generate(p, alg, 0);
    key = pkey ? aj_key_from_pkey(p, pkey, NULL, NULL) : NULL;
    if (key == NULL) {
        fprintf(stderr, "%s keygen: key generation failed\n", prog);
        return EXIT_USAGE;
    }
    if (kid == NULL) {
        kid = aj_b64url_encode(p, key->thumbprint, sizeof(key->thumbprint));
    }
    key = aj_key_from_pkey(p, pkey, kid, alg->name);
    jwks = aj_json_pool_own(p, json_pack("{s:[O]}", "keys", aj_key_to_jwk(p, key)));
    if (write_file(p, apr_pstrcat(p, out, "/private.pem", NULL), aj_key_private_pem(p, pkey),
                   0600) != 0 ||
        write_file(p, apr_pstrcat(p, out, "/jwks.json", NULL),
                   apr_pstrcat(p, json_text(p, jwks, JSON_INDENT(2)), "\n", NULL), 0644) != 0) {
        fprintf(stderr, "%s keygen: cannot write into %s: %s\n", prog, out, strerror(errno));
        return EXIT_USAGE;
    }
    printf("kid %s\nprivate key %s/private.pem\nkey set %s/jwks.json\n", kid, out, out);
    return 0;
}

/* ---- mint ------------------------------------------------------------------ */

static const char mint_help[] =
    "usage: auth0-jwt mint (--key KEY.pem | --secret-file F --alg HS256) [--kid K] --iss URL\n"
    "                      --aud ID [--scope \"a b\"] [--permissions \"a b\"] [--sub S]\n"
    "                      [--ttl SECONDS] [--alg A] [--typ T] [--claim NAME=JSON]...\n"
    "                      [--cnf-jkt-of KEY | --cnf-x5t-of CERT]\n"
    "  Prints a signed access token. iat is now, exp is now + ttl (default 3600).\n"
    "  --alg defaults from the key: RSA RS256, P-256 ES256, P-384 ES384, P-521 ES512,\n"
    "  Ed25519 EdDSA. --claim sets any claim to a JSON value (a bare word is taken as a\n"
    "  string) and may override the ones above.\n"
    "  --cnf-jkt-of KEY    bind the token to a DPoP key: cnf.jkt, its RFC 7638 thumbprint\n"
    "  --cnf-x5t-of CERT   bind it to a client certificate: cnf[\"x5t#S256\"]\n";

const char *default_alg(EVP_PKEY *pkey)
{
    char group[32] = "";

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        return "RS256";
    }
    if (EVP_PKEY_is_a(pkey, "ED25519") || EVP_PKEY_is_a(pkey, "ED448")) {
        return "EdDSA";
    }
    EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL);
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
        return "ES256";
    }
    if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) {
        return "ES384";
    }
    return strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0 ? "ES512" : NULL;
}

/* Set claim NAME=JSON on payload; a value that is not JSON is taken as a string. */
static int set_claim(json_t *payload, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char name[256];
    json_t *v;

    if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
        return -1;
    }
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
    json_object_set_new(payload, name, v ? v : json_string(eq + 1));
    return 0;
}

static int cmd_mint(apr_pool_t *p, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'K'},
                                         {"secret-file", required_argument, NULL, 'S'},
                                         {"kid", required_argument, NULL, 'k'},
                                         {"iss", required_argument, NULL, 'i'},
                                         {"aud", required_argument, NULL, 'a'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"permissions", required_argument, NULL, 'P'},
                                         {"sub", required_argument, NULL, 'u'},
                                         {"ttl", required_argument, NULL, 't'},
                                         {"alg", required_argument, NULL, 'A'},
                                         {"typ", required_argument, NULL, 'T'},
                                         {"claim", required_argument, NULL, 'c'},
                                         {"cnf-jkt-of", required_argument, NULL, 'J'},
                                         {"cnf-x5t-of", required_argument, NULL, 'X'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *jkt_of = NULL, *x5t_of = NULL;
    const char *keyfile = NULL, *secretfile = NULL, *kid = NULL, *iss = NULL, *aud = NULL;
    const char *scope = NULL, *perms = NULL, *sub = "auth0|demo-user", *alg_name = NULL;
    const char *typ = "at+jwt";
    apr_array_header_t *claims = apr_array_make(p, 4, sizeof(const char *));
    long ttl = 3600;
    EVP_PKEY *pkey = NULL;
    const unsigned char *secret = NULL;
    apr_size_t secret_len = 0;
    const aj_alg_t *alg;
    json_t *header, *payload;
    char *end, *token;
    time_t now = time(NULL);
    int c, i;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'K':
            keyfile = optarg;
            break;
        case 'S':
            secretfile = optarg;
            break;
        case 'k':
            kid = optarg;
            break;
        case 'i':
            iss = optarg;
            break;
        case 'a':
            aud = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'P':
            perms = optarg;
            break;
        case 'u':
            sub = optarg;
            break;
        case 'A':
            alg_name = optarg;
            break;
        case 'T':
            typ = optarg;
            break;
        case 'c':
            APR_ARRAY_PUSH(claims, const char *) = optarg;
            break;
        case 'J':
            jkt_of = optarg;
            break;
        case 'X':
            x5t_of = optarg;
            break;
        case 't':
            errno = 0;
            ttl = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno == ERANGE || ttl < -MAX_TTL ||
                ttl > MAX_TTL) {
                return usage_error("mint",
                                   "--ttl takes whole seconds, at most 100 years either way");
            }
            break;
        case 'h':
            fputs(mint_help, stdout);
            return 0;
        default:
            return usage_error("mint", "unknown option");
        }
    }
    if (optind != argc || iss == NULL || aud == NULL || (keyfile == NULL) == (secretfile == NULL)) {
        return usage_error("mint", "needs --iss, --aud, and one of --key or --secret-file");
    }
    if (keyfile) {
        pkey = aj_key_load_pem(p, keyfile);
        if (pkey == NULL) {
            fprintf(stderr, "%s mint: cannot read a private key from %s\n", prog, keyfile);
            return EXIT_USAGE;
        }
        alg_name = alg_name ? alg_name : default_alg(pkey);
    } else {
        secret = (const unsigned char *)read_all(p, secretfile, &secret_len, 1 << 16);
        if (secret == NULL) {
            fprintf(stderr, "%s mint: cannot read %s\n", prog, secretfile);
            return EXIT_USAGE;
        }
        alg_name = alg_name ? alg_name : "HS256";
    }
    alg = aj_alg_by_name(alg_name);
    if (alg == NULL || (alg->kty == AJ_KTY_OCT) != (secret != NULL)) {
        return usage_error("mint", "--alg does not fit the key (HS* needs --secret-file)");
    }
    if (pkey) {
        aj_key_t *pub = aj_key_from_pkey(p, pkey, NULL, NULL);
        if (pub == NULL || aj_key_fits(pub, alg) != AJ_OK) {
            return usage_error("mint",
                               apr_psprintf(p, "--alg %s does not fit this key", alg->name));
        }
    } else if (secret_len < alg->min_secret) {
        return usage_error("mint", apr_psprintf(p, "%s needs a secret of at least %d bytes",
                                                alg->name, (int)alg->min_secret));
    }
    header = aj_json_pool_own(p, json_pack("{s:s,s:s}", "alg", alg->name, "typ", typ));
    if (kid) {
        json_object_set_new(header, "kid", json_string(kid));
    }
    payload =
        aj_json_pool_own(p, json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", iss, "sub", sub, "aud", aud,
                                      "iat", (json_int_t)now, "exp", (json_int_t)(now + ttl)));
    if (scope) {
        json_object_set_new(payload, "scope", json_string(scope));
    }
    if (perms) {
        json_t *arr = json_array();
        char *last, *list = apr_pstrdup(p, perms);
        for (char *w = apr_strtok(list, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
            json_array_append_new(arr, json_string(w));
        }
        json_object_set_new(payload, "permissions", arr);
    }
    if (jkt_of || x5t_of) { /* bound to a DPoP key or a client certificate */
        json_t *cnf = json_object();
        int is_cert = 0;
        const char *tp;
        json_object_set_new(payload, "cnf", cnf);
        if (jkt_of) {
            if ((tp = cli_thumbprint(p, jkt_of, &is_cert)) == NULL || is_cert) {
                return usage_error("mint", "--cnf-jkt-of takes a key (PEM, JWK or one-key JWKS)");
            }
            json_object_set_new(cnf, "jkt", json_string(tp));
        }
        if (x5t_of) {
            if ((tp = cli_thumbprint(p, x5t_of, &is_cert)) == NULL || !is_cert) {
                return usage_error("mint", "--cnf-x5t-of takes a PEM certificate");
            }
            json_object_set_new(cnf, "x5t#S256", json_string(tp));
        }
    }
    for (i = 0; i < claims->nelts; i++) {
        if (set_claim(payload, APR_ARRAY_IDX(claims, i, const char *)) != 0) {
            return usage_error("mint", "--claim takes NAME=JSON");
        }
    }
    token = aj_jws_sign(p, alg, pkey, secret, secret_len, json_text(p, header, JSON_COMPACT),
                        json_text(p, payload, JSON_COMPACT));
    if (token == NULL) {
        fprintf(stderr, "%s mint: signing failed (does the key fit %s?)\n", prog, alg->name);
        return EXIT_USAGE;
    }
    puts(token);
    return 0;
}

/* ---- verify ---------------------------------------------------------------- */

static const char verify_help[] =
    "usage: auth0-jwt verify (--jwks FILE | --jwks-uri URL | --domain D) [--aud A]...\n"
    "                        [--iss I] [--alg A]... [--now EPOCH] [--skew S]\n"
    "                        [--signature-only] [--ca-file F] [--proxy URL] TOKEN|-\n"
    "  Checks a token as mod_auth0_jwt does. Exit 0 and the payload on stdout when\n"
    "  valid; exit 1 and the reason on stderr when not; exit 2 on usage errors.\n"
    "  --jwks            key set file (oct keys allowed, for HS*)\n"
    "  --jwks-uri        fetch the key set over HTTPS\n"
    "  --domain          an Auth0 tenant: keys from https://D/.well-known/jwks.json,\n"
    "                    and --iss defaults to https://D/\n"
    "  --ca-file         CA certificates for the key host (default: system store)\n"
    "  --proxy           http://host:port proxy (CONNECT) for the fetch\n"
    "  --aud, --iss      expected audience(s) and exact issuer (not checked if absent)\n"
    "  --alg             allowed algorithm, repeatable (default RS256)\n"
    "  --now             the clock, in seconds since the epoch (default: now)\n"
    "  --skew            clock leeway in seconds (default 5)\n"
    "  --signature-only  check format, header, key and signature only;\n"
    "                    the payload may be any bytes and is printed as signed\n"
    "  --decryption-key  RSA private key (PEM) to decrypt an encrypted (JWE) token\n"
    "                    with first; the signed token inside is then checked\n";

static int cmd_verify(apr_pool_t *p, int argc, char **argv)
{
    static const struct option opts[] = {{"jwks", required_argument, NULL, 'j'},
                                         {"aud", required_argument, NULL, 'a'},
                                         {"iss", required_argument, NULL, 'i'},
                                         {"alg", required_argument, NULL, 'A'},
                                         {"now", required_argument, NULL, 'n'},
                                         {"skew", required_argument, NULL, 's'},
                                         {"signature-only", no_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"jwks-uri", required_argument, NULL, 'u'},
                                         {"domain", required_argument, NULL, 'd'},
                                         {"ca-file", required_argument, NULL, 'c'},
                                         {"proxy", required_argument, NULL, 'x'},
                                         {"decryption-key", required_argument, NULL, 'D'},
                                         {NULL, 0, NULL, 0}};
    const char *jwks_file = NULL, *jwks_uri = NULL, *domain = NULL, *why = NULL, *token;
    const char *decryption_key = NULL;
    aj_fetch_opts_t fetch = {NULL, NULL, NULL, apr_time_from_sec(10), 0};
    aj_fetch_result_t fetched;
    apr_array_header_t *audiences = apr_array_make(p, 2, sizeof(const char *));
    aj_claims_policy_t policy = {NULL, audiences, 5};
    unsigned int algs = 0;
    int signature_only = 0, c, i;
    double now = (double)time(NULL);
    apr_size_t len, jwks_len;
    char *buf, *end;
    aj_jwks_t *set;
    aj_token_t tok;
    aj_reason_e r;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            jwks_file = optarg;
            break;
        case 'u':
            jwks_uri = optarg;
            break;
        case 'd':
            domain = optarg;
            break;
        case 'c':
            fetch.ca_file = optarg;
            break;
        case 'x':
            fetch.proxy = optarg;
            break;
        case 'a':
            APR_ARRAY_PUSH(audiences, const char *) = optarg;
            break;
        case 'i':
            policy.issuer = optarg;
            break;
        case 'S':
            signature_only = 1;
            break;
        case 'D':
            decryption_key = optarg;
            break;
        case 'A':
            if (aj_alg_set_add(&algs, optarg) != 0) {
                return usage_error("verify", "unknown --alg (RS256 RS384 RS512 PS256 PS384 "
                                             "PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512)");
            }
            break;
        case 'n':
            now = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0') {
                return usage_error("verify", "--now takes seconds since the epoch");
            }
            break;
        case 's': {
            long skew;
            errno = 0;
            skew = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno == ERANGE || skew < 0 || skew > 31536000) {
                return usage_error("verify", "--skew takes whole seconds from 0 to 31536000");
            }
            policy.skew = (int)skew;
            break;
        }
        case 'h':
            fputs(verify_help, stdout);
            return 0;
        default:
            return usage_error("verify", "unknown option");
        }
    }
    if ((jwks_file != NULL) + (jwks_uri != NULL) + (domain != NULL) != 1 || optind != argc - 1) {
        return usage_error("verify", "needs one of --jwks, --jwks-uri, --domain, and one TOKEN "
                                     "(or - for stdin)");
    }
    if (domain) {
        jwks_uri = apr_pstrcat(p, "https://", domain, "/.well-known/jwks.json", NULL);
        policy.issuer =
            policy.issuer ? policy.issuer : apr_pstrcat(p, "https://", domain, "/", NULL);
    }
    if (jwks_uri) {
        fetch.url = jwks_uri;
        aj_fetch(&fetched, p, &fetch);
        if (fetched.err != AJ_FETCH_OK) {
            fprintf(stderr, "%s verify: cannot fetch %s: %s: %s\n", prog, jwks_uri,
                    aj_fetch_err_name(fetched.err), fetched.detail);
            return EXIT_USAGE;
        }
        buf = (char *)fetched.body;
        jwks_len = fetched.body_len;
        jwks_file = jwks_uri;
    } else {
        buf = read_all(p, jwks_file, &jwks_len, 1 << 20);
        if (buf == NULL) {
            fprintf(stderr, "%s verify: cannot read %s\n", prog, jwks_file);
            return EXIT_USAGE;
        }
    }
    set = aj_jwks_parse(p, buf, jwks_len, &why);
    if (set == NULL) {
        fprintf(stderr, "%s verify: %s: %s\n", prog, jwks_file, why);
        return EXIT_USAGE;
    }
    for (i = 0; i < set->skipped->nelts; i++) {
        const aj_jwk_skip_t *s = &APR_ARRAY_IDX(set->skipped, i, aj_jwk_skip_t);
        fprintf(stderr, "%s verify: skipped key %d (kid %s): %s\n", prog, s->index,
                s->kid ? s->kid : "none", s->why);
    }
    token = token_arg(p, argv[optind], &len);
    if (token == NULL) {
        fprintf(stderr, "%s verify: cannot read the token\n", prog);
        return EXIT_USAGE;
    }
    if (decryption_key && aj_jwe_is_compact(token, len)) {
        r = cli_jwe_decrypt(p, decryption_key, token, len, &token, &len, &why);
        if (r == AJ_R__COUNT) {
            fprintf(stderr, "%s verify: %s: %s\n", prog, decryption_key, why);
            return EXIT_USAGE;
        }
        if (r != AJ_OK) {
            fprintf(stderr, "invalid: %s: %s\n", aj_reason_name(r), aj_reason(r)->log);
            return EXIT_INVALID;
        }
    }
    algs = algs ? algs : AJ_ALGS_DEFAULT;
    r = signature_only ? aj_token_verify_jws(&tok, p, token, len, algs, set, NULL)
                       : aj_token_verify(&tok, p, token, len, algs, set, &policy, now);
    if (r != AJ_OK) {
        fprintf(stderr, "invalid: %s: %s\n", aj_reason_name(r), aj_reason(r)->log);
        return EXIT_INVALID;
    }
    if (signature_only) {
        /* the payload exactly as signed: JSON or not, it was never interpreted */
        fwrite(tok.jws.payload, 1, tok.jws.payload_len, stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
    }
    puts(json_text(p, tok.payload, JSON_INDENT(2) | JSON_PRESERVE_ORDER));
    return 0;
}

/* ---- decode ---------------------------------------------------------------- */

static const char decode_help[] =
    "usage: auth0-jwt decode TOKEN|-\n"
    "  Prints the header and payload as JSON without checking anything: the output\n"
    "  is marked \"verified\": false. Never trust it for a decision.\n";

/* One segment decoded and parsed, or a JSON string saying why not. */
static json_t *decode_segment(apr_pool_t *p, const char *seg, apr_size_t len)
{
    unsigned char *raw;
    apr_size_t raw_len;
    json_t *j;

    if (aj_b64url_decode(&raw, &raw_len, p, seg, len) != 0) {
        return json_string("(not strict base64url)");
    }
    j = json_loadb((const char *)raw, raw_len, JSON_DECODE_ANY, NULL);
    return j ? j : json_string("(not JSON)");
}

static int cmd_decode(apr_pool_t *p, int argc, char **argv)
{
    const char *token, *dot1, *dot2;
    apr_size_t len;
    json_t *out;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        fputs(decode_help, stdout);
        return 0;
    }
    if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
        return usage_error("decode", "takes one TOKEN (or - for stdin) and no options");
    }
    token = token_arg(p, argv[1], &len);
    if (token && aj_jwe_is_compact(token, len)) { /* only the header is in the clear */
        dot1 = memchr(token, '.', len);
        out = aj_json_pool_own(p, json_pack("{s:b,s:b,s:o}", "verified", 0, "encrypted", 1,
                                            "header",
                                            decode_segment(p, token, (apr_size_t)(dot1 - token))));
        puts(json_text(p, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER));
        return 0;
    }
    dot1 = token ? memchr(token, '.', len) : NULL;
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (apr_size_t)(dot1 + 1 - token)) : NULL;
    if (dot2 == NULL) {
        fprintf(stderr, "%s decode: not a compact JWS (header.payload.signature)\n", prog);
        return EXIT_INVALID;
    }
    out = aj_json_pool_own(
        p, json_pack("{s:b,s:o,s:o}", "verified", 0, "header",
                     decode_segment(p, token, (apr_size_t)(dot1 - token)), "payload",
                     decode_segment(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1))));
    puts(json_text(p, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER));
    return 0;
}

/* ---- main ------------------------------------------------------------------ */

static const struct {
    const char *name;
    int (*run)(apr_pool_t *, int, char **);
    const char *summary;
} commands[] = {
    {"keygen", cmd_keygen, "make a signing key pair and its JWKS"},
    {"mint", cmd_mint, "sign an access token"},
    {"verify", cmd_verify, "check a token as the module does"},
    {"decode", cmd_decode, "show a token's header and payload, unverified"},
    {"dpop", cmd_dpop, "make a DPoP proof for a request"},
    {"encrypt", cmd_encrypt, "encrypt a token to an API's RSA key (JWE)"},
    {"thumbprint", cmd_thumbprint, "a key's RFC 7638 or a certificate's SHA-256 thumbprint"},
};

static int usage(FILE *out, int rc)
{
    fprintf(out, "usage: %s COMMAND [options]   (%s COMMAND --help for more)\n", prog, prog);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "  %-10s %s\n", "--version", "print the version and exit");
    return rc;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    int rc = -1;

    if (argc < 2) {
        return usage(stderr, EXIT_USAGE);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return usage(stdout, 0);
    }
    if (strcmp(argv[1], "--version") == 0) { /* AC_INIT's version, as the package's */
        printf("%s (mod_auth0_jwt) %s\n", prog, AUTH0_JWT_VERSION);
        return 0;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            optind = 1;
            rc = commands[i].run(p, argc - 1, argv + 1);
        }
    }
    if (rc < 0) {
        fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
        rc = usage(stderr, EXIT_USAGE);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
