/*
 * aj_jws.c: compact JWS parsing and verification.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "aj_b64.h"
#include "aj_json.h"
#include "aj_jws.h"

static aj_reason_e json_reason(aj_json_err_e e, int header)
{
    static const aj_reason_e map[][2] = {
        [AJ_JSON_OK] = {AJ_OK, AJ_OK},
        [AJ_JSON_SYNTAX] = {AJ_R_PAYLOAD_NOT_JSON, AJ_R_HEADER_NOT_JSON},
        [AJ_JSON_NOT_OBJECT] = {AJ_R_PAYLOAD_NOT_OBJECT, AJ_R_HEADER_NOT_OBJECT},
        [AJ_JSON_DUPLICATE] = {AJ_R_PAYLOAD_DUPLICATE, AJ_R_HEADER_DUPLICATE},
        [AJ_JSON_TOO_DEEP] = {AJ_R_PAYLOAD_TOO_DEEP, AJ_R_HEADER_TOO_DEEP},
        [AJ_JSON_UTF8] = {AJ_R_PAYLOAD_UTF8, AJ_R_HEADER_NOT_JSON},
    };
    return map[e][header ? 1 : 0];
}

/* typ (RFC 7515 4.1.9, RFC 9068 2.1): JWT or at+jwt, any case, optional
 * application/; or exactly the one a caller requires (dpop+jwt). */
static int typ_ok(const char *typ, const char *required)
{
    if (strncasecmp(typ, "application/", 12) == 0) {
        typ += 12;
    }
    if (required) {
        return strcasecmp(typ, required) == 0;
    }
    return strcasecmp(typ, "JWT") == 0 || strcasecmp(typ, "at+jwt") == 0;
}

static aj_reason_e check_header(aj_jws_t *jws, unsigned int allowed, const char *required_typ)
{
    const json_t *alg = json_object_get(jws->header, "alg");
    const json_t *typ = json_object_get(jws->header, "typ");
    const json_t *kid = json_object_get(jws->header, "kid");

    if (!json_is_string(alg)) {
        return AJ_R_ALG_MISSING;
    }
    if (strcasecmp(json_string_value(alg), "none") == 0) {
        return AJ_R_ALG_NONE;
    }
    jws->alg = aj_alg_by_name(json_string_value(alg));
    if (jws->alg == NULL || !(allowed & AJ_ALG_BIT(jws->alg->id))) {
        return AJ_R_ALG_NOT_ALLOWED;
    }
    /* No extension is understood, so any crit (RFC 7515 4.1.11) is refused. */
    if (json_object_get(jws->header, "crit")) {
        return AJ_R_CRIT;
    }
    if ((required_typ && typ == NULL) ||
        (typ && (!json_is_string(typ) || !typ_ok(json_string_value(typ), required_typ)))) {
        return AJ_R_TYP_INVALID;
    }
    if (kid && !json_is_string(kid)) {
        return AJ_R_KID_INVALID;
    }
    jws->kid = json_string_value(kid);
    /* jku, x5u, jwk, x5c: never fetched, never trusted, simply not read. */
    return AJ_OK;
}

aj_reason_e aj_jws_parse(aj_jws_t *jws, apr_pool_t *p, const char *token, apr_size_t len,
                         unsigned int allowed)
{
    return aj_jws_parse_typ(jws, p, token, len, allowed, NULL);
}

/* The three segments of a compact JWS, each strict base64url and decoded (the
 * header's only when header is not NULL). AJ_OK or why not. */
