/*
 * aj_sign.c: keys and signatures for issuing tokens.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "aj_b64.h"
#include "aj_sign.h"

EVP_PKEY *aj_key_generate(apr_pool_t *p, const aj_alg_t *alg, int bits)
{
    EVP_PKEY *pkey = NULL;

    switch (alg->kty) {
    case AJ_KTY_RSA:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)(bits ? bits : 2048));
        break;
    case AJ_KTY_EC:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", alg->crv);
        break;
    case AJ_KTY_OKP:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    default:
        break;
    }
    return aj_key_pool_own(p, pkey);
}

EVP_PKEY *aj_key_load_pem(apr_pool_t *p, const char *path)
{
    BIO *bio = BIO_new_file(path, "r");
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    return aj_key_pool_own(p, pkey);
}

char *aj_key_private_pem(apr_pool_t *p, EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *pem = NULL;
    long len;

    if (bio && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
        len = BIO_get_mem_data(bio, &data);
        pem = apr_pstrmemdup(p, data, (apr_size_t)len);
    }
    BIO_free(bio);
    return pem;
}

/* DER ECDSA-Sig-Value to raw r||s, each left-padded to size bytes. */
static int ecdsa_raw(unsigned char *out, const unsigned char *der, size_t der_len, size_t size)
{
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)der_len);
    const BIGNUM *r, *s;
    int ok = 0;

    if (es) {
        ECDSA_SIG_get0(es, &r, &s);
        ok = BN_bn2binpad(r, out, (int)size) == (int)size &&
             BN_bn2binpad(s, out + size, (int)size) == (int)size;
        ECDSA_SIG_free(es);
    }
    return ok;
}

char *aj_jws_sign(apr_pool_t *p, const aj_alg_t *alg, EVP_PKEY *pkey, const unsigned char *secret,
                  apr_size_t secret_len, const char *header_json, const char *payload_json)
{
    char *input = apr_pstrcat(
        p, aj_b64url_encode(p, (const unsigned char *)header_json, strlen(header_json)), ".",
        aj_b64url_encode(p, (const unsigned char *)payload_json, strlen(payload_json)), NULL);
    size_t input_len = strlen(input), sig_len = 0;
    unsigned char *sig = NULL;
    EVP_MD_CTX *ctx;
    EVP_PKEY_CTX *pctx = NULL;

    if (alg->kty == AJ_KTY_OCT) {
        sig = apr_palloc(p, EVP_MAX_MD_SIZE);
        if (EVP_Q_mac(NULL, "HMAC", NULL, alg->digest, NULL, secret, secret_len,
                      (const unsigned char *)input, input_len, sig, EVP_MAX_MD_SIZE,
                      &sig_len) == NULL) {
            return NULL;
        }
    } else {
        ctx = EVP_MD_CTX_new();
        if (ctx && EVP_DigestSignInit_ex(ctx, &pctx, alg->digest, NULL, NULL, pkey, NULL) == 1 &&
            (!alg->pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
                           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0)) &&
            EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)input, input_len) == 1) {
            sig = apr_palloc(p, sig_len);
            if (EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, input_len) != 1) {
                sig = NULL;
            }
        }
        EVP_MD_CTX_free(ctx);
        if (sig && alg->kty == AJ_KTY_EC) {
            unsigned char *raw = apr_palloc(p, 2 * alg->coord_size);
            if (!ecdsa_raw(raw, sig, sig_len, alg->coord_size)) {
                return NULL;
            }
            sig = raw;
            sig_len = 2 * alg->coord_size;
        }
    }
    return sig ? apr_pstrcat(p, input, ".", aj_b64url_encode(p, sig, sig_len), NULL) : NULL;
}
