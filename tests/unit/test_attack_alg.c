/*
 * test_attack_alg.c: attacks on the "alg" header: unsigned tokens, algorithms
 * outside the allow-list, HMAC keyed with the issuer's public key, and a
 * signature made with another algorithm than the header names.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"
#include "aj_sign.h"

/* ---- the alg member itself ----------------------------------------------- */

static const struct {
    const char *header;
    const char *algs; /* allow-list */
    int signed_;      /* 1: a 256-byte signature follows; 0: the signature is empty */
    aj_reason_e want;
    const char *why;
} alg_cases[] = {
    /* unsigned tokens (RFC 7515 A.5): refused whatever the allow-list says */
    {"{\"alg\":\"none\"}", "RS256", 0, AJ_R_ALG_NONE, "alg none"},
    {"{\"alg\":\"None\"}", "RS256", 0, AJ_R_ALG_NONE, "alg None"},
    {"{\"alg\":\"NONE\"}", "RS256", 0, AJ_R_ALG_NONE, "alg NONE"},
    {"{\"alg\":\"nOnE\"}", "RS256", 0, AJ_R_ALG_NONE, "alg nOnE"},
    {"{\"alg\":\"none\"}",
     "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512", 0,
     AJ_R_ALG_NONE, "alg none with every algorithm allowed"},
    {"{\"alg\":\"none\",\"kid\":\"rsa-main\"}", "RS256", 1, AJ_R_ALG_NONE,
     "alg none with a kid and a signature"},
    {"{\"alg\":\"none\",\"crit\":[\"exp\"]}", "RS256", 0, AJ_R_ALG_NONE,
     "alg none is refused before anything else in the header"},
    /* alg missing or not a string */
    {"{\"typ\":\"JWT\"}", "RS256", 1, AJ_R_ALG_MISSING, "no alg member"},
    {"{}", "RS256", 1, AJ_R_ALG_MISSING, "an empty header"},
    {"{\"ALG\":\"RS256\"}", "RS256", 1, AJ_R_ALG_MISSING, "member names are case-sensitive"},
    {"{\"alg\":null}", "RS256", 1, AJ_R_ALG_MISSING, "alg null"},
    {"{\"alg\":256}", "RS256", 1, AJ_R_ALG_MISSING, "alg a number"},
    {"{\"alg\":true}", "RS256", 1, AJ_R_ALG_MISSING, "alg a boolean"},
    {"{\"alg\":[\"RS256\"]}", "RS256", 1, AJ_R_ALG_MISSING, "alg an array"},
    {"{\"alg\":{\"name\":\"RS256\"}}", "RS256", 1, AJ_R_ALG_MISSING, "alg an object"},
    /* names that are not exactly an allowed algorithm */
    {"{\"alg\":\"\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "alg empty"},
    {"{\"alg\":\"rs256\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "alg names are case-sensitive"},
    {"{\"alg\":\"RS256 \"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "a trailing space"},
    {"{\"alg\":\"RS1\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "RS1 (SHA-1) is not a JWS alg"},
    {"{\"alg\":\"ES256K\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "secp256k1 is not supported"},
    {"{\"alg\":\"Ed25519\"}", "RS256 EdDSA", 1, AJ_R_ALG_NOT_ALLOWED,
     "the RFC 9864 name is not in the table"},
    {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED,
     "a JWE header on three segments"},
    {"{\"alg\":\"dir\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "a key-management alg"},
    {"{\"alg\":\"HS256\"}", "RS256", 1, AJ_R_ALG_NOT_ALLOWED, "HS256 not configured"},
    {"{\"alg\":\"R\\u0053256\",\"kid\":\"x\"}", "RS256", 1, AJ_R_KID_UNKNOWN,
     "an escaped alg name is the same name once decoded"},
};

START_TEST(alg_header_table)
{
    unsigned char sig[256];
    aj_jwks_t *set = unit_set(unit_pub(UK_RSA, "rsa-main", NULL), NULL);
    char *token;

    memset(sig, 0x5a, sizeof(sig));
    token =
        unit_token(alg_cases[_i].header, unit_claims, sig, alg_cases[_i].signed_ ? sizeof(sig) : 0);
    ck_assert_reason(unit_verify(token, unit_algs(alg_cases[_i].algs), set, NULL),
                     alg_cases[_i].want, alg_cases[_i].why);
}
END_TEST

/* ---- the allow-list ------------------------------------------------------- */

/*
 * Tokens signed correctly by the issuer's own keys, with an algorithm the
 * administrator did not choose: the seed stack accepted RS384, PS256 and ES256
 * where only RS256 was meant.
 */
static const struct {
    const char *alg;
    unit_key_e key;
    const char *allowed;
    aj_reason_e want;
} allow_cases[] = {
    {"RS256", UK_RSA, "RS256", AJ_OK},
    {"RS384", UK_RSA, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"RS512", UK_RSA, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"PS256", UK_RSA, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"PS384", UK_RSA, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"PS512", UK_RSA, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"ES256", UK_EC256, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"ES384", UK_EC384, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"ES512", UK_EC521, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"EdDSA", UK_ED25519, "RS256", AJ_R_ALG_NOT_ALLOWED},
    {"RS256", UK_RSA, "PS256", AJ_R_ALG_NOT_ALLOWED},
    {"PS256", UK_RSA, "PS256", AJ_OK},
    {"RS384", UK_RSA, "RS256 RS384", AJ_OK},
    {"ES256", UK_EC256, "ES384 ES512", AJ_R_ALG_NOT_ALLOWED},
    {"ES256", UK_EC256, "ES256", AJ_OK},
    {"EdDSA", UK_ED25519, "EdDSA", AJ_OK},
};

START_TEST(alg_allow_list)
{
    aj_jwks_t *set = unit_set(unit_pub(UK_RSA, NULL, NULL), unit_pub(UK_EC256, NULL, NULL),
                              unit_pub(UK_EC384, NULL, NULL), unit_pub(UK_EC521, NULL, NULL),
                              unit_pub(UK_ED25519, NULL, NULL), NULL);
    char *header = apr_psprintf(unit_pool, "{\"alg\":\"%s\"}", allow_cases[_i].alg);
    char *token = unit_sign(allow_cases[_i].alg, allow_cases[_i].key, header, unit_claims);
    char *why = apr_psprintf(unit_pool, "%s token, allow-list %s", allow_cases[_i].alg,
                             allow_cases[_i].allowed);

    ck_assert_reason(unit_verify(token, unit_algs(allow_cases[_i].allowed), set, NULL),
                     allow_cases[_i].want, why);
}
END_TEST

/* Every algorithm, signed and verified end to end with the claims at the fixed clock. */
static const struct {
    const char *alg;
    int key; /* a unit_key_e, or -1 for the shared secret */
    const char *kid;
} every_alg[] = {
    {"RS256", UK_RSA, "rsa-main"}, {"RS384", UK_RSA, "rsa-main"},
    {"RS512", UK_RSA, "rsa-main"}, {"PS256", UK_RSA, "rsa-main"},
    {"PS384", UK_RSA, "rsa-main"}, {"PS512", UK_RSA, "rsa-main"},
    {"ES256", UK_EC256, "ec256"},  {"ES384", UK_EC384, "ec384"},
    {"ES512", UK_EC521, "ec521"},  {"EdDSA", UK_ED25519, "ed25519"},
    {"HS256", -1, "hs"},           {"HS384", -1, "hs"},
    {"HS512", -1, "hs"},
};

static aj_jwks_t *every_key_set(void)
{
    return unit_set(unit_pub(UK_RSA, "rsa-main", NULL), unit_pub(UK_EC256, "ec256", NULL),
                    unit_pub(UK_EC384, "ec384", NULL), unit_pub(UK_EC521, "ec521", NULL),
                    unit_pub(UK_ED25519, "ed25519", NULL),
                    aj_key_from_secret(unit_pool, unit_secret(64), 64, "hs"), NULL);
}

static char *sign_every(int i, const char *header)
{
    if (every_alg[i].key < 0) {
        return unit_sign_hs(every_alg[i].alg, unit_secret(64), 64, header, unit_claims);
    }
    return unit_sign(every_alg[i].alg, (unit_key_e)every_alg[i].key, header, unit_claims);
}

START_TEST(alg_every_one_round_trips)
{
    char *header = apr_psprintf(unit_pool, "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
                                every_alg[_i].alg, every_alg[_i].kid);
    char *token = sign_every(_i, header);
    aj_token_t tok;

    ck_assert_reason(aj_token_verify(&tok, unit_pool, token, strlen(token), UNIT_ALL_ALGS,
                                     every_key_set(), unit_policy(), UNIT_NOW),
                     AJ_OK, every_alg[_i].alg);
    ck_assert_str_eq(tok.key->kid, every_alg[_i].kid);
    ck_assert_str_eq(aj_json_string(tok.payload, "sub"), "auth0|5f7c8ec7c33c6c004bbafe82");
}
END_TEST

/* The signature is right but made with another algorithm than the header says. */
static const struct {
    const char *header_alg;
    const char *signed_with;
    unit_key_e key;
} cross[] = {
    {"RS256", "PS256", UK_RSA},   {"PS256", "RS256", UK_RSA}, {"RS256", "RS384", UK_RSA},
    {"RS512", "RS256", UK_RSA},   {"PS384", "PS256", UK_RSA}, {"PS256", "PS512", UK_RSA},
    {"ES256", "ES384", UK_EC256},
};

START_TEST(alg_header_does_not_match_signature)
{
    char *header = apr_psprintf(unit_pool, "{\"alg\":\"%s\"}", cross[_i].header_alg);
    char *token = unit_sign(cross[_i].signed_with, cross[_i].key, header, unit_claims);
    char *why = apr_psprintf(unit_pool, "header %s, signed %s", cross[_i].header_alg,
                             cross[_i].signed_with);
    aj_reason_e want = AJ_R_SIGNATURE_INVALID;

    /* an ES384 signature of a P-256 key is 96 bytes: too long for ES256 */
    if (strcmp(cross[_i].signed_with, "ES384") == 0) {
        want = AJ_R_SIGNATURE_LENGTH;
    }
    ck_assert_reason(unit_verify(token, UNIT_ALL_ALGS,
                                 unit_set(unit_pub(cross[_i].key, NULL, NULL), NULL), NULL),
                     want, why);
}
END_TEST

/* ---- HMAC keyed with the RSA public key (key confusion) -------------------- */

/*
 * The classic attack: the verifier holds an RSA public key, the attacker
 * signs with HS256 using that public key's bytes as the HMAC secret and hopes
 * the verifier feeds the same bytes to HMAC. Each form a library might feed.
 */
static const char *const confusion_forms[] = {
    "PEM SubjectPublicKeyInfo",
    "PEM without the final newline",
    "DER SubjectPublicKeyInfo",
    "DER PKCS#1 RSAPublicKey",
    "JWK JSON",
    "the raw modulus",
};

static const unsigned char *public_key_bytes(int form, apr_size_t *len)
{
    EVP_PKEY *pkey = unit_priv(UK_RSA);
    unsigned char *buf = NULL, *p;
    BIO *bio;
    char *data;
    long n;

    switch (form) {
    case 0:
    case 1:
        bio = BIO_new(BIO_s_mem());
        ck_assert(PEM_write_bio_PUBKEY(bio, pkey) == 1);
        n = BIO_get_mem_data(bio, &data);
        buf = apr_pmemdup(unit_pool, data, (apr_size_t)n);
        *len = (apr_size_t)n - (form == 1 ? 1 : 0);
        BIO_free(bio);
        break;
    case 2:
        n = i2d_PUBKEY(pkey, NULL);
        buf = p = apr_palloc(unit_pool, (apr_size_t)n);
        ck_assert(i2d_PUBKEY(pkey, &p) == n);
        *len = (apr_size_t)n;
        break;
    case 3:
        n = i2d_PublicKey(pkey, NULL);
        buf = p = apr_palloc(unit_pool, (apr_size_t)n);
        ck_assert(i2d_PublicKey(pkey, &p) == n);
        *len = (apr_size_t)n;
        break;
    case 4:
        data = aj_json_compact(unit_pool,
                               aj_key_to_jwk(unit_pool, unit_pub(UK_RSA, "rsa-main", NULL)));
        buf = (unsigned char *)data;
        *len = strlen(data);
        break;
    default: {
        BIGNUM *bn = NULL;
        ck_assert(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &bn) == 1);
        *len = (apr_size_t)BN_num_bytes(bn);
        buf = apr_palloc(unit_pool, *len);
        BN_bn2bin(bn, buf);
        BN_free(bn);
    }
    }
    return buf;
}

START_TEST(alg_hmac_keyed_with_rsa_public_key)
{
    apr_size_t len;
    const unsigned char *secret = public_key_bytes(_i, &len);
    const char *form = confusion_forms[_i];
    aj_jwks_t *set = unit_set(unit_pub(UK_RSA, "rsa-main", NULL), NULL);
    char *with_kid =
        unit_sign_hs("HS256", secret, len, "{\"alg\":\"HS256\",\"kid\":\"rsa-main\"}", unit_claims);
    char *no_kid = unit_sign_hs("HS256", secret, len, "{\"alg\":\"HS256\"}", unit_claims);
    aj_key_t *naive;
    aj_token_t tok;

    /* the forgery is sound: a verifier that took these bytes as a secret would accept it */
    naive = aj_key_from_secret(unit_pool, secret, len, "rsa-main");
    ck_assert_ptr_nonnull(naive);
    ck_assert_reason(unit_verify(with_kid, unit_algs("HS256"), unit_set(naive, NULL), NULL), AJ_OK,
                     form);

    /* the default allow-list stops it at the header */
    ck_assert_reason(unit_verify(with_kid, unit_algs("RS256"), set, NULL), AJ_R_ALG_NOT_ALLOWED,
                     form);
    ck_assert_reason(unit_verify(no_kid, unit_algs("RS256"), set, NULL), AJ_R_ALG_NOT_ALLOWED,
                     form);
    /* with HS256 allowed too, the RSA key is never an HMAC key */
    ck_assert_reason(unit_verify(with_kid, unit_algs("RS256 HS256"), set, NULL),
                     AJ_R_KEY_ALG_MISMATCH, form);
    ck_assert_reason(unit_verify(no_kid, unit_algs("RS256 HS256"), set, NULL), AJ_R_NO_MATCHING_KEY,
                     form);
    /* nor when a real shared secret sits in the same set */
    aj_jwks_add(set, aj_key_from_secret(unit_pool, unit_secret(32), 32, "hs"));
    ck_assert_reason(unit_verify(with_kid, UNIT_ALL_ALGS, set, NULL), AJ_R_KEY_ALG_MISMATCH, form);
    ck_assert_reason(unit_verify(no_kid, UNIT_ALL_ALGS, set, NULL), AJ_R_SIGNATURE_INVALID, form);
    /* with HMAC keys kept apart (Auth0SigningSecretFile), the RSA kid is unknown among the secrets
     */
    ck_assert_reason(aj_token_verify_signature_ex(
                         &tok, unit_pool, with_kid, strlen(with_kid), UNIT_ALL_ALGS, set,
                         unit_set(aj_key_from_secret(unit_pool, unit_secret(32), 32, "hs"), NULL)),
                     AJ_R_KID_UNKNOWN, form);
}
END_TEST

Suite *suite_attack_alg(void)
{
    Suite *s = suite_create("attack_alg");
    TCase *tc = tcase_create("alg");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, alg_header_table, 0, (int)UNIT_N(alg_cases));
    tcase_add_loop_test(tc, alg_allow_list, 0, (int)UNIT_N(allow_cases));
    tcase_add_loop_test(tc, alg_every_one_round_trips, 0, (int)UNIT_N(every_alg));
    tcase_add_loop_test(tc, alg_header_does_not_match_signature, 0, (int)UNIT_N(cross));
    tcase_add_loop_test(tc, alg_hmac_keyed_with_rsa_public_key, 0, (int)UNIT_N(confusion_forms));
    suite_add_tcase(s, tc);
    return s;
}
