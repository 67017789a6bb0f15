/*
 * test_attack_sig.c: forged signatures: wrong sizes, DER instead of raw r||s,
 * zero and out-of-range ECDSA values (CVE-2022-21449), truncated MACs, PSS
 * with another salt length. Each case starts from a correct signature, so
 * only the mutation can explain the refusal.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_jws.h"
#include "aj_sign.h"

typedef enum {
    M_NONE,       /* the signature as made: must verify */
    M_EMPTY,      /* no signature at all */
    M_TRUNCATE,   /* last byte dropped */
    M_HALF,       /* first half only (a truncated MAC) */
    M_EXTEND,     /* a zero byte appended */
    M_PREPEND,    /* a zero byte in front */
    M_ZERO,       /* same length, all zero */
    M_ONES,       /* same length, all 0xff */
    M_ONE,        /* the integer 1 */
    M_FLIP_LAST,  /* last bit flipped */
    M_FLIP_FIRST, /* first byte changed */
    M_DER,        /* ECDSA: the DER ECDSA-Sig-Value of the same r and s */
    M_R_ZERO,     /* ECDSA: r = 0, s kept */
    M_S_ZERO,     /* ECDSA: s = 0, r kept */
    M_R_ORDER,    /* ECDSA: r = n, the group order */
    M_S_ORDER,    /* ECDSA: s = n */
    M_S_PLUS_N,   /* ECDSA: s + n, which is s again modulo n but out of range */
    M_SWAP,       /* ECDSA: s || r */
    M_NEG_S,      /* ECDSA: n - s (the other valid signature: ECDSA is malleable) */
    M_MODULUS,    /* RSA: the modulus itself */
    M_ED_S_HIGH,  /* EdDSA: S with its top bits set (S >= L) */
} mutation_e;

