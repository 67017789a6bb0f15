/*
 * aj_jwk.c: JWK and JWK Set parsing, key fitness and key choice.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "aj_b64.h"
#include "aj_json.h"
#include "aj_jwk.h"
#include "aj_pkey_memo.h"

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free((EVP_PKEY *)data);
    return APR_SUCCESS;
}

static apr_status_t verify_ctx_cleanup(void *data)
{
    aj_key_t *key = data;

    for (int i = 0; i < AJ_ALG_HS256; i++) {
        EVP_MD_CTX_free(key->verify_ctx[i]);
        key->verify_ctx[i] = NULL;
    }
    return APR_SUCCESS;
}

EVP_PKEY *aj_key_pool_own(apr_pool_t *p, EVP_PKEY *pkey)
{
    if (pkey) {
        apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
    }
    return pkey;
}

static const struct {
    const char *jwk_name; /* RFC 7518 / RFC 8037 curve name */
    const char *ossl_name;
    int okp;         /* 1 for Edwards curves */
    apr_size_t size; /* coordinate (EC) or public key (OKP) bytes */
    int bits;
} curves[] = {
    {"P-256", "P-256", 0, 32, 256}, {"P-384", "P-384", 0, 48, 384},
    {"P-521", "P-521", 0, 66, 521}, {"Ed25519", "ED25519", 1, 32, 255},
    {"Ed448", "ED448", 1, 57, 448},
};

