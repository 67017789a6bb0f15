/*
 * aj_jwe.c: compact JWE with RSA-OAEP key transport (aj_jwe.h).
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "aj_b64.h"
#include "aj_json.h"
#include "aj_jwe.h"
#include "aj_jwk.h" /* aj_key_pool_own */

#define MIN_RSA_BITS 2048
#define MAX_RSA_BITS 4096 /* each token costs a private-key operation: 4096 is ~6x 2048 */
#define MAX_CEK 64

static const struct {
    const char *name;
    const char *md; /* OAEP and MGF1 digest */
} key_algs[] = {
    {"RSA-OAEP", "SHA1"},
    {"RSA-OAEP-256", "SHA256"},
    {"RSA-OAEP-384", "SHA384"},
    {"RSA-OAEP-512", "SHA512"},
};

typedef struct {
    const char *name;
    const char *cipher;
    const char *mac_md; /* AES-CBC-HMAC: the HMAC digest; NULL for GCM */
    size_t cek_len;     /* content key bytes (MAC key + AES key for CBC-HMAC) */
    size_t iv_len;
    size_t tag_len;
} enc_t;

static const enc_t encs[] = {
    {"A128GCM", "AES-128-GCM", NULL, 16, 12, 16},
    {"A192GCM", "AES-192-GCM", NULL, 24, 12, 16},
    {"A256GCM", "AES-256-GCM", NULL, 32, 12, 16},
    {"A128CBC-HS256", "AES-128-CBC", "SHA256", 32, 16, 16},
    {"A192CBC-HS384", "AES-192-CBC", "SHA384", 48, 16, 24},
    {"A256CBC-HS512", "AES-256-CBC", "SHA512", 64, 16, 32},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int key_alg_index(const char *name)
{
    for (size_t i = 0; name && i < COUNT(key_algs); i++) {
        if (strcmp(key_algs[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static const enc_t *enc_by_name(const char *name)
{
    for (size_t i = 0; name && i < COUNT(encs); i++) {
        if (strcmp(encs[i].name, name) == 0) {
            return &encs[i];
        }
    }
    return NULL;
}

/* Exactly four dots. memchr, not a loop over every byte: this runs on every
 * request of a scope that takes encrypted tokens, cache hits included, and a
 * JWE is over a kilobyte (a byte loop cost a JWE hit 9,000 instructions). */
int aj_jwe_is_compact(const char *token, apr_size_t len)
{
    const char *at = token, *end = token + len;
    int dots = 0;

    while (dots < 5 && (at = memchr(at, '.', (apr_size_t)(end - at))) != NULL) {
        dots++;
        at++;
    }
    return dots == 4;
}

/* ---- RSA-OAEP ---------------------------------------------------------------- */

static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *pkey, int alg, int encrypt)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    const char *md = key_algs[alg].md;

    if (ctx == NULL ||
        (encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Whether ek is as long as the modulus and below it: what OpenSSL checks
 * before it does any RSA work. */
static int rsa_shaped(EVP_PKEY *pkey, const unsigned char *ek, apr_size_t ek_len)
{
    BIGNUM *n = NULL, *c = NULL;
    int ok = ek_len == (apr_size_t)EVP_PKEY_get_size(pkey) &&
             EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
             (c = BN_bin2bn(ek, (int)ek_len, NULL)) != NULL && BN_cmp(c, n) < 0;

    BN_free(n);
    BN_free(c);
    return ok;
}

/* The content key, or a random one of the right length when ek does not
 * unwrap to one: returns 1 when it did unwrap. cek has room for MAX_CEK.
 * A wrapped key that OpenSSL would turn away at once (not the modulus' size,
 * or not below it) is swapped for a ciphertext that goes through the whole
 * RSA operation and fails after it: otherwise the time would tell the
 * modulus apart, bit by bit. */
static int unwrap(unsigned char *cek, EVP_PKEY *pkey, int alg, const unsigned char *ek,
                  apr_size_t ek_len, size_t want)
{
    unsigned char out[MAX_RSA_BITS / 8], stand_in[MAX_RSA_BITS / 8];
    size_t out_len = sizeof(out), size = (size_t)EVP_PKEY_get_size(pkey);
    int shaped = size <= sizeof(out) && rsa_shaped(pkey, ek, ek_len);
    EVP_PKEY_CTX *ctx = size <= sizeof(out) ? oaep_ctx(pkey, alg, 0) : NULL;
    int ok;

    if (!shaped && size <= sizeof(stand_in)) {
        memset(stand_in, 0, size);
        stand_in[size - 1] = 1; /* 1 < n: decrypted in full, then no OAEP padding */
        ek = stand_in;
        ek_len = size;
    }
    ok = ctx && EVP_PKEY_decrypt(ctx, out, &out_len, ek, ek_len) > 0 && out_len == want && shaped;

    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    if (ok) {
        memcpy(cek, out, want);
    } else if (RAND_bytes(cek, (int)want) != 1) {
        memset(cek, 0, want); /* never reached in practice; the tag still fails */
    }
    OPENSSL_cleanse(out, sizeof(out));
    return ok;
}

/* ---- content: AES-GCM, AES-CBC + HMAC (RFC 7518 5.2 and 5.3) ---------------- */

/* The AES-CBC-HMAC tag: the first tag_len bytes of HMAC(mac key, A || IV || C || AL). */
static int cbc_hmac_tag(unsigned char *tag, const enc_t *e, const unsigned char *cek,
                        const char *aad, size_t aad_len, const unsigned char *iv,
                        const unsigned char *ct, size_t ct_len)
{
    unsigned char al[8], mac[EVP_MAX_MD_SIZE];
    uint64_t bits = (uint64_t)aad_len * 8;
    size_t mac_len = 0, half = e->cek_len / 2;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string("digest", (char *)e->mac_md, 0),
                            OSSL_PARAM_construct_end()};
    int ok;

    for (int i = 0; i < 8; i++) {
        al[i] = (unsigned char)(bits >> (56 - 8 * i));
    }
    ok = ctx && EVP_MAC_init(ctx, cek, half, params) &&
         EVP_MAC_update(ctx, (const unsigned char *)aad, aad_len) &&
         EVP_MAC_update(ctx, iv, e->iv_len) && EVP_MAC_update(ctx, ct, ct_len) &&
         EVP_MAC_update(ctx, al, sizeof(al)) && EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) &&
         mac_len >= e->tag_len;
    if (ok) {
        memcpy(tag, mac, e->tag_len);
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    return ok;
}

/* Decrypt and authenticate: 1 and *out (owned by p) when the tag matches. */
static int open_content(unsigned char **out, size_t *out_len, apr_pool_t *p, const enc_t *e,
                        const unsigned char *cek, const char *aad, size_t aad_len,
                        const unsigned char *iv, const unsigned char *ct, size_t ct_len,
                        const unsigned char *tag)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, e->cipher, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char *buf = apr_palloc(p, ct_len + 32), want[32];
    const unsigned char *key = e->mac_md ? cek + e->cek_len / 2 : cek;
    int n = 0, fin = 0, ok = 0;

    if (cipher == NULL || ctx == NULL) {
        goto done;
    }
    if (e->mac_md) { /* the tag first, in constant time; nothing is decrypted before */
        if (!cbc_hmac_tag(want, e, cek, aad, aad_len, iv, ct, ct_len) ||
            CRYPTO_memcmp(want, tag, e->tag_len) != 0) {
            goto done;
        }
        ok = EVP_DecryptInit_ex2(ctx, cipher, key, iv, NULL) &&
             EVP_DecryptUpdate(ctx, buf, &n, ct, (int)ct_len) &&
             EVP_DecryptFinal_ex(ctx, buf + n, &fin);
    } else {
        OSSL_PARAM params[2] = {OSSL_PARAM_construct_size_t("ivlen", (size_t *)&e->iv_len),
                                OSSL_PARAM_construct_end()};
        ok = EVP_DecryptInit_ex2(ctx, cipher, key, iv, params) &&
             EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)aad_len) &&
             EVP_DecryptUpdate(ctx, buf, &n, ct, (int)ct_len) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)e->tag_len, (void *)tag) &&
             EVP_DecryptFinal_ex(ctx, buf + n, &fin) > 0;
    }
done:
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    ERR_clear_error();
    if (!ok) {
        OPENSSL_cleanse(buf, ct_len + 32);
        return 0;
    }
    buf[n + fin] = '\0';
    *out = buf;
    *out_len = (size_t)(n + fin);
    return 1;
}

/* ---- decryption ----------------------------------------------------------------- */

/* The key a header's kid names; else the only key, when the header names none
 * or that key has no kid of its own (it was configured without one). */
static const aj_jwe_key_t *choose_key(const apr_array_header_t *keys, const char *kid)
{
    const aj_jwe_key_t *only;

    if (keys == NULL || keys->nelts == 0) {
        return NULL;
    }
    for (int i = 0; kid && i < keys->nelts; i++) {
        const aj_jwe_key_t *k = &APR_ARRAY_IDX(keys, i, aj_jwe_key_t);
        if (k->kid && strcmp(k->kid, kid) == 0) {
            return k;
        }
    }
    only = &APR_ARRAY_IDX(keys, 0, aj_jwe_key_t);
    return keys->nelts == 1 && (kid == NULL || only->kid == NULL) ? only : NULL;
}

aj_reason_e aj_jwe_open(const unsigned char **plain, apr_size_t *plain_len, json_t **header,
                        apr_pool_t *p, const char *token, apr_size_t len,
                        const apr_array_header_t *keys)
{
    const char *seg[5], *cty, *kid;
    apr_size_t seg_len[5], ek_len, iv_len, ct_len, tag_len, out_len;
    unsigned char *hdr_text, *ek, *iv, *ct, *tag, *out, cek[MAX_CEK];
    apr_size_t hdr_len;
    const json_t *kid_json;
    const aj_jwe_key_t *key;
    const enc_t *enc;
    json_t *hdr;
    int alg, unwrapped, opened;

    if (header) {
        *header = NULL;
    }
    if (len > AJ_JWE_MAX_LEN || !aj_jwe_is_compact(token, len)) {
        return AJ_R_JWE_MALFORMED;
    }
    seg[0] = token;
    for (int i = 0, start = 0; i < 5; i++) {
        const char *dot = memchr(token + start, '.', len - (apr_size_t)start);
        apr_size_t end = dot ? (apr_size_t)(dot - token) : len;
        seg[i] = token + start;
        seg_len[i] = end - (apr_size_t)start;
        start = (int)end + 1;
    }
    if (aj_b64url_decode(&hdr_text, &hdr_len, p, seg[0], seg_len[0]) != 0 ||
        aj_json_parse_object(&hdr, p, (const char *)hdr_text, hdr_len) != AJ_JSON_OK) {
        return AJ_R_JWE_MALFORMED;
    }
    if (header) {
        *header = hdr;
    }
    if ((alg = key_alg_index(aj_json_string(hdr, "alg"))) < 0) {
        return AJ_R_JWE_ALG; /* RSA1_5, dir, ECDH-ES, PBES2, key wrap, none, ... */
    }
    if ((enc = enc_by_name(aj_json_string(hdr, "enc"))) == NULL) {
        return AJ_R_JWE_ENC;
    }
    cty = aj_json_string(hdr, "cty");
    if (json_object_get(hdr, "zip") || json_object_get(hdr, "crit") ||
        (json_object_get(hdr, "cty") && (cty == NULL || strcasecmp(cty, "JWT") != 0))) {
        return AJ_R_JWE_HEADER;
    }
    kid_json = json_object_get(hdr, "kid");
    if (kid_json && !json_is_string(kid_json)) {
        return AJ_R_JWE_MALFORMED;
    }
    kid = kid_json ? json_string_value(kid_json) : NULL;
    if ((key = choose_key(keys, kid)) == NULL) {
        return AJ_R_JWE_KEY;
    }
    if (aj_b64url_decode(&ek, &ek_len, p, seg[1], seg_len[1]) != 0 ||
        aj_b64url_decode(&iv, &iv_len, p, seg[2], seg_len[2]) != 0 ||
        aj_b64url_decode(&ct, &ct_len, p, seg[3], seg_len[3]) != 0 ||
        aj_b64url_decode(&tag, &tag_len, p, seg[4], seg_len[4]) != 0 || iv_len != enc->iv_len ||
        tag_len != enc->tag_len || ek_len == 0) {
        return AJ_R_JWE_MALFORMED;
    }
    /* from here on, every failure costs the same work: unwrap, then the content */
    unwrapped = unwrap(cek, key->pkey, alg, ek, ek_len, enc->cek_len);
    opened = open_content(&out, &out_len, p, enc, cek, seg[0], seg_len[0], iv, ct, ct_len, tag);
    OPENSSL_cleanse(cek, sizeof(cek));
    if (!unwrapped) {
        return AJ_R_JWE_UNWRAP;
    }
    if (!opened) {
        return AJ_R_JWE_TAG;
    }
    *plain = out;
    *plain_len = out_len;
    return AJ_OK;
}

aj_reason_e aj_jwe_decrypt(const char **plain, apr_size_t *plain_len, json_t **header,
                           apr_pool_t *p, const char *token, apr_size_t len,
                           const apr_array_header_t *keys)
{
    const unsigned char *out;
    apr_size_t out_len, dots = 0;
    aj_reason_e rv = aj_jwe_open(&out, &out_len, header, p, token, len, keys);

    if (rv != AJ_OK) {
        return rv;
    }
    for (apr_size_t i = 0; i < out_len; i++) {
        dots += out[i] == '.';
    }
    if (dots != 2 || memchr(out, '\0', out_len)) {
        return AJ_R_JWE_NESTED; /* another JWE, or not a compact JWS at all */
    }
    *plain = (const char *)out;
    *plain_len = out_len;
    return AJ_OK;
}

aj_reason_e aj_jwe_content_open(unsigned char **out, apr_size_t *out_len, apr_pool_t *p,
                                const char *enc, const unsigned char *cek, apr_size_t cek_len,
                                const unsigned char *aad, apr_size_t aad_len,
                                const unsigned char *iv, apr_size_t iv_len,
                                const unsigned char *ct, apr_size_t ct_len,
                                const unsigned char *tag, apr_size_t tag_len)
{
    const enc_t *e = enc_by_name(enc);
    size_t n;

    if (e == NULL || cek_len != e->cek_len || iv_len != e->iv_len || tag_len != e->tag_len) {
        return AJ_R_JWE_ENC;
    }
    if (!open_content(out, &n, p, e, cek, (const char *)aad, aad_len, iv, ct, ct_len, tag)) {
        return AJ_R_JWE_TAG;
    }
    *out_len = n;
    return AJ_OK;
}

/* ---- encryption (CLI, tests) ----------------------------------------------------- */

static int seal_content(unsigned char *ct, unsigned char *tag, const enc_t *e,
                        const unsigned char *cek, const char *aad, size_t aad_len,
                        const unsigned char *iv, const unsigned char *pt, size_t pt_len,
                        size_t *ct_len)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, e->cipher, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ok = 0;

    if (cipher && ctx && e->mac_md) {
        ok = EVP_EncryptInit_ex2(ctx, cipher, cek + e->cek_len / 2, iv, NULL) &&
             EVP_EncryptUpdate(ctx, ct, &n, pt, (int)pt_len) &&
             EVP_EncryptFinal_ex(ctx, ct + n, &fin) &&
             cbc_hmac_tag(tag, e, cek, aad, aad_len, iv, ct, (size_t)(n + fin));
    } else if (cipher && ctx) {
        OSSL_PARAM params[2] = {OSSL_PARAM_construct_size_t("ivlen", (size_t *)&e->iv_len),
                                OSSL_PARAM_construct_end()};
        ok = EVP_EncryptInit_ex2(ctx, cipher, cek, iv, params) &&
             EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)aad_len) &&
             EVP_EncryptUpdate(ctx, ct, &n, pt, (int)pt_len) &&
             EVP_EncryptFinal_ex(ctx, ct + n, &fin) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)e->tag_len, tag) > 0;
    }
    *ct_len = (size_t)(n + fin);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return ok;
}