static const struct {
    const char *alg;
    int key; /* unit_key_e, or -1 for a 64-byte shared secret */
    mutation_e m;
    aj_reason_e want;
    const char *why;
} cases[] = {
    {"ES256", UK_EC256, M_NONE, AJ_OK, "ES256 as signed"},
    {"ES256", UK_EC256, M_DER, AJ_R_SIGNATURE_LENGTH, "ES256 with a DER signature"},
    {"ES256", UK_EC256, M_TRUNCATE, AJ_R_SIGNATURE_LENGTH, "ES256 with 63 bytes"},
    {"ES256", UK_EC256, M_EXTEND, AJ_R_SIGNATURE_LENGTH, "ES256 with 65 bytes"},
    {"ES256", UK_EC256, M_PREPEND, AJ_R_SIGNATURE_LENGTH, "ES256 with a leading zero"},
    {"ES256", UK_EC256, M_HALF, AJ_R_SIGNATURE_LENGTH, "ES256 with r only"},
    {"ES256", UK_EC256, M_EMPTY, AJ_R_SIGNATURE_LENGTH, "ES256 with no signature"},
    {"ES256", UK_EC256, M_ZERO, AJ_R_SIGNATURE_INVALID, "ES256 r = s = 0 (CVE-2022-21449)"},
    {"ES256", UK_EC256, M_R_ZERO, AJ_R_SIGNATURE_INVALID, "ES256 r = 0"},
    {"ES256", UK_EC256, M_S_ZERO, AJ_R_SIGNATURE_INVALID, "ES256 s = 0"},
    {"ES256", UK_EC256, M_R_ORDER, AJ_R_SIGNATURE_INVALID, "ES256 r = n"},
    {"ES256", UK_EC256, M_S_ORDER, AJ_R_SIGNATURE_INVALID, "ES256 s = n"},
    {"ES256", UK_EC256, M_ONES, AJ_R_SIGNATURE_INVALID, "ES256 r and s all ones (> n)"},
    {"ES256", UK_EC256, M_ONE, AJ_R_SIGNATURE_INVALID, "ES256 r = 0, s = 1"},
    {"ES256", UK_EC256, M_SWAP, AJ_R_SIGNATURE_INVALID, "ES256 with r and s swapped"},
    {"ES256", UK_EC256, M_FLIP_LAST, AJ_R_SIGNATURE_INVALID, "ES256 with s changed"},
    {"ES256", UK_EC256, M_FLIP_FIRST, AJ_R_SIGNATURE_INVALID, "ES256 with r changed"},
    /* not a forgery: (r, n - s) is the other valid signature of the same message (RFC 7518 has no
       low-s rule) */
    {"ES256", UK_EC256, M_NEG_S, AJ_OK, "ES256 with n - s"},
    {"ES384", UK_EC384, M_NONE, AJ_OK, "ES384 as signed"},
    {"ES384", UK_EC384, M_DER, AJ_R_SIGNATURE_LENGTH, "ES384 with a DER signature"},
    {"ES384", UK_EC384, M_ZERO, AJ_R_SIGNATURE_INVALID, "ES384 r = s = 0"},
    {"ES384", UK_EC384, M_R_ORDER, AJ_R_SIGNATURE_INVALID, "ES384 r = n"},
    {"ES512", UK_EC521, M_NONE, AJ_OK, "ES512 as signed"},
    {"ES512", UK_EC521, M_DER, AJ_R_SIGNATURE_LENGTH, "ES512 with a DER signature"},
    {"ES512", UK_EC521, M_TRUNCATE, AJ_R_SIGNATURE_LENGTH, "ES512 with 131 bytes"},
    {"ES512", UK_EC521, M_ZERO, AJ_R_SIGNATURE_INVALID, "ES512 r = s = 0"},
    {"ES512", UK_EC521, M_S_ZERO, AJ_R_SIGNATURE_INVALID, "ES512 s = 0"},
    {"ES512", UK_EC521, M_S_ORDER, AJ_R_SIGNATURE_INVALID, "ES512 s = n"},
    {"ES512", UK_EC521, M_ONES, AJ_R_SIGNATURE_INVALID, "ES512 all ones"},
    /* 66-byte halves leave room for s + n without overflow */
    {"ES512", UK_EC521, M_S_PLUS_N, AJ_R_SIGNATURE_INVALID,
     "ES512 s + n, congruent but out of range"},
    {"ES512", UK_EC521, M_NEG_S, AJ_OK, "ES512 with n - s"},
    {"RS256", UK_RSA, M_NONE, AJ_OK, "RS256 as signed"},
    {"RS256", UK_RSA, M_EMPTY, AJ_R_SIGNATURE_LENGTH, "RS256 with no signature"},
    {"RS256", UK_RSA, M_TRUNCATE, AJ_R_SIGNATURE_LENGTH, "RS256 with 255 bytes"},
    {"RS256", UK_RSA, M_EXTEND, AJ_R_SIGNATURE_LENGTH, "RS256 with 257 bytes"},
    {"RS256", UK_RSA, M_PREPEND, AJ_R_SIGNATURE_LENGTH, "RS256 with a leading zero"},
    {"RS256", UK_RSA, M_HALF, AJ_R_SIGNATURE_LENGTH, "RS256 with 128 bytes"},
    {"RS256", UK_RSA, M_ZERO, AJ_R_SIGNATURE_INVALID, "RS256 all zero"},
    {"RS256", UK_RSA, M_ONE, AJ_R_SIGNATURE_INVALID, "RS256 signature 1"},
    {"RS256", UK_RSA, M_ONES, AJ_R_SIGNATURE_INVALID, "RS256 all ones (> n)"},
    {"RS256", UK_RSA, M_MODULUS, AJ_R_SIGNATURE_INVALID, "RS256 signature n"},
    {"RS256", UK_RSA, M_FLIP_LAST, AJ_R_SIGNATURE_INVALID, "RS256 last bit changed"},
    {"PS256", UK_RSA, M_NONE, AJ_OK, "PS256 as signed"},
    {"PS256", UK_RSA, M_TRUNCATE, AJ_R_SIGNATURE_LENGTH, "PS256 with 255 bytes"},
    {"PS256", UK_RSA, M_ZERO, AJ_R_SIGNATURE_INVALID, "PS256 all zero"},
    {"PS512", UK_RSA, M_FLIP_FIRST, AJ_R_SIGNATURE_INVALID, "PS512 first byte changed"},
    {"HS256", -1, M_NONE, AJ_OK, "HS256 as signed"},
    {"HS256", -1, M_EMPTY, AJ_R_SIGNATURE_LENGTH, "HS256 with no MAC"},
    {"HS256", -1, M_TRUNCATE, AJ_R_SIGNATURE_LENGTH, "HS256 with 31 bytes"},
    {"HS256", -1, M_HALF, AJ_R_SIGNATURE_LENGTH, "HS256 truncated to 16 bytes"},
    {"HS256", -1, M_EXTEND, AJ_R_SIGNATURE_LENGTH, "HS256 with 33 bytes"},
    {"HS256", -1, M_ZERO, AJ_R_SIGNATURE_INVALID, "HS256 all zero"},
    {"HS256", -1, M_FLIP_LAST, AJ_R_SIGNATURE_INVALID, "HS256 last bit changed"},
    {"HS256", -1, M_FLIP_FIRST, AJ_R_SIGNATURE_INVALID, "HS256 first byte changed"},
    {"HS512", -1, M_HALF, AJ_R_SIGNATURE_LENGTH, "HS512 truncated to 32 bytes"},
    {"HS384", -1, M_ZERO, AJ_R_SIGNATURE_INVALID, "HS384 all zero"},
    {"EdDSA", UK_ED25519, M_NONE, AJ_OK, "EdDSA as signed"},
    {"EdDSA", UK_ED25519, M_EMPTY, AJ_R_SIGNATURE_LENGTH, "EdDSA with no signature"},
    {"EdDSA", UK_ED25519, M_TRUNCATE, AJ_R_SIGNATURE_LENGTH, "EdDSA with 63 bytes"},
    {"EdDSA", UK_ED25519, M_EXTEND, AJ_R_SIGNATURE_LENGTH, "EdDSA with 65 bytes"},
    {"EdDSA", UK_ED25519, M_HALF, AJ_R_SIGNATURE_LENGTH, "EdDSA with R only"},
    {"EdDSA", UK_ED25519, M_ZERO, AJ_R_SIGNATURE_INVALID, "EdDSA all zero"},
    {"EdDSA", UK_ED25519, M_FLIP_LAST, AJ_R_SIGNATURE_INVALID, "EdDSA S changed"},
    {"EdDSA", UK_ED25519, M_FLIP_FIRST, AJ_R_SIGNATURE_INVALID, "EdDSA R changed"},
    {"EdDSA", UK_ED25519, M_ED_S_HIGH, AJ_R_SIGNATURE_INVALID, "EdDSA S >= L (malleability)"},
};