static int curve_index(const char *name, int okp)
{
    for (size_t i = 0; name && i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].okp == okp && strcmp(curves[i].jwk_name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Decode member name of jwk as strict base64url; NULL if absent, not a string or bad. */
static unsigned char *member_bytes(apr_size_t *len, apr_pool_t *p, const json_t *jwk,
                                   const char *name)
{
    const char *s = aj_json_string(jwk, name);
    unsigned char *out;

    if (s == NULL || aj_b64url_decode(&out, len, p, s, strlen(s)) != 0) {
        return NULL;
    }
    return out;
}

/* Keys are built from OSSL_PARAMs: the OpenSSL 3 way, no deprecated RSA/EC calls. */
static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_pkey(const unsigned char *n, apr_size_t nlen, const unsigned char *e,
                          apr_size_t elen)
{
    const unsigned char *parts[2] = {n, e};
    const size_t lens[2] = {nlen, elen};
    unsigned char digest[32];
    OSSL_PARAM_BLD *bld;
    BIGNUM *bn, *be;
    EVP_PKEY *pkey = aj_pkey_memo_get(digest, "RSA", parts, lens, 2);

    if (pkey) {
        return pkey;
    }
    bld = OSSL_PARAM_BLD_new();
    bn = BN_bin2bn(n, (int)nlen, NULL);
    be = BN_bin2bn(e, (int)elen, NULL);
    if (bld && bn && be && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)) {
        pkey = pkey_from_params("RSA", bld);
    }
    BN_free(bn);
    BN_free(be);
    OSSL_PARAM_BLD_free(bld);
    aj_pkey_memo_put(digest, pkey);
    return pkey;
}

/* An EC public key from x and y; NULL when the point is not on the curve. */
static EVP_PKEY *ec_pkey(int curve, const unsigned char *x, const unsigned char *y)
{
    apr_size_t size = curves[curve].size;
    unsigned char point[1 + 2 * 66], digest[32];
    const unsigned char *parts[2] = {(const unsigned char *)curves[curve].ossl_name, point};
    size_t lens[2] = {strlen(curves[curve].ossl_name), 1 + 2 * size};
    OSSL_PARAM_BLD *bld;
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *check;

    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, x, size);
    memcpy(point + 1 + size, y, size);
    if ((pkey = aj_pkey_memo_get(digest, "EC", parts, lens, 2)) != NULL) {
        return pkey; /* these numbers passed the checks below before */
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curves[curve].ossl_name,
                                        0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size)) {
        pkey = pkey_from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    if (pkey) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (check == NULL || EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    aj_pkey_memo_put(digest, pkey);
    return pkey;
}

/*
 * Fill in what every key has: the RFC 7638 thumbprint over the required public
 * members (pub, in canonical form) and the pool cleanup of the EVP_PKEY.
 */
static aj_key_t *finish_key(apr_pool_t *p, aj_key_t *key, json_t *pub)
{
    char *canon = json_dumps(pub, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned int len = 0;

    json_decref(pub);
    if (canon == NULL ||
        !EVP_Digest(canon, strlen(canon), key->thumbprint, &len, EVP_sha256(), NULL)) {
        free(canon);
        EVP_PKEY_free(key->pkey);
        return NULL;
    }
    free(canon);
    aj_key_pool_own(p, key->pkey);
    return key;
}

static json_t *b64_member(apr_pool_t *p, const unsigned char *buf, apr_size_t len)
{
    return json_string(aj_b64url_encode(p, buf, len));
}

/* Strip leading zero bytes: RFC 7518 6.3.1 encodes unsigned integers minimally. */
static const unsigned char *minimal(const unsigned char *buf, apr_size_t *len)
{
    while (*len > 1 && buf[0] == 0) {
        buf++;
        (*len)--;
    }
    return buf;
}

/*
 * Whether n carries the fingerprint of the ROCA flaw (CVE-2017-15361): moduli
 * made by the vulnerable generator are, modulo each small prime below, a power
 * of 65537, which holds for a random modulus with negligible odds. Such keys
 * can be factored; Wycheproof's JWK vectors include one.
 */
static int roca_fingerprint(const unsigned char *n, apr_size_t nlen)
{
    static const unsigned int primes[] = {
        3,  5,  7,  11, 13, 17,  19,  23,  29,  31,  37,  41,  43,  47,  53,  59,  61,  67,  71,
        73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};

    for (apr_size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
        unsigned int prime = primes[i], rem = 0, power = 1, found = 0;
        for (apr_size_t j = 0; j < nlen; j++) {
            rem = (rem * 256 + n[j]) % prime;
        }
        do { /* the subgroup that 65537 generates modulo prime */
            found |= power == rem;
            power = power * (65537 % prime) % prime;
        } while (power != 1);
        if (!found) {
            return 0;
        }
    }
    return 1;
}

static const char *parse_rsa(aj_key_t *key, json_t *pub, apr_pool_t *p, const json_t *jwk)
{
    apr_size_t nlen, elen;
    const unsigned char *n = member_bytes(&nlen, p, jwk, "n");
    const unsigned char *e = member_bytes(&elen, p, jwk, "e");

    if (n == NULL || e == NULL || nlen == 0 || elen == 0) {
        return "RSA key without valid base64url n and e";
    }
    n = minimal(n, &nlen);
    e = minimal(e, &elen);
    /* A modulus is a product of two odd primes: zero or even is no key at all
       (and zero would be written back as an empty "n" that no parser takes). */
    if ((n[nlen - 1] & 1) == 0) {
        return "RSA modulus n is zero or even";
    }
    if (elen > 4 || (e[elen - 1] & 1) == 0 || (elen == 1 && e[0] < 3)) {
        return "RSA exponent e is not an odd number from 3 to 2^32";
    }
    key->pkey = rsa_pkey(n, nlen, e, elen);
    if (key->pkey == NULL) {
        return "RSA key rejected by OpenSSL";
    }
    key->bits = EVP_PKEY_get_bits(key->pkey);
    if (key->bits < AJ_RSA_MIN_BITS && key->unusable == AJ_OK) {
        key->unusable = AJ_R_KEY_TOO_SMALL;
    }
    if (key->unusable == AJ_OK && roca_fingerprint(n, nlen)) {
        key->unusable = AJ_R_KEY_WEAK;
    }
    json_object_set_new(pub, "n", b64_member(p, n, nlen));
    json_object_set_new(pub, "e", b64_member(p, e, elen));
    return NULL;
}

static const char *parse_ec(aj_key_t *key, json_t *pub, apr_pool_t *p, const json_t *jwk)
{
    int curve = curve_index(aj_json_string(jwk, "crv"), 0);
    apr_size_t xlen, ylen;
    const unsigned char *x = member_bytes(&xlen, p, jwk, "x");
    const unsigned char *y = member_bytes(&ylen, p, jwk, "y");

    if (curve < 0) {
        return "EC key on an unsupported curve";
    }
    if (x == NULL || y == NULL || xlen != curves[curve].size || ylen != curves[curve].size) {
        return "EC key without x and y of the curve's full size";
    }
    key->pkey = ec_pkey(curve, x, y);
    if (key->pkey == NULL) {
        return "EC point is not on the curve";
    }
    key->crv = curves[curve].jwk_name;
    key->bits = curves[curve].bits;
    json_object_set_new(pub, "crv", json_string(key->crv));
    json_object_set_new(pub, "x", b64_member(p, x, xlen));
    json_object_set_new(pub, "y", b64_member(p, y, ylen));
    return NULL;
}

static const char *parse_okp(aj_key_t *key, json_t *pub, apr_pool_t *p, const json_t *jwk)
{
    int curve = curve_index(aj_json_string(jwk, "crv"), 1);
    apr_size_t xlen;
    const unsigned char *x = member_bytes(&xlen, p, jwk, "x");

    if (curve < 0) {
        return "OKP key on a curve other than Ed25519 or Ed448";
    }
    if (x == NULL || xlen != curves[curve].size) {
        return "OKP key without x of the curve's size";
    }
    key->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, curves[curve].ossl_name, NULL, x, xlen);
    if (key->pkey == NULL) {
        return "OKP key rejected by OpenSSL";
    }
    key->crv = curves[curve].jwk_name;
    key->bits = curves[curve].bits;
    json_object_set_new(pub, "crv", json_string(key->crv));
    json_object_set_new(pub, "x", b64_member(p, x, xlen));
    return NULL;
}

static const char *parse_oct(aj_key_t *key, json_t *pub, apr_pool_t *p, const json_t *jwk)
{
    apr_size_t klen;
    const unsigned char *k = member_bytes(&klen, p, jwk, "k");

    if (k == NULL || klen == 0) {
        return "oct key without valid base64url k";
    }
    key->secret = k;
    key->secret_len = klen;
    key->bits = (int)(klen * 8);
    if (klen < AJ_OCT_MIN_BYTES && key->unusable == AJ_OK) {
        key->unusable = AJ_R_KEY_TOO_SMALL;
    }
    json_object_set_new(pub, "k", b64_member(p, k, klen));
    return NULL;
}

static const struct {
    const char *name;
    aj_kty_e kty;
    const char *(*parse)(aj_key_t *, json_t *, apr_pool_t *, const json_t *);
} key_types[] = {
    {"RSA", AJ_KTY_RSA, parse_rsa},
    {"EC", AJ_KTY_EC, parse_ec},
    {"OKP", AJ_KTY_OKP, parse_okp},
    {"oct", AJ_KTY_OCT, parse_oct},
};

/* use and key_ops (RFC 7517 4.2, 4.3): what the key may be used for. */
static const char *check_usage(aj_key_t *key, const json_t *jwk)
{
    const json_t *use = json_object_get(jwk, "use");
    const json_t *ops = json_object_get(jwk, "key_ops");
    size_t i;
    int verify = 0;

    if (use) {
        if (!json_is_string(use)) {
            return "use is not a string";
        }
        if (strcmp(json_string_value(use), "sig") != 0) {
            key->unusable = AJ_R_KEY_USE;
        }
    }
    if (ops) {
        if (!json_is_array(ops)) {
            return "key_ops is not an array";
        }
        for (i = 0; i < json_array_size(ops); i++) {
            const char *op = json_string_value(json_array_get(ops, i));
            if (op == NULL) {
                return "key_ops holds a non-string";
            }
            verify |= strcmp(op, "verify") == 0;
        }
        if (!verify && key->unusable == AJ_OK) {
            key->unusable = AJ_R_KEY_OPS;
        }
    }
    return NULL;
}

aj_key_t *aj_jwk_parse(apr_pool_t *p, const json_t *jwk, const char **why)
{
    aj_key_t *key;
    const char *kty;
    const json_t *kid = json_object_get(jwk, "kid"), *alg = json_object_get(jwk, "alg");
    json_t *pub;
    size_t i;

    *why = NULL;
    if (!json_is_object(jwk)) {
        *why = "key is not a JSON object";
        return NULL;
    }
    kty = aj_json_string(jwk, "kty");
    if (kty == NULL) {
        *why = "key has no string kty";
        return NULL;
    }
    if ((kid && !json_is_string(kid)) || (alg && !json_is_string(alg))) {
        *why = "kid or alg is not a string";
        return NULL;
    }
    key = apr_pcalloc(p, sizeof(*key));
    key->kid = kid ? apr_pstrdup(p, json_string_value(kid)) : NULL;
    key->alg = alg ? apr_pstrdup(p, json_string_value(alg)) : NULL;
    if ((*why = check_usage(key, jwk)) != NULL) {
        return NULL;
    }
    for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
        if (strcmp(key_types[i].name, kty) == 0) {
            break;
        }
    }
    if (i == sizeof(key_types) / sizeof(key_types[0])) {
        *why = "unsupported kty";
        return NULL;
    }
    key->kty = key_types[i].kty;
    pub = json_object();
    json_object_set_new(pub, "kty", json_string(key_types[i].name));
    if ((*why = key_types[i].parse(key, pub, p, jwk)) != NULL) {
        json_decref(pub);
        return NULL;
    }
    if (finish_key(p, key, pub) == NULL) {
        *why = "key thumbprint failed";
        return NULL;
    }
    return key;
}