static aj_reason_e split(aj_jws_t *jws, unsigned char **header, apr_size_t *header_len,
                         apr_pool_t *p, const char *token, apr_size_t len)
{
    const char *dot1, *dot2, *sig_b64;
    apr_size_t hlen, plen, slen;
    unsigned char *payload, *sig;

    memset(jws, 0, sizeof(*jws));
    if (len > AJ_TOKEN_MAX_LEN) {
        return AJ_R_TOO_LARGE;
    }
    if (token == NULL || len == 0) {
        return AJ_R_SEGMENTS;
    }
    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (apr_size_t)(dot1 + 1 - token)) : NULL;
    if (dot2 == NULL || memchr(dot2 + 1, '.', len - (apr_size_t)(dot2 + 1 - token))) {
        return AJ_R_SEGMENTS;
    }
    hlen = (apr_size_t)(dot1 - token);
    plen = (apr_size_t)(dot2 - dot1 - 1);
    sig_b64 = dot2 + 1;
    slen = len - (apr_size_t)(sig_b64 - token);
    /* Every segment strict base64url before any JSON is read; one pass each. */
    if ((header && aj_b64url_decode(header, header_len, p, token, hlen) != 0) ||
        aj_b64url_decode(&payload, &jws->payload_len, p, dot1 + 1, plen) != 0 ||
        aj_b64url_decode(&sig, &jws->sig_len, p, sig_b64, slen) != 0) {
        return AJ_R_BASE64;
    }
    jws->payload = payload;
    jws->sig = sig;
    jws->signing_input = token;
    jws->signing_input_len = (apr_size_t)(dot2 - token);
    return AJ_OK;
}

aj_reason_e aj_jws_parse_typ(aj_jws_t *jws, apr_pool_t *p, const char *token, apr_size_t len,
                             unsigned int allowed, const char *required_typ)
{
    unsigned char *header = NULL;
    apr_size_t header_len = 0;
    aj_json_err_e je;
    aj_reason_e r = split(jws, &header, &header_len, p, token, len);

    if (r != AJ_OK) {
        return r;
    }
    je = aj_json_parse_object(&jws->header, p, (const char *)header, header_len);
    if (je != AJ_JSON_OK) {
        return json_reason(je, 1);
    }
    return check_header(jws, allowed, required_typ);
}

aj_reason_e aj_jws_parse_known(aj_jws_t *jws, apr_pool_t *p, const char *token, apr_size_t len,
                               const aj_alg_t *alg)
{
    aj_reason_e r = split(jws, NULL, NULL, p, token, len);

    jws->alg = r == AJ_OK ? alg : NULL;
    return r;
}


/* One DER INTEGER (X.690 8.3) of the unsigned big-endian number n (len bytes,
 * at most 127): leading zero bytes dropped, one zero byte put in front when the
 * top bit is set (it would read as negative). Returns the bytes written. */
static size_t der_uint(unsigned char *out, const unsigned char *n, apr_size_t len)
{
    size_t pad;

    while (len > 1 && n[0] == 0) {
        n++;
        len--;
    }
    pad = (n[0] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (unsigned char)(len + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, n, len);
    return 2 + pad + len;
}

size_t aj_jws_ecdsa_der(unsigned char *der, const unsigned char *sig, apr_size_t half)
{
    unsigned char body[AJ_ECDSA_DER_MAX];
    size_t n, head = 0;

    if (half == 0 || half > 66) {
        return 0;
    }
    n = der_uint(body, sig, half);
    n += der_uint(body + n, sig + half, half);
    der[head++] = 0x30; /* SEQUENCE, its length short or (from 128 bytes) in one more byte */
    if (n >= 0x80) {
        der[head++] = 0x81;
    }
    der[head++] = (unsigned char)n;
    memcpy(der + head, body, n);
    return head + n;
}

static int all_zero(const unsigned char *buf, apr_size_t len)
{
    unsigned char acc = 0;
    for (apr_size_t i = 0; i < len; i++) {
        acc |= buf[i];
    }
    return acc == 0;
}

static aj_reason_e verify_hmac(const aj_jws_t *jws, const aj_key_t *key)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;

    if (key->secret_len < jws->alg->min_secret) {
        return AJ_R_KEY_TOO_SMALL;
    }
    if (EVP_Q_mac(NULL, "HMAC", NULL, jws->alg->digest, NULL, key->secret, key->secret_len,
                  (const unsigned char *)jws->signing_input, jws->signing_input_len, mac,
                  sizeof(mac), &mac_len) == NULL) {
        return AJ_R_SIGNATURE_INVALID;
    }
    if (jws->sig_len != mac_len) {
        return AJ_R_SIGNATURE_LENGTH;
    }
    return CRYPTO_memcmp(mac, jws->sig, mac_len) == 0 ? AJ_OK : AJ_R_SIGNATURE_INVALID;
}

/* A context set up to verify alg with key: EVP_DigestVerifyInit, and for PSS
 * its padding and salt length. NULL on failure. */