/* Big-endian n, the order of the key's group, left-padded to size bytes. */
static void group_order(unsigned char *out, apr_size_t size, unit_key_e key)
{
    static const int nids[] = {
        [UK_EC256] = NID_X9_62_prime256v1, [UK_EC384] = NID_secp384r1, [UK_EC521] = NID_secp521r1};
    EC_GROUP *g = EC_GROUP_new_by_curve_name(nids[key]);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(BN_bn2binpad(EC_GROUP_get0_order(g), out, (int)size), (int)size);
    EC_GROUP_free(g);
}

/* a := a + b or a := b - a over size-byte big-endian numbers (carry out dropped / b >= a assumed).
 */
static void add_be(unsigned char *a, const unsigned char *b, apr_size_t size, int subtract_from_b)
{
    int carry = 0;
    for (apr_size_t i = size; i-- > 0;) {
        int v = subtract_from_b ? (int)b[i] - (int)a[i] - carry : (int)a[i] + (int)b[i] + carry;
        carry = subtract_from_b ? (v < 0) : (v > 255);
        a[i] = (unsigned char)(subtract_from_b ? (v + 256) % 256 : v % 256);
    }
}

static unsigned char *mutate(apr_size_t *len, const unsigned char *sig, apr_size_t sig_len, int i)
{
    unsigned char *out = apr_pcalloc(unit_pool, sig_len + 200);
    apr_size_t half = sig_len / 2;
    unit_key_e key = (unit_key_e)cases[i].key;
    unsigned char n[66];

    memcpy(out, sig, sig_len);
    *len = sig_len;
    switch (cases[i].m) {
    case M_NONE:
        break;
    case M_EMPTY:
        *len = 0;
        break;
    case M_TRUNCATE:
        *len = sig_len - 1;
        break;
    case M_HALF:
        *len = half;
        break;
    case M_EXTEND:
        out[sig_len] = 0;
        *len = sig_len + 1;
        break;
    case M_PREPEND:
        out[0] = 0;
        memcpy(out + 1, sig, sig_len);
        *len = sig_len + 1;
        break;
    case M_ZERO:
        memset(out, 0, sig_len);
        break;
    case M_ONES:
        memset(out, 0xff, sig_len);
        break;
    case M_ONE:
        memset(out, 0, sig_len);
        out[sig_len - 1] = 1;
        break;
    case M_FLIP_LAST:
        out[sig_len - 1] ^= 1;
        break;
    case M_FLIP_FIRST:
        out[0] ^= 0x10;
        break;
    case M_DER: {
        ECDSA_SIG *es = ECDSA_SIG_new();
        unsigned char *p = out;
        ck_assert(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)half, NULL),
                                 BN_bin2bn(sig + half, (int)half, NULL)));
        *len = (apr_size_t)i2d_ECDSA_SIG(es, &p);
        ECDSA_SIG_free(es);
        ck_assert_uint_ne(*len, sig_len);
        break;
    }
    case M_R_ZERO:
        memset(out, 0, half);
        break;
    case M_S_ZERO:
        memset(out + half, 0, half);
        break;
    case M_R_ORDER:
        group_order(out, half, key);
        break;
    case M_S_ORDER:
        group_order(out + half, half, key);
        break;
    case M_S_PLUS_N:
        group_order(n, half, key);
        add_be(out + half, n, half, 0);
        break;
    case M_NEG_S:
        group_order(n, half, key);
        add_be(out + half, n, half, 1);
        break;
    case M_SWAP:
        memcpy(out, sig + half, half);
        memcpy(out + half, sig, half);
        break;
    case M_MODULUS: {
        BIGNUM *bn = NULL;
        ck_assert(EVP_PKEY_get_bn_param(unit_priv(key), OSSL_PKEY_PARAM_RSA_N, &bn) == 1);
        ck_assert_int_eq(BN_bn2binpad(bn, out, (int)sig_len), (int)sig_len);
        BN_free(bn);
        break;
    }
    case M_ED_S_HIGH:
        out[sig_len - 1] |= 0xf0; /* S is little-endian: its top byte is the last */
        break;
    }
    return out;
}