aj_jwks_t *aj_jwks_make(apr_pool_t *p)
{
    aj_jwks_t *set = apr_pcalloc(p, sizeof(*set));
    set->pool = p;
    set->keys = apr_array_make(p, 4, sizeof(aj_key_t *));
    set->skipped = apr_array_make(p, 1, sizeof(aj_jwk_skip_t));
    return set;
}

void aj_jwks_add(aj_jwks_t *set, aj_key_t *key)
{
    if (!key->prepared && key->pkey) { /* a key of a set serves many checks */
        key->prepared = 1;
        apr_pool_cleanup_register(set->pool, key, verify_ctx_cleanup, apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(set->keys, aj_key_t *) = key;
}

/*
 * Rules over the whole set, once it is read:
 * - a kid that a skipped (unreadable) entry carries too is ambiguous: the token
 *   may have been signed by the entry we could not read;
 * - a shared secret (oct) published beside public keys is no secret: a key set
 *   that mixes them is a leak or a mistake, and its secrets are never used.
 */
static void mark_ambiguous_and_mixed(aj_jwks_t *set)
{
    int i, j, public_keys = 0;

    for (i = 0; i < set->keys->nelts; i++) {
        public_keys += APR_ARRAY_IDX(set->keys, i, aj_key_t *)->kty != AJ_KTY_OCT;
    }
    for (i = 0; i < set->keys->nelts; i++) {
        aj_key_t *key = APR_ARRAY_IDX(set->keys, i, aj_key_t *);
        if (key->unusable != AJ_OK) {
            continue;
        }
        if (key->kty == AJ_KTY_OCT && public_keys > 0) {
            key->unusable = AJ_R_KEY_MIXED_SET;
            continue;
        }
        for (j = 0; key->kid && j < set->skipped->nelts; j++) {
            const char *other = APR_ARRAY_IDX(set->skipped, j, aj_jwk_skip_t).kid;
            if (other && strcmp(other, key->kid) == 0) {
                key->unusable = AJ_R_KEY_AMBIGUOUS;
                break;
            }
        }
    }
}

aj_jwks_t *aj_jwks_parse(apr_pool_t *p, const char *buf, apr_size_t len, const char **why)
{
    json_t *doc, *keys;
    aj_jwks_t *set;
    size_t i;

    *why = NULL;
    if (aj_json_parse_object(&doc, p, buf, len) != AJ_JSON_OK) {
        *why = "key set is not a JSON object";
        return NULL;
    }
    keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        *why = "key set has no \"keys\" array";
        return NULL;
    }
    set = aj_jwks_make(p);
    for (i = 0; i < json_array_size(keys); i++) {
        const json_t *jwk = json_array_get(keys, i);
        const char *skip;
        aj_key_t *key = aj_jwk_parse(p, jwk, &skip);
        if (key) {
            aj_jwks_add(set, key);
        } else {
            aj_jwk_skip_t *s = apr_array_push(set->skipped);
            s->index = (int)i;
            s->kid = json_is_object(jwk) ? aj_json_string(jwk, "kid") : NULL;
            s->kid = s->kid ? apr_pstrdup(p, s->kid) : NULL;
            s->why = skip;
        }
    }
    mark_ambiguous_and_mixed(set);
    return set;
}

aj_key_t *aj_key_from_secret(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                             const char *kid)
{
    aj_key_t *key;
    json_t *pub;

    if (len < AJ_OCT_MIN_BYTES) {
        return NULL;
    }
    key = apr_pcalloc(p, sizeof(*key));
    key->kty = AJ_KTY_OCT;
    key->kid = kid ? apr_pstrdup(p, kid) : NULL;
    key->secret = apr_pmemdup(p, secret, len);
    key->secret_len = len;
    key->bits = (int)(len * 8);
    pub = json_object();
    json_object_set_new(pub, "kty", json_string("oct"));
    json_object_set_new(pub, "k", b64_member(p, secret, len));
    return finish_key(p, key, pub);
}

/* Big-endian bytes of a BIGNUM parameter, left-padded to size (0: minimal). */
static unsigned char *bn_param(apr_size_t *len, apr_pool_t *p, const EVP_PKEY *pkey,
                               const char *name, apr_size_t size)
{
    BIGNUM *bn = NULL;
    unsigned char *buf = NULL;

    if (EVP_PKEY_get_bn_param(pkey, name, &bn) && bn) {
        *len = size ? size : (apr_size_t)BN_num_bytes(bn);
        buf = apr_palloc(p, *len ? *len : 1);
        if (BN_bn2binpad(bn, buf, (int)*len) < 0) {
            buf = NULL;
        }
    }
    BN_free(bn);
    return buf;
}

aj_key_t *aj_key_from_pkey(apr_pool_t *p, EVP_PKEY *pkey, const char *kid, const char *alg)
{
    json_t *jwk = json_object();
    unsigned char *a, *b;
    apr_size_t alen, blen;
    const char *why = NULL;
    aj_key_t *key = NULL;
    int curve = -1;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        a = bn_param(&alen, p, pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        b = bn_param(&blen, p, pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        if (a && b) {
            json_object_set_new(jwk, "kty", json_string("RSA"));
            json_object_set_new(jwk, "n", b64_member(p, a, alen));
            json_object_set_new(jwk, "e", b64_member(p, b, blen));
        }
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[32];
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                           NULL)) {
            int nid = OBJ_txt2nid(group);
            const char *jname = nid == NID_X9_62_prime256v1 ? "P-256"
                                : nid == NID_secp384r1      ? "P-384"
                                : nid == NID_secp521r1      ? "P-521"
                                                            : NULL;
            curve = curve_index(jname, 0);
        }
        if (curve >= 0) {
            a = bn_param(&alen, p, pkey, OSSL_PKEY_PARAM_EC_PUB_X, curves[curve].size);
            b = bn_param(&blen, p, pkey, OSSL_PKEY_PARAM_EC_PUB_Y, curves[curve].size);
            if (a && b) {
                json_object_set_new(jwk, "kty", json_string("EC"));
                json_object_set_new(jwk, "crv", json_string(curves[curve].jwk_name));
                json_object_set_new(jwk, "x", b64_member(p, a, alen));
                json_object_set_new(jwk, "y", b64_member(p, b, blen));
            }
        }
    } else if (EVP_PKEY_is_a(pkey, "ED25519") || EVP_PKEY_is_a(pkey, "ED448")) {
        unsigned char raw[57];
        size_t rlen = sizeof(raw);
        if (EVP_PKEY_get_raw_public_key(pkey, raw, &rlen)) {
            json_object_set_new(jwk, "kty", json_string("OKP"));
            json_object_set_new(jwk, "crv",
                                json_string(EVP_PKEY_is_a(pkey, "ED25519") ? "Ed25519" : "Ed448"));
            json_object_set_new(jwk, "x", b64_member(p, raw, rlen));
        }
    }
    if (json_object_get(jwk, "kty")) {
        if (kid) {
            json_object_set_new(jwk, "kid", json_string(kid));
        }
        if (alg) {
            json_object_set_new(jwk, "alg", json_string(alg));
        }
        key = aj_jwk_parse(p, jwk, &why);
    }
    json_decref(jwk);
    return key;
}

