/*
 * cli_dpop.c: auth0-jwt's sender-constrained commands. `dpop` signs a DPoP
 * proof (RFC 9449 section 4.2) for one request; `thumbprint` prints the value a
 * token's cnf names: a key's RFC 7638 thumbprint (cnf.jkt) or a certificate's
 * SHA-256 thumbprint (cnf["x5t#S256"], RFC 8705 section 3.1).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_strings.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "aj_b64.h"
#include "aj_dpop.h"
#include "aj_json.h"
#include "aj_jwk.h"
#include "aj_sign.h"
#include "cli.h"

/* ---- thumbprint ------------------------------------------------------------- */

/* SHA-256 of a certificate's DER, base64url; NULL when text holds no certificate. */
static const char *cert_thumbprint(apr_pool_t *p, const char *text, apr_size_t len)
{
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const char *out = NULL;

    if (cert && X509_digest(cert, EVP_sha256(), md, &n) == 1 && n == 32) {
        out = aj_b64url_encode(p, md, n);
    }
    X509_free(cert);
    BIO_free(bio);
    return out;
}

/* The public key a PEM text holds (private or public), owned by p; NULL if none. */
static EVP_PKEY *pem_key(apr_pool_t *p, const char *text, apr_size_t len)
{
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

    if (pkey == NULL && bio) {
        BIO_reset(bio);
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    }
    BIO_free(bio);
    return aj_key_pool_own(p, pkey);
}

/* A JWK, or a JWK Set of exactly one key; NULL otherwise. */
static const aj_key_t *json_key(apr_pool_t *p, const char *text, apr_size_t len)
{
    json_t *doc = aj_json_pool_own(p, json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL));
    const json_t *keys = json_object_get(doc, "keys");
    const char *why;

    if (json_is_array(keys)) {
        doc = json_array_size(keys) == 1 ? json_array_get(keys, 0) : NULL;
    }
    return json_is_object(doc) ? aj_jwk_parse(p, doc, &why) : NULL;
}

const char *cli_thumbprint(apr_pool_t *p, const char *path, int *is_cert)
{
    apr_size_t len = 0;
    char *text = read_all(p, path, &len, 1 << 20);
    const char *tp;
    const aj_key_t *key = NULL;
    EVP_PKEY *pkey;

    *is_cert = 0;
    if (text == NULL) {
        return NULL;
    }
    if (strstr(text, "-----BEGIN CERTIFICATE-----")) {
        tp = cert_thumbprint(p, text, len);
        *is_cert = tp != NULL;
        return tp;
    }
    if (strstr(text, "-----BEGIN")) {
        pkey = pem_key(p, text, len);
        key = pkey ? aj_key_from_pkey(p, pkey, NULL, NULL) : NULL;
    } else {
        key = json_key(p, text, len);
    }
    if (key == NULL || key->kty == AJ_KTY_OCT) {
        return NULL; /* a shared secret has no public thumbprint to bind to */
    }
    return aj_b64url_encode(p, key->thumbprint, sizeof(key->thumbprint));
}

static const char thumbprint_help[] =
    "usage: auth0-jwt thumbprint FILE\n"
    "  Prints the base64url thumbprint a token's cnf claim names: for a key (PEM private\n"
    "  or public key, a JWK, or a JWK Set of one key) its RFC 7638 SHA-256 thumbprint\n"
    "  (cnf.jkt); for a PEM certificate the SHA-256 of its DER (cnf[\"x5t#S256\"]).\n";

int cmd_thumbprint(apr_pool_t *p, int argc, char **argv)
{
    const char *tp;
    int is_cert;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(thumbprint_help, stdout);
        return 0;
    }
    if (argc != 2) {
        return usage_error("thumbprint", "takes one FILE");
    }
    if ((tp = cli_thumbprint(p, argv[1], &is_cert)) == NULL) {
        fprintf(stderr, "%s thumbprint: %s holds no key or certificate\n", prog, argv[1]);
        return EXIT_USAGE;
    }
    puts(tp);
    return 0;
}

/* ---- dpop -------------------------------------------------------------------- */