START_TEST(sig_table)
{
    const char *alg = cases[_i].alg;
    char *header = apr_psprintf(unit_pool, "{\"alg\":\"%s\",\"kid\":\"k\"}", alg);
    char *token, *forged, *dot;
    unsigned char *sig, *bad;
    apr_size_t sig_len, bad_len;
    aj_jwks_t *set;

    if (cases[_i].key < 0) {
        token = unit_sign_hs(alg, unit_secret(64), 64, header, unit_claims);
        set = unit_set(aj_key_from_secret(unit_pool, unit_secret(64), 64, "k"), NULL);
    } else {
        token = unit_sign(alg, (unit_key_e)cases[_i].key, header, unit_claims);
        set = unit_set(unit_pub((unit_key_e)cases[_i].key, "k", NULL), NULL);
    }
    dot = strrchr(token, '.');
    ck_assert_int_eq(aj_b64url_decode(&sig, &sig_len, unit_pool, dot + 1, strlen(dot + 1)), 0);
    bad = mutate(&bad_len, sig, sig_len, _i);
    forged = apr_pstrcat(unit_pool, apr_pstrmemdup(unit_pool, token, (apr_size_t)(dot + 1 - token)),
                         aj_b64url_encode(unit_pool, bad, bad_len), NULL);
    ck_assert_reason(unit_verify(forged, UNIT_ALL_ALGS, set, NULL), cases[_i].want, cases[_i].why);
}
END_TEST