aj_reason_e aj_key_fits(const aj_key_t *key, const aj_alg_t *alg)
{
    if (key->unusable != AJ_OK) {
        return key->unusable;
    }
    if (key->kty != alg->kty || (alg->crv && (!key->crv || strcmp(alg->crv, key->crv) != 0)) ||
        (key->alg && strcmp(key->alg, alg->name) != 0)) {
        return AJ_R_KEY_ALG_MISMATCH;
    }
    if (alg->kty == AJ_KTY_OCT && key->secret_len < alg->min_secret) {
        return AJ_R_KEY_TOO_SMALL;
    }
    return AJ_OK;
}

aj_reason_e aj_jwks_select(const aj_key_t **key, const aj_jwks_t *set, const aj_alg_t *alg,
                           const char *kid)
{
    aj_reason_e first = kid ? AJ_R_KID_UNKNOWN : AJ_R_NO_MATCHING_KEY;
    int i, fits = 0;

    *key = NULL;
    if (set == NULL || set->keys->nelts == 0) {
        return AJ_R_NO_KEYS;
    }
    for (i = 0; i < set->keys->nelts; i++) {
        const aj_key_t *k = APR_ARRAY_IDX(set->keys, i, const aj_key_t *);
        aj_reason_e r;
        if (kid && (k->kid == NULL || strcmp(k->kid, kid) != 0)) {
            continue;
        }
        r = aj_key_fits(k, alg);
        if (r == AJ_OK) {
            fits++;
            *key = k;
        } else if (kid && first == AJ_R_KID_UNKNOWN) {
            first = r; /* the kid exists: say why it cannot be used */
        }
    }
    if (fits == 1) {
        return AJ_OK;
    }
    *key = NULL;
    return fits > 1 ? AJ_R_KEY_AMBIGUOUS : first;
}