aj_reason_e aj_jwe_content_seal(unsigned char **ct, apr_size_t *ct_len, unsigned char *tag,
                                apr_size_t *tag_len, apr_pool_t *p, const char *enc,
                                const unsigned char *cek, apr_size_t cek_len,
                                const unsigned char *aad, apr_size_t aad_len,
                                const unsigned char *iv, apr_size_t iv_len,
                                const unsigned char *pt, apr_size_t pt_len)
{
    const enc_t *e = enc_by_name(enc);
    size_t n = 0;

    if (e == NULL || cek_len != e->cek_len || iv_len != e->iv_len) {
        return AJ_R_JWE_ENC;
    }
    *ct = apr_palloc(p, pt_len + 16);
    if (!seal_content(*ct, tag, e, cek, (const char *)aad, aad_len, iv, pt, pt_len, &n)) {
        return AJ_R_JWE_TAG;
    }
    *ct_len = n;
    *tag_len = e->tag_len;
    return AJ_OK;
}

char *aj_jwe_encrypt(apr_pool_t *p, EVP_PKEY *pub, const char *kid, const char *alg_name,
                     const char *enc_name, const char *plaintext, apr_size_t len,
                     const char **why)
{
    int alg = key_alg_index(alg_name);
    const enc_t *e = enc_by_name(enc_name);
    unsigned char cek[MAX_CEK], iv[16], tag[32], *ek, *ct;
    size_t ek_len, ct_len = 0;
    EVP_PKEY_CTX *ctx;
    json_t *hdr;
    char *h64, *out = NULL;
    int ok;

    *why = NULL;
    if (alg < 0) {
        *why = "alg must be RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384 or RSA-OAEP-512";
        return NULL;
    }
    if (e == NULL) {
        *why = "enc must be A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384 or "
               "A256CBC-HS512";
        return NULL;
    }
    if (!EVP_PKEY_is_a(pub, "RSA")) {
        *why = "the key is not an RSA key";
        return NULL;
    }
    hdr = json_pack("{s:s,s:s,s:s}", "alg", alg_name, "enc", enc_name, "cty", "JWT");
    if (kid) {
        json_object_set_new(hdr, "kid", json_string(kid));
    }
    h64 = aj_json_compact(p, hdr);
    json_decref(hdr);
    h64 = h64 ? aj_b64url_encode(p, (const unsigned char *)h64, strlen(h64)) : NULL;
    ek_len = (size_t)EVP_PKEY_get_size(pub);
    ek = apr_palloc(p, ek_len);
    ct = apr_palloc(p, len + 16);
    ctx = oaep_ctx(pub, alg, 1);
    ok = h64 && ctx && RAND_bytes(cek, (int)e->cek_len) == 1 &&
         RAND_bytes(iv, (int)e->iv_len) == 1 &&
         EVP_PKEY_encrypt(ctx, ek, &ek_len, cek, e->cek_len) > 0 &&
         seal_content(ct, tag, e, cek, h64, strlen(h64), iv, (const unsigned char *)plaintext, len,
                      &ct_len);
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_cleanse(cek, sizeof(cek));
    if (ok) {
        out = apr_pstrcat(p, h64, ".", aj_b64url_encode(p, ek, ek_len), ".",
                          aj_b64url_encode(p, iv, e->iv_len), ".", aj_b64url_encode(p, ct, ct_len),
                          ".", aj_b64url_encode(p, tag, e->tag_len), NULL);
    } else {
        *why = "OpenSSL could not encrypt (is the key an RSA public key large enough for alg?)";
    }
    return out;
}

/* ---- keys ---------------------------------------------------------------------- */

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return -1; /* an encrypted PEM is refused, never prompted for */
}

EVP_PKEY *aj_jwe_read_key(apr_pool_t *p, const char *pem, apr_size_t len, const char **why)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;

    BIO_free(bio);
    ERR_clear_error();
    *why = NULL;
    if (pkey == NULL) {
        *why = "not a PEM private key (or one protected by a passphrase)";
    } else if (!EVP_PKEY_is_a(pkey, "RSA")) {
        *why = "not an RSA key (Auth0 encrypts tokens to an RSA key)";
    } else if (EVP_PKEY_get_bits(pkey) < MIN_RSA_BITS) {
        *why = "an RSA key under 2048 bits";
    } else if (EVP_PKEY_get_bits(pkey) > MAX_RSA_BITS) {
        *why = "an RSA key over 4096 bits (every token would cost a private-key operation "
               "that slow)";
    }
    if (*why) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return aj_key_pool_own(p, pkey);
}