static EVP_MD_CTX *verify_init(const aj_key_t *key, const aj_alg_t *alg)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;

    if (ctx && EVP_DigestVerifyInit(ctx, &pctx, aj_alg_md(alg), NULL, key->pkey) == 1 &&
        (!alg->pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
                       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0))) {
        return ctx;
    }
    EVP_MD_CTX_free(ctx);
    return NULL;
}

/*
 * A context ready to verify alg with key. For a key of a key set, a copy of
 * the key's own context for alg, which the first check sets up (then
 * published with one compare-and-swap: of two threads racing, the loser frees
 * its own) and later checks copy: setting a context up looks the algorithms
 * up in OpenSSL's stores and costs about a tenth of an RSA-2048 verify, a
 * copy much less. The template is only read after it is published.
 */
static EVP_MD_CTX *verify_ctx(const aj_key_t *key, const aj_alg_t *alg)
{
    EVP_MD_CTX **slot = (EVP_MD_CTX **)&key->verify_ctx[alg->id], *tmpl, *expected = NULL, *ctx;

    if (!key->prepared || alg->id >= AJ_ALG_HS256) {
        return verify_init(key, alg);
    }
    tmpl = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (tmpl == NULL) {
        if ((tmpl = verify_init(key, alg)) == NULL) {
            return NULL;
        }
        if (!__atomic_compare_exchange_n(slot, &expected, tmpl, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE)) {
            EVP_MD_CTX_free(tmpl);
            tmpl = expected;
        }
    }
    ctx = EVP_MD_CTX_new();
    if (ctx && EVP_MD_CTX_copy_ex(ctx, tmpl) == 1) {
        return ctx;
    }
    EVP_MD_CTX_free(ctx);
    return verify_init(key, alg); /* a context OpenSSL cannot copy: set one up */
}

aj_reason_e aj_jws_verify(const aj_jws_t *jws, const aj_key_t *key)
{
    const aj_alg_t *alg = jws->alg;
    const unsigned char *sig = jws->sig;
    size_t sig_len = jws->sig_len;
    unsigned char der[AJ_ECDSA_DER_MAX];
    EVP_MD_CTX *md_ctx;
    aj_reason_e rv = aj_key_fits(key, alg);

    if (rv != AJ_OK) {
        return rv;
    }
    if (alg->kty == AJ_KTY_OCT) {
        return verify_hmac(jws, key);
    }
    if (alg->kty == AJ_KTY_EC) {
        if (sig_len != 2 * alg->coord_size) {
            return AJ_R_SIGNATURE_LENGTH;
        }
        /* r = 0 or s = 0 never verifies (CVE-2022-21449): refuse before any math. */
        if (all_zero(sig, alg->coord_size) || all_zero(sig + alg->coord_size, alg->coord_size)) {
            return AJ_R_SIGNATURE_INVALID;
        }
        sig_len = aj_jws_ecdsa_der(der, sig, alg->coord_size);
        if (sig_len == 0) {
            return AJ_R_SIGNATURE_INVALID;
        }
        sig = der;
    } else if (alg->kty == AJ_KTY_RSA && sig_len != (size_t)EVP_PKEY_get_size(key->pkey)) {
        return AJ_R_SIGNATURE_LENGTH;
    } else if (alg->kty == AJ_KTY_OKP && sig_len != (strcmp(key->crv, "Ed448") ? 64u : 114u)) {
        return AJ_R_SIGNATURE_LENGTH; /* RFC 8032: 64 bytes (Ed25519), 114 (Ed448) */
    }
    rv = AJ_R_SIGNATURE_INVALID;
    md_ctx = verify_ctx(key, alg);
    if (md_ctx && EVP_DigestVerify(md_ctx, sig, sig_len, (const unsigned char *)jws->signing_input,
                                   jws->signing_input_len) == 1) {
        rv = AJ_OK;
    }
    EVP_MD_CTX_free(md_ctx);
    return rv;
}

aj_reason_e aj_jws_payload(json_t **payload, const char **json, apr_size_t *json_len, apr_pool_t *p,
                           const aj_jws_t *jws)
{
    aj_json_err_e je;

    *payload = NULL;
    *json = (const char *)jws->payload; /* decoded at parse time */
    *json_len = jws->payload_len;
    je = aj_json_parse_object(payload, p, *json, *json_len);
    return json_reason(je, 0);
}