const aj_key_t *aj_jwks_find_thumbprint(const aj_jwks_t *set, const unsigned char *thumbprint)
{
    for (int i = 0; set && i < set->keys->nelts; i++) {
        const aj_key_t *k = APR_ARRAY_IDX(set->keys, i, const aj_key_t *);
        if (memcmp(k->thumbprint, thumbprint, sizeof(k->thumbprint)) == 0) {
            return k;
        }
    }
    return NULL;
}

json_t *aj_key_to_jwk(apr_pool_t *p, const aj_key_t *key)
{
    json_t *jwk = json_object();
    apr_size_t len;
    unsigned char *a, *b;
    unsigned char raw[57];
    size_t rlen = sizeof(raw);

    json_object_set_new(jwk, "kty", json_string(aj_kty_name(key->kty)));
    if (key->kid) {
        json_object_set_new(jwk, "kid", json_string(key->kid));
    }
    json_object_set_new(jwk, "use", json_string("sig"));
    if (key->alg) {
        json_object_set_new(jwk, "alg", json_string(key->alg));
    }
    switch (key->kty) {
    case AJ_KTY_RSA:
        a = bn_param(&len, p, key->pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        json_object_set_new(jwk, "n", b64_member(p, a, len));
        b = bn_param(&len, p, key->pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        json_object_set_new(jwk, "e", b64_member(p, b, len));
        break;
    case AJ_KTY_EC:
        len = (apr_size_t)(key->bits + 7) / 8;
        json_object_set_new(jwk, "crv", json_string(key->crv));
        a = bn_param(&len, p, key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, len);
        json_object_set_new(jwk, "x", b64_member(p, a, len));
        b = bn_param(&len, p, key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, len);
        json_object_set_new(jwk, "y", b64_member(p, b, len));
        break;
    case AJ_KTY_OKP:
        json_object_set_new(jwk, "crv", json_string(key->crv));
        if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &rlen)) {
            json_object_set_new(jwk, "x", b64_member(p, raw, rlen));
        }
        break;
    default: /* oct: a secret is never written out */
        break;
    }
    return aj_json_pool_own(p, jwk);
}
