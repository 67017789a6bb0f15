/*
 * test_attack_keys.c: which key of a JWKS may verify a token (docs/validation.md, section 4): use,
 * key_ops, the JWK's own alg, kty and crv, key sizes, duplicate kids, and the
 * choice without a kid. Each case is a JWKS document (parsed as one fetched
 * from a tenant would be) and a token signed by a real key.
 */
#include <string.h>

#include <apr_strings.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"

#define OCT(n) (100 + (n)) /* an oct key of n bytes of unit_secret() */
#define END                                                                                        \
    {                                                                                              \
        -1, NULL, NULL                                                                             \
    }

typedef struct {
    int key;           /* unit_key_e, OCT(n), or -1 for the end of the list */
    const char *kid;   /* NULL: no kid member */
    const char *extra; /* more JWK members as a JSON object, or NULL */
} keyspec_t;

/* clang-format off */
static const struct {
    keyspec_t keys[4];
    const char *alg;
    int signer;      /* unit_key_e or OCT(n) */
    const char *kid; /* the token's kid, NULL for none */
    aj_reason_e want;
    const char *why;
} cases[] = {
    /* choosing by kid */
    {{{UK_RSA, "k1", NULL}, END}, "RS256", UK_RSA, "k1", AJ_OK, "the kid of the only key"},
    {{{UK_RSA, "k1", NULL}, {UK_RSA_OTHER, "k2", NULL}, END}, "RS256", UK_RSA_OTHER, "k2", AJ_OK,
     "the second key of a rotation"},
    {{{UK_RSA, "k1", NULL}, END}, "RS256", UK_RSA, "k9", AJ_R_KID_UNKNOWN, "an unknown kid"},
    {{{UK_RSA, NULL, NULL}, END}, "RS256", UK_RSA, "k1", AJ_R_KID_UNKNOWN,
     "a kid, and keys without any"},
    /* duplicate kids */
    {{{UK_RSA, "dup", NULL}, {UK_RSA_OTHER, "dup", NULL}, END}, "RS256", UK_RSA, "dup",
     AJ_R_KEY_AMBIGUOUS, "two RSA keys share the kid"},
    {{{UK_RSA, "dup", NULL}, {UK_RSA, "dup", NULL}, END}, "RS256", UK_RSA, "dup",
     AJ_R_KEY_AMBIGUOUS, "the same key listed twice under one kid"},
    {{{UK_RSA, "dup", NULL}, {UK_EC256, "dup", NULL}, END}, "RS256", UK_RSA, "dup", AJ_OK,
     "one kid, an RSA and an EC key: the alg tells them apart"},
    {{{UK_RSA_OTHER, "dup", "{\"use\":\"enc\"}"}, {UK_RSA, "dup", NULL}, END}, "RS256", UK_RSA,
     "dup", AJ_OK, "one kid, but only one of the two is a signing key"},
    {{{UK_RSA, "dup", NULL}, {UK_RSA_OTHER, "dup", "{\"e\":\"\"}"}, END}, "RS256", UK_RSA, "dup",
     AJ_R_KEY_AMBIGUOUS, "the kid is also on an entry that could not be read (Wycheproof)"},
    /* a shared secret published beside public keys is no secret */
    {{{UK_RSA, "k1", NULL}, {OCT(64), "h1", NULL}, END}, "HS256", OCT(64), "h1",
     AJ_R_KEY_MIXED_SET, "HS256 with a secret from a set that also holds an RSA key"},
    {{{UK_RSA, "k1", NULL}, {OCT(64), "h1", NULL}, END}, "RS256", UK_RSA, "k1", AJ_OK,
     "the RSA key of that mixed set still verifies"},
    {{{OCT(64), "h1", NULL}, END}, "HS256", OCT(64), "h1", AJ_OK, "a set of secrets only"},
    /* no kid in the token */
    {{{UK_RSA, "k1", NULL}, END}, "RS256", UK_RSA, NULL, AJ_OK, "no kid, one key"},
    {{{UK_RSA, "k1", NULL}, {UK_RSA_OTHER, "k2", NULL}, END}, "RS256", UK_RSA, NULL,
     AJ_R_KEY_AMBIGUOUS, "no kid, two RSA keys"},
    {{{UK_RSA, "k1", NULL}, {UK_EC256, "k2", NULL}, {UK_ED25519, "k3", NULL}, END}, "RS256", UK_RSA,
     NULL, AJ_OK, "no kid, one key of the alg's type"},
    {{{UK_RSA, "k1", NULL}, {UK_RSA_OTHER, "k2", "{\"use\":\"enc\"}"}, END}, "RS256", UK_RSA, NULL,
     AJ_OK, "no kid, the other RSA key is for encryption"},
    {{{UK_RSA, "k1", NULL}, {UK_RSA_1024, "k2", NULL}, END}, "RS256", UK_RSA, NULL, AJ_OK,
     "no kid, the other RSA key is too small"},
    {{{UK_EC256, "k1", NULL}, {UK_EC384, "k2", NULL}, END}, "RS256", UK_RSA, NULL,
     AJ_R_NO_MATCHING_KEY, "no kid, no RSA key at all"},
    {{{UK_EC256, "k1", NULL}, {UK_EC384, "k2", NULL}, END}, "ES384", UK_EC384, NULL, AJ_OK,
     "no kid, the curve picks the key"},
    /* use (RFC 7517 4.2) */
    {{{UK_RSA, "k1", "{\"use\":\"sig\"}"}, END}, "RS256", UK_RSA, "k1", AJ_OK, "use sig"},
    {{{UK_RSA, "k1", "{\"use\":\"enc\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_USE,
     "use enc: an encryption key used to verify"},
    {{{UK_RSA, "k1", "{\"use\":\"SIG\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_USE,
     "use values are case-sensitive"},
    {{{UK_RSA, "k1", "{\"use\":\"sig \"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_USE,
     "use with a trailing space"},
    {{{UK_RSA, "k1", "{\"use\":1}"}, END}, "RS256", UK_RSA, "k1", AJ_R_NO_KEYS,
     "use a number: the key is skipped"},
    /* key_ops (RFC 7517 4.3) */
    {{{UK_RSA, "k1", "{\"key_ops\":[\"verify\"]}"}, END}, "RS256", UK_RSA, "k1", AJ_OK,
     "key_ops verify"},
    {{{UK_RSA, "k1", "{\"key_ops\":[\"sign\",\"verify\"]}"}, END}, "RS256", UK_RSA, "k1", AJ_OK,
     "key_ops sign and verify"},
    {{{UK_RSA, "k1", "{\"key_ops\":[\"sign\"]}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_OPS,
     "key_ops without verify"},
    {{{UK_RSA, "k1", "{\"key_ops\":[\"encrypt\",\"wrapKey\"]}"}, END}, "RS256", UK_RSA, "k1",
     AJ_R_KEY_OPS, "key_ops for encryption only"},
    {{{UK_RSA, "k1", "{\"key_ops\":[]}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_OPS,
     "key_ops empty"},
    {{{UK_RSA, "k1", "{\"key_ops\":[\"VERIFY\"]}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_OPS,
     "key_ops values are case-sensitive"},
    {{{UK_RSA, "k1", "{\"key_ops\":\"verify\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_NO_KEYS,
     "key_ops a string: the key is skipped"},
    {{{UK_RSA, "k1", "{\"key_ops\":[\"verify\",1]}"}, END}, "RS256", UK_RSA, "k1", AJ_R_NO_KEYS,
     "key_ops holding a number: the key is skipped"},
    {{{UK_RSA, "k1", "{\"use\":\"enc\",\"key_ops\":[\"verify\"]}"}, END}, "RS256", UK_RSA, "k1",
     AJ_R_KEY_USE, "use enc wins over key_ops verify"},
    /* the JWK's own alg (RFC 7517 4.4) */
    {{{UK_RSA, "k1", "{\"alg\":\"RS256\"}"}, END}, "RS256", UK_RSA, "k1", AJ_OK, "JWK alg RS256"},
    {{{UK_RSA, "k1", "{\"alg\":\"RS384\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "JWK alg RS384, token RS256"},
    {{{UK_RSA, "k1", "{\"alg\":\"PS256\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "JWK alg PS256, token RS256 (same key type)"},
    {{{UK_RSA, "k1", "{\"alg\":\"rs256\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "JWK alg in other case"},
    {{{UK_RSA, "k1", "{\"alg\":\"RSA-OAEP\"}"}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "JWK alg of an encryption algorithm"},
    {{{UK_RSA, "k1", "{\"alg\":\"RS384\"}"}, END}, "RS256", UK_RSA, NULL, AJ_R_NO_MATCHING_KEY,
     "JWK alg RS384, token RS256 without kid"},
    /* kty and crv for the alg */
    {{{UK_EC256, "k1", NULL}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "an EC key for RS256"},
    {{{UK_ED25519, "k1", NULL}, END}, "PS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "an OKP key for PS256"},
    {{{UK_RSA, "k1", NULL}, END}, "ES256", UK_EC256, "k1", AJ_R_KEY_ALG_MISMATCH,
     "an RSA key for ES256"},
    {{{UK_EC384, "k1", NULL}, END}, "ES256", UK_EC256, "k1", AJ_R_KEY_ALG_MISMATCH,
     "a P-384 key for ES256"},
    {{{UK_EC256, "k1", NULL}, END}, "ES512", UK_EC521, "k1", AJ_R_KEY_ALG_MISMATCH,
     "a P-256 key for ES512"},
    {{{UK_EC521, "k1", NULL}, END}, "ES384", UK_EC384, "k1", AJ_R_KEY_ALG_MISMATCH,
     "a P-521 key for ES384"},
    {{{UK_ED25519, "k1", NULL}, END}, "ES256", UK_EC256, "k1", AJ_R_KEY_ALG_MISMATCH,
     "an Ed25519 key for ES256"},
    {{{UK_EC256, "k1", NULL}, END}, "EdDSA", UK_ED25519, "k1", AJ_R_KEY_ALG_MISMATCH,
     "a P-256 key for EdDSA"},
    {{{OCT(64), "k1", NULL}, END}, "RS256", UK_RSA, "k1", AJ_R_KEY_ALG_MISMATCH,
     "an oct key for RS256"},
    {{{UK_RSA, "k1", NULL}, END}, "HS256", OCT(64), "k1", AJ_R_KEY_ALG_MISMATCH,
     "an RSA key for HS256"},
    /* sizes */
    {{{UK_RSA_1024, "k1", NULL}, END}, "RS256", UK_RSA_1024, "k1", AJ_R_KEY_TOO_SMALL,
     "RSA 1024 bits, under the 2048 floor"},
    {{{UK_RSA_1024, "k1", NULL}, END}, "PS256", UK_RSA_1024, "k1", AJ_R_KEY_TOO_SMALL,
     "RSA 1024 bits for PSS"},
    {{{UK_RSA_1024, "k1", NULL}, END}, "RS256", UK_RSA_1024, NULL, AJ_R_NO_MATCHING_KEY,
     "RSA 1024 bits, no kid: no candidate"},
    {{{UK_RSA_1024, "k1", "{\"use\":\"enc\"}"}, END}, "RS256", UK_RSA_1024, "k1", AJ_R_KEY_USE,
     "a small encryption key: use is reported first"},
    {{{OCT(16), "k1", NULL}, END}, "HS256", OCT(16), "k1", AJ_R_KEY_TOO_SMALL,
     "a 16-byte oct secret"},
    {{{OCT(31), "k1", NULL}, END}, "HS256", OCT(31), "k1", AJ_R_KEY_TOO_SMALL,
     "a 31-byte oct secret"},
    {{{OCT(32), "k1", NULL}, END}, "HS256", OCT(32), "k1", AJ_OK, "a 32-byte secret for HS256"},
    {{{OCT(40), "k1", NULL}, END}, "HS384", OCT(40), "k1", AJ_R_KEY_TOO_SMALL,
     "HS384 with 40 bytes (RFC 7518 3.2: at least 48)"},
    {{{OCT(48), "k1", NULL}, END}, "HS384", OCT(48), "k1", AJ_OK, "HS384 with 48 bytes"},
    {{{OCT(48), "k1", NULL}, END}, "HS512", OCT(48), "k1", AJ_R_KEY_TOO_SMALL,
     "HS512 with 48 bytes (at least 64)"},
    {{{OCT(64), "k1", NULL}, END}, "HS512", OCT(64), "k1", AJ_OK, "HS512 with 64 bytes"},
    {{{OCT(40), "k1", NULL}, END}, "HS384", OCT(40), NULL, AJ_R_NO_MATCHING_KEY,
     "HS384 with 40 bytes, no kid"},
    {{{OCT(32), "k1", NULL}, {OCT(48), "k2", NULL}, END}, "HS384", OCT(48), NULL, AJ_OK,
     "no kid: only the 48-byte secret is long enough for HS384"},
    /* empty sets */
    {{END}, "RS256", UK_RSA, "k1", AJ_R_NO_KEYS, "an empty key set, with kid"},
    {{END}, "RS256", UK_RSA, NULL, AJ_R_NO_KEYS, "an empty key set, without kid"},
};
/* clang-format on */

static json_t *jwk_of(const keyspec_t *spec)
{
    json_t *jwk;

    if (spec->key >= OCT(0)) {
        apr_size_t n = (apr_size_t)(spec->key - OCT(0));
        jwk = aj_json_pool_own(unit_pool, json_object());
        json_object_set_new(jwk, "kty", json_string("oct"));
        json_object_set_new(jwk, "k", json_string(aj_b64url_encode(unit_pool, unit_secret(n), n)));
    } else {
        jwk = unit_jwk_json((unit_key_e)spec->key, NULL);
    }
    if (spec->kid) {
        json_object_set_new(jwk, "kid", json_string(spec->kid));
    }
    if (spec->extra) {
        json_object_update(jwk, unit_json(spec->extra));
    }
    return jwk;
}

START_TEST(keys_table)
{
    json_t *doc = aj_json_pool_own(unit_pool, json_pack("{s:[]}", "keys"));
    json_t *keys = json_object_get(doc, "keys");
    const char *text, *why = NULL;
    char *header, *token;
    aj_jwks_t *set;
    int signer = cases[_i].signer;

    for (const keyspec_t *k = cases[_i].keys; k->key >= 0; k++) {
        json_array_append(keys, jwk_of(k));
    }
    text = aj_json_compact(unit_pool, doc);
    set = aj_jwks_parse(unit_pool, text, strlen(text), &why);
    ck_assert_msg(set != NULL, "%s: key set refused: %s", cases[_i].why, why);

    header = cases[_i].kid ? apr_psprintf(unit_pool, "{\"alg\":\"%s\",\"kid\":\"%s\"}",
                                          cases[_i].alg, cases[_i].kid)
                           : apr_psprintf(unit_pool, "{\"alg\":\"%s\"}", cases[_i].alg);
    if (signer >= OCT(0)) {
        apr_size_t n = (apr_size_t)(signer - OCT(0));
        token = unit_sign_hs(cases[_i].alg, unit_secret(n), n, header, unit_claims);
    } else {
        token = unit_sign(cases[_i].alg, (unit_key_e)signer, header, unit_claims);
    }
    ck_assert_reason(unit_verify(token, UNIT_ALL_ALGS, set, NULL), cases[_i].want, cases[_i].why);
}
END_TEST

/* aj_key_fits over every algorithm and every kind of key. */
START_TEST(keys_fit_matrix)
{
    static const struct {
        int key;
        const char *fits; /* the algs it may verify */
    } kinds[] = {
        {UK_RSA, "RS256 RS384 RS512 PS256 PS384 PS512"},
        {UK_EC256, "ES256"},
        {UK_EC384, "ES384"},
        {UK_EC521, "ES512"},
        {UK_ED25519, "EdDSA"},
        {OCT(32), "HS256"},
        {OCT(48), "HS256 HS384"},
        {OCT(64), "HS256 HS384 HS512"},
    };

    for (size_t k = 0; k < UNIT_N(kinds); k++) {
        aj_key_t *key;
        unsigned int fits = unit_algs(kinds[k].fits);
        if (kinds[k].key >= OCT(0)) {
            apr_size_t n = (apr_size_t)(kinds[k].key - OCT(0));
            key = aj_key_from_secret(unit_pool, unit_secret(n), n, NULL);
        } else {
            key = unit_pub((unit_key_e)kinds[k].key, NULL, NULL);
        }
        for (int a = 0; a < AJ_ALG__COUNT; a++) {
            const aj_alg_t *alg = aj_alg_by_id((aj_alg_id_e)a);
            aj_reason_e want = (fits & AJ_ALG_BIT(a))   ? AJ_OK
                               : (key->kty == alg->kty) ? AJ_R_KEY_TOO_SMALL
                                                        : AJ_R_KEY_ALG_MISMATCH;
            /* EC keys of another curve are a mismatch, not too small */
            if (want == AJ_R_KEY_TOO_SMALL && key->kty == AJ_KTY_EC) {
                want = AJ_R_KEY_ALG_MISMATCH;
            }
            ck_assert_msg(aj_key_fits(key, alg) == want, "%s key for %s: got %s, want %s",
                          kinds[k].fits, alg->name, aj_reason_name(aj_key_fits(key, alg)),
                          aj_reason_name(want));
        }
    }
}
END_TEST

/* aj_jwks_select on a missing set, and the key it returns. */
START_TEST(keys_select_direct)
{
    const aj_key_t *key = (const aj_key_t *)1;
    const aj_alg_t *rs256 = aj_alg_by_name("RS256");
    aj_key_t *main_key = unit_pub(UK_RSA, "k1", NULL);

    ck_assert_reason(aj_jwks_select(&key, NULL, rs256, NULL), AJ_R_NO_KEYS, "no set at all");
    ck_assert_ptr_null(key);
    ck_assert_reason(
        aj_jwks_select(&key, unit_set(unit_pub(UK_EC256, "e", NULL), main_key, NULL), rs256, "k1"),
        AJ_OK, "kid k1");
    ck_assert_ptr_eq(key, main_key);
    ck_assert_reason(aj_jwks_select(&key,
                                    unit_set(main_key, unit_pub(UK_RSA_OTHER, "k1", NULL), NULL),
                                    rs256, "k1"),
                     AJ_R_KEY_AMBIGUOUS, "duplicate kid");
    ck_assert_ptr_null(key);
}
END_TEST

/*
 * A modulus with the ROCA fingerprint (CVE-2017-15361; the key of Wycheproof's
 * jws_rsa_roca_key group) can be factored: the key never verifies. Ordinary
 * keys do not carry the fingerprint.
 */
START_TEST(keys_roca_fingerprint)
{
    static const char roca[] =
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"roca\",\"e\":\"AQAB\",\"n\":\""
        "AanFpofbj7KjD4Lf-N2hVMKR7yewSyXhhbirIMTGpfYEhZ_lnt5UoK98DnKIgArXGTu3MaW_"
        "HhFw16HGaTDUHqPrId7"
        "fe4r11CqRw09yBFuW79V8sYIwHdzCaWflUI6auImYbVfoN9_nD5n8N8SY9DwXw7mwZM9wREPXoDPgOoIWl6q_"
        "MPsp7n"
        "0zs3Z5ZaiQWOOzl1S9OhwAfSiiOwz6efnXEaxuTEtPd7BjSx7NaFka8Dx9U7YqXy2RFj1O9PjyaDGuRh7YXsX3iMUS"
        "P_wSyHQg_c_qHRtKUsNSGCT7OZg0hzm2KphtjnayKJvC64vAbROBR4Ubg6Bxg9IQVZ-QYyE\"}]}";
    const char *why = NULL;
    aj_jwks_t *set = aj_jwks_parse(unit_pool, roca, strlen(roca), &why);
    const aj_key_t *key;

    ck_assert_msg(set != NULL && set->keys->nelts == 1, "ROCA key set: %s", why);
    key = APR_ARRAY_IDX(set->keys, 0, const aj_key_t *);
    ck_assert_int_ge(key->bits, 2048); /* large enough: only the fingerprint refuses it */
    ck_assert_reason(key->unusable, AJ_R_KEY_WEAK, "a modulus with the ROCA fingerprint");
    ck_assert_reason(aj_jwks_select(&key, set, aj_alg_by_name("RS256"), "roca"), AJ_R_KEY_WEAK,
                     "a token naming the ROCA key");
    for (int k = UK_RSA; k <= UK_RSA_1024; k++) {
        ck_assert_msg(unit_pub((unit_key_e)k, NULL, NULL)->unusable != AJ_R_KEY_WEAK,
                      "%s carries the fingerprint", unit_kid((unit_key_e)k));
    }
}
END_TEST

/*
 * Shared secrets kept apart from the fetched set (aj_token_verify_signature_ex):
 * an oct key published in the JWKS is never used, and RS tokens still use the JWKS.
 */
START_TEST(keys_secrets_apart)
{
    aj_key_t *published = aj_key_from_secret(unit_pool, unit_secret(64), 64, "pub");
    aj_jwks_t *jwks = unit_set(unit_pub(UK_RSA, "rsa-main", NULL), published, NULL);
    aj_jwks_t *secrets = unit_set(aj_key_from_secret(unit_pool, unit_secret(48), 48, "mine"), NULL);
    char *hs_pub = unit_sign_hs("HS256", unit_secret(64), 64, "{\"alg\":\"HS256\",\"kid\":\"pub\"}",
                                unit_claims);
    char *hs_mine = unit_sign_hs("HS256", unit_secret(48), 48,
                                 "{\"alg\":\"HS256\",\"kid\":\"mine\"}", unit_claims);
    char *rs = unit_sign("RS256", UK_RSA, "{\"alg\":\"RS256\",\"kid\":\"rsa-main\"}", unit_claims);
    aj_token_t tok;

#define EX(t)                                                                                      \
    aj_token_verify_signature_ex(&tok, unit_pool, (t), strlen(t), UNIT_ALL_ALGS, jwks, secrets)
    ck_assert_reason(EX(hs_pub), AJ_R_KID_UNKNOWN, "HS256 under a kid published in the JWKS");
    ck_assert_reason(EX(hs_mine), AJ_OK, "HS256 under the configured secret");
    ck_assert_reason(EX(rs), AJ_OK, "RS256 still uses the JWKS");
#undef EX
    ck_assert_reason(unit_verify(hs_pub, UNIT_ALL_ALGS, jwks, NULL), AJ_OK,
                     "without a secret set, a published oct key would verify");
}
END_TEST

Suite *suite_attack_keys(void)
{
    Suite *s = suite_create("attack_keys");
    TCase *tc = tcase_create("keys");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, keys_table, 0, (int)UNIT_N(cases));
    tcase_add_test(tc, keys_fit_matrix);
    tcase_add_test(tc, keys_select_direct);
    tcase_add_test(tc, keys_roca_fingerprint);
    tcase_add_test(tc, keys_secrets_apart);
    suite_add_tcase(s, tc);
    return s;
}