/* ---- RSASSA-PSS parameters ------------------------------------------------ */

/* An RSA signature of the token's signing input with explicit padding and salt length. */
static char *rsa_signed(const char *header, const char *md, int pad, int saltlen)
{
    char *input = apr_pstrcat(unit_pool, unit_b64(header), ".", unit_b64(unit_claims), NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char sig[512];
    size_t len = sizeof(sig);

    ck_assert(EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, unit_priv(UK_RSA), NULL) == 1);
    ck_assert(EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0);
    if (pad == RSA_PKCS1_PSS_PADDING) {
        ck_assert(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen) > 0);
    }
    ck_assert(EVP_DigestSign(ctx, sig, &len, (const unsigned char *)input, strlen(input)) == 1);
    EVP_MD_CTX_free(ctx);
    return apr_pstrcat(unit_pool, input, ".", aj_b64url_encode(unit_pool, sig, len), NULL);
}

START_TEST(sig_pss_salt_length)
{
    static const char ps256[] = "{\"alg\":\"PS256\"}";
    aj_jwks_t *set = unit_set(unit_pub(UK_RSA, NULL, NULL), NULL);

    ck_assert_reason(unit_verify(rsa_signed(ps256, "SHA256", RSA_PKCS1_PSS_PADDING, 32),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_OK, "PS256 with a 32-byte salt (RFC 7518 3.5)");
    ck_assert_reason(unit_verify(rsa_signed(ps256, "SHA256", RSA_PKCS1_PSS_PADDING, 0),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_R_SIGNATURE_INVALID, "PS256 with no salt");
    ck_assert_reason(
        unit_verify(rsa_signed(ps256, "SHA256", RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX),
                    UNIT_ALL_ALGS, set, NULL),
        AJ_R_SIGNATURE_INVALID, "PS256 with the longest salt");
    ck_assert_reason(
        unit_verify(rsa_signed(ps256, "SHA256", RSA_PKCS1_PADDING, 0), UNIT_ALL_ALGS, set, NULL),
        AJ_R_SIGNATURE_INVALID, "PS256 header over a PKCS#1 v1.5 signature");
    ck_assert_reason(
        unit_verify(rsa_signed("{\"alg\":\"RS256\"}", "SHA256", RSA_PKCS1_PSS_PADDING, 32),
                    UNIT_ALL_ALGS, set, NULL),
        AJ_R_SIGNATURE_INVALID, "RS256 header over a PSS signature");
    ck_assert_reason(unit_verify(rsa_signed("{\"alg\":\"RS256\"}", "SHA1", RSA_PKCS1_PADDING, 0),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_R_SIGNATURE_INVALID, "RS256 header over a SHA-1 signature");
}
END_TEST

/*
 * A key of a set keeps a verify context per algorithm, set up by its first
 * check and copied for each later one. Attack: hope that a context that
 * checked a good signature says yes again, or that one set up for PS256 checks
 * an RS256 signature (or the other way round). Each check must stand alone:
 * good, forged, good again, for every algorithm on one set, interleaved.
 */
START_TEST(sig_prepared_context_carries_no_verdict)
{
    static const struct {
        const char *alg;
        unit_key_e key;
    } algs[] = {{"RS256", UK_RSA}, {"PS256", UK_RSA}, {"RS512", UK_RSA},
                {"ES256", UK_EC256}, {"EdDSA", UK_ED25519}};
    aj_jwks_t *set = unit_set(unit_pub(UK_RSA, "rsa", NULL), unit_pub(UK_EC256, "ec", NULL),
                              unit_pub(UK_ED25519, "ed", NULL), NULL);

    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < UNIT_N(algs); i++) {
            const char *kid = algs[i].key == UK_RSA ? "rsa" : algs[i].key == UK_EC256 ? "ec" : "ed";
            char *header =
                apr_psprintf(unit_pool, "{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[i].alg, kid);
            char *good = unit_sign(algs[i].alg, algs[i].key, header, unit_claims);
            char *forged = apr_pstrdup(unit_pool, good);
            char *last = forged + strlen(forged) - 2; /* a signature byte, not its last bits */

            *last = *last == 'A' ? 'B' : 'A';
            ck_assert_reason(unit_verify(good, UNIT_ALL_ALGS, set, NULL), AJ_OK, algs[i].alg);
            ck_assert_reason(unit_verify(forged, UNIT_ALL_ALGS, set, NULL),
                             AJ_R_SIGNATURE_INVALID, algs[i].alg);
            ck_assert_reason(unit_verify(good, UNIT_ALL_ALGS, set, NULL), AJ_OK, algs[i].alg);
        }
    }
    /* the contexts are the key's own: RS256 and PS256 on the same RSA key differ */
    ck_assert_ptr_nonnull(APR_ARRAY_IDX(set->keys, 0, aj_key_t *)->verify_ctx[AJ_ALG_RS256]);
    ck_assert_ptr_nonnull(APR_ARRAY_IDX(set->keys, 0, aj_key_t *)->verify_ctx[AJ_ALG_PS256]);
    ck_assert_ptr_ne(APR_ARRAY_IDX(set->keys, 0, aj_key_t *)->verify_ctx[AJ_ALG_RS256],
                     APR_ARRAY_IDX(set->keys, 0, aj_key_t *)->verify_ctx[AJ_ALG_PS256]);
}
END_TEST

/* A token signed by the 1024-bit key, presented under the kid of the real one. */
START_TEST(sig_small_key_under_real_kid)
{
    char *token =
        unit_sign("RS256", UK_RSA_1024, "{\"alg\":\"RS256\",\"kid\":\"rsa-main\"}", unit_claims);
    ck_assert_reason(unit_verify(token, AJ_ALGS_DEFAULT,
                                 unit_set(unit_pub(UK_RSA, "rsa-main", NULL), NULL), NULL),
                     AJ_R_SIGNATURE_LENGTH, "a 128-byte signature for a 2048-bit key");
}
END_TEST

/* Ed448 (RFC 8037 EdDSA covers it too): verifies, and its 114-byte length is enforced. */
START_TEST(sig_ed448)
{
    EVP_PKEY *ed448 = aj_key_pool_own(unit_pool, EVP_PKEY_Q_keygen(NULL, NULL, "ED448"));
    aj_key_t *pub = aj_key_from_pkey(unit_pool, ed448, "ed448", NULL);
    aj_jwks_t *set = unit_set(pub, NULL);
    char *token = aj_jws_sign(unit_pool, aj_alg_by_name("EdDSA"), ed448, NULL, 0,
                              "{\"alg\":\"EdDSA\",\"kid\":\"ed448\"}", unit_claims);
    char *dot = strrchr(token, '.');
    unsigned char *sig;
    apr_size_t len;

    ck_assert_ptr_nonnull(pub);
    ck_assert_str_eq(pub->crv, "Ed448");
    ck_assert_reason(unit_verify(token, unit_algs("EdDSA"), set, NULL), AJ_OK, "Ed448 as signed");
    ck_assert_int_eq(aj_b64url_decode(&sig, &len, unit_pool, dot + 1, strlen(dot + 1)), 0);
    ck_assert_uint_eq(len, 114);
    *dot = '\0';
    ck_assert_reason(
        unit_verify(apr_pstrcat(unit_pool, token, ".", aj_b64url_encode(unit_pool, sig, 64), NULL),
                    unit_algs("EdDSA"), set, NULL),
        AJ_R_SIGNATURE_LENGTH, "an Ed25519-sized signature for an Ed448 key");
    sig[0] ^= 1;
    ck_assert_reason(
        unit_verify(apr_pstrcat(unit_pool, token, ".", aj_b64url_encode(unit_pool, sig, 114), NULL),
                    unit_algs("EdDSA"), set, NULL),
        AJ_R_SIGNATURE_INVALID, "Ed448 with R changed");
}
END_TEST

/* The DER we write for OpenSSL is exactly what OpenSSL itself writes for the
 * same r and s, for every curve's size, with leading zero bytes (which DER
 * drops) and top bits set (which need a zero byte in front): a signature read
 * one way by us and another by OpenSSL could not otherwise be ruled out. */
START_TEST(sig_ecdsa_der_matches_openssl)
{
    static const apr_size_t halves[] = {32, 48, 66};
    unsigned char raw[132], ours[AJ_ECDSA_DER_MAX], *theirs = NULL;

    for (size_t h = 0; h < UNIT_N(halves); h++) {
        apr_size_t half = halves[h];
        for (int round = 0; round < 400; round++) {
            ECDSA_SIG *es = ECDSA_SIG_new();
            ck_assert(RAND_bytes(raw, (int)(2 * half)) == 1);
            switch (round % 8) { /* shapes random bytes rarely take */
            case 0: memset(raw, 0, half - 1); break;           /* r is one byte */
            case 1: raw[0] = 0; raw[1] = 0x80; break;          /* r: a zero, then a top bit */
            case 2: raw[half] = 0xff; break;                   /* s: top bit set */
            case 3: memset(raw + half, 0, half / 2); break;    /* s: many leading zeros */
            case 4: raw[0] = 0x7f; raw[half] = 0x80; break;
            default: break;
            }
            raw[half - 1] |= 1; /* never zero (refused before any DER is made) */
            raw[2 * half - 1] |= 1;
            ck_assert(ECDSA_SIG_set0(es, BN_bin2bn(raw, (int)half, NULL),
                                     BN_bin2bn(raw + half, (int)half, NULL)));
            int n = i2d_ECDSA_SIG(es, &theirs);
            size_t m = aj_jws_ecdsa_der(ours, raw, half);
            ck_assert_msg(n > 0 && (size_t)n == m && memcmp(ours, theirs, m) == 0,
                          "half %u, round %d: %zu bytes against OpenSSL's %d", (unsigned)half,
                          round, m, n);
            OPENSSL_free(theirs);
            theirs = NULL;
            ECDSA_SIG_free(es);
        }
    }
    ck_assert_uint_eq(aj_jws_ecdsa_der(ours, raw, 0), 0);
    ck_assert_uint_eq(aj_jws_ecdsa_der(ours, raw, 67), 0);
}
END_TEST

Suite *suite_attack_sig(void)
{
    Suite *s = suite_create("attack_sig");
    TCase *tc = tcase_create("signature");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, sig_table, 0, (int)UNIT_N(cases));
    tcase_add_test(tc, sig_pss_salt_length);
    tcase_add_test(tc, sig_small_key_under_real_kid);
    tcase_add_test(tc, sig_ed448);
    tcase_add_test(tc, sig_prepared_context_carries_no_verdict);
    tcase_add_test(tc, sig_ecdsa_der_matches_openssl);
    suite_add_tcase(s, tc);
    return s;
}