static const char dpop_help[] =
    "usage: auth0-jwt dpop --key KEY.pem --method M --url URL [--token T|-] [--alg A]\n"
    "                      [--jti J] [--iat EPOCH]\n"
    "  Prints a DPoP proof (RFC 9449) for one request: typ dpop+jwt, the public key of\n"
    "  KEY.pem in its header, htm M, htu URL without query and fragment, a random jti,\n"
    "  iat now, and with --token the ath of that access token. --alg defaults from the\n"
    "  key (P-256 ES256, Ed25519 EdDSA, RSA RS256, ...).\n";

int cmd_dpop(apr_pool_t *p, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'K'},
                                         {"method", required_argument, NULL, 'm'},
                                         {"url", required_argument, NULL, 'u'},
                                         {"token", required_argument, NULL, 't'},
                                         {"alg", required_argument, NULL, 'A'},
                                         {"jti", required_argument, NULL, 'j'},
                                         {"iat", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *keyfile = NULL, *method = NULL, *url = NULL, *token = NULL, *alg_name = NULL;
    const char *jti = NULL;
    long long iat = (long long)time(NULL);
    apr_size_t token_len = 0;
    unsigned char rnd[16];
    const aj_alg_t *alg;
    aj_key_t *pub;
    EVP_PKEY *pkey;
    json_t *header, *payload;
    char *end, *proof;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'K':
            keyfile = optarg;
            break;
        case 'm':
            method = optarg;
            break;
        case 'u':
            url = optarg;
            break;
        case 't':
            token = optarg;
            break;
        case 'A':
            alg_name = optarg;
            break;
        case 'j':
            jti = optarg;
            break;
        case 'i':
            iat = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0') {
                return usage_error("dpop", "--iat takes seconds since the epoch");
            }
            break;
        case 'h':
            fputs(dpop_help, stdout);
            return 0;
        default:
            return usage_error("dpop", "unknown option");
        }
    }
    if (optind != argc || keyfile == NULL || method == NULL || url == NULL) {
        return usage_error("dpop", "needs --key, --method and --url");
    }
    if (aj_dpop_htu(p, url) == NULL) {
        return usage_error("dpop", "--url takes an absolute http:// or https:// URL");
    }
    if ((pkey = aj_key_load_pem(p, keyfile)) == NULL) {
        fprintf(stderr, "%s dpop: cannot read a private key from %s\n", prog, keyfile);
        return EXIT_USAGE;
    }
    alg = aj_alg_by_name(alg_name ? alg_name : default_alg(pkey));
    pub = aj_key_from_pkey(p, pkey, NULL, NULL);
    if (alg == NULL || pub == NULL || aj_key_fits(pub, alg) != AJ_OK) {
        return usage_error("dpop", "--alg does not fit the key");
    }
    if (token && (token = token_arg(p, token, &token_len)) == NULL) {
        return usage_error("dpop", "cannot read the token");
    }
    if (jti == NULL) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            fprintf(stderr, "%s dpop: no random bytes for a jti\n", prog);
            return EXIT_USAGE;
        }
        jti = aj_b64url_encode(p, rnd, sizeof(rnd));
    }
    header = aj_json_pool_own(p, json_pack("{s:s,s:s,s:O}", "typ", "dpop+jwt", "alg", alg->name,
                                           "jwk", aj_key_to_jwk(p, pub)));
    payload = aj_json_pool_own(
        p, json_pack("{s:s,s:s,s:s,s:I}", "jti", jti, "htm", method, "htu",
                     apr_pstrndup(p, url, strcspn(url, "?#")), "iat", (json_int_t)iat));
    if (token) {
        json_object_set_new(payload, "ath", json_string(aj_dpop_ath(p, token, token_len)));
    }
    proof = aj_jws_sign(p, alg, pkey, NULL, 0, json_text(p, header, JSON_COMPACT),
                        json_text(p, payload, JSON_COMPACT));
    if (proof == NULL) {
        fprintf(stderr, "%s dpop: signing failed\n", prog);
        return EXIT_USAGE;
    }
    puts(proof);
    return 0;
}
