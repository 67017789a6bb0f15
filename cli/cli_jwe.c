/*
 * cli_jwe.c: encrypted tokens in the auth0-jwt command: `encrypt`, and the
 * decryption that `verify --decryption-key` does before it checks the token.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "aj_jwe.h"
#include "cli.h"

static const char encrypt_help[] =
    "usage: auth0-jwt encrypt --key PUB.pem [--kid K] [--alg A] [--enc E] TOKEN|-\n"
    "  Encrypts a signed token to an API's RSA public key, as Auth0 does with JSON\n"
    "  Web Encryption on: prints the compact JWE.\n"
    "  --key   the RSA public key (PEM; a certificate or private key also works)\n"
    "  --kid   the kid to put in the JWE header (the key's kid on the server)\n"
    "  --alg   RSA-OAEP, RSA-OAEP-256 (default), RSA-OAEP-384 or RSA-OAEP-512\n"
    "  --enc   A128GCM, A192GCM, A256GCM (default), A128CBC-HS256, A192CBC-HS384\n"
    "          or A256CBC-HS512\n";

/* An RSA public key from a PEM public key, certificate or private key. */
static EVP_PKEY *public_key(apr_pool_t *p, const char *path)
{
    apr_size_t len;
    char *pem = read_all(p, path, &len, 1 << 20);
    BIO *bio;
    EVP_PKEY *pkey = NULL;
    X509 *cert;

    if (pem == NULL) {
        return NULL;
    }
    if ((bio = BIO_new_mem_buf(pem, (int)len)) != NULL) {
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        if (pkey == NULL && BIO_reset(bio) == 1 &&
            (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            pkey = X509_get_pubkey(cert);
            X509_free(cert);
        }
        if (pkey == NULL && BIO_reset(bio) == 1) {
            pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        }
        BIO_free(bio);
    }
    ERR_clear_error();
    return pkey;
}

int cmd_encrypt(apr_pool_t *p, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"kid", required_argument, NULL, 'i'},
                                         {"alg", required_argument, NULL, 'a'},
                                         {"enc", required_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key_file = NULL, *kid = NULL, *alg = "RSA-OAEP-256", *enc = "A256GCM";
    const char *token, *why, *jwe;
    apr_size_t len;
    EVP_PKEY *pkey;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key_file = optarg;
            break;
        case 'i':
            kid = optarg;
            break;
        case 'a':
            alg = optarg;
            break;
        case 'e':
            enc = optarg;
            break;
        case 'h':
            fputs(encrypt_help, stdout);
            return 0;
        default:
            return usage_error("encrypt", "unknown option");
        }
    }
    if (key_file == NULL || optind != argc - 1) {
        return usage_error("encrypt", "needs --key and one TOKEN (or - for stdin)");
    }
    if ((pkey = public_key(p, key_file)) == NULL) {
        fprintf(stderr, "%s encrypt: %s holds no PEM key or certificate\n", prog, key_file);
        return EXIT_USAGE;
    }
    token = token_arg(p, argv[optind], &len);
    jwe = token ? aj_jwe_encrypt(p, pkey, kid, alg, enc, token, len, &why) : NULL;
    EVP_PKEY_free(pkey);
    if (token == NULL) {
        return usage_error("encrypt", "cannot read the token");
    }
    if (jwe == NULL) {
        return usage_error("encrypt", why);
    }
    puts(jwe);
    return 0;
}

aj_reason_e cli_jwe_decrypt(apr_pool_t *p, const char *key_file, const char *token,
                            apr_size_t len, const char **inner, apr_size_t *inner_len,
                            const char **why)
{
    apr_size_t pem_len;
    char *pem = read_all(p, key_file, &pem_len, 65536);
    apr_array_header_t *keys = apr_array_make(p, 1, sizeof(aj_jwe_key_t));
    aj_jwe_key_t *key;
    EVP_PKEY *pkey;

    *why = NULL;
    if (pem == NULL) {
        *why = "cannot read the decryption key";
        return AJ_R__COUNT;
    }
    pkey = aj_jwe_read_key(p, pem, pem_len, why);
    memset(pem, 0, pem_len);
    if (pkey == NULL) {
        return AJ_R__COUNT;
    }
    key = apr_array_push(keys);
    key->kid = NULL; /* the only key: it takes a token whatever kid it names */
    key->pkey = pkey;
    return aj_jwe_decrypt(inner, inner_len, NULL, p, token, len, keys);
}
