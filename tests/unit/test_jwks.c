/*
 * test_jwks.c: JWK and JWK Set parsing. A bad key is skipped (and listed with
 * the reason) without costing the good ones; a document that is not a key set
 * at all is refused.
 */
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"

/* Member name of a generated key's JWK (x, y, n...), as a string from unit_pool. */
static const char *member(unit_key_e key, const char *name)
{
    return apr_pstrdup(unit_pool, aj_json_string(unit_jwk_json(key, NULL), name));
}

/* base64url of the decoded member with one byte changed, a byte dropped, or a zero byte added in
 * front. */
static const char *altered(unit_key_e key, const char *name, int how)
{
    const char *b64 = member(key, name);
    unsigned char *raw, *out;
    apr_size_t len;

    ck_assert_int_eq(aj_b64url_decode(&raw, &len, unit_pool, b64, strlen(b64)), 0);
    out = apr_palloc(unit_pool, len + 1);
    switch (how) {
    case 0: /* flip the last bit */
        memcpy(out, raw, len);
        out[len - 1] ^= 1;
        break;
    case 1: /* one byte short */
        memcpy(out, raw + 1, --len);
        break;
    default: /* one byte long: a leading zero */
        out[0] = 0;
        memcpy(out + 1, raw, len++);
        break;
    }
    return aj_b64url_encode(unit_pool, out, len);
}

static const char *zeros(apr_size_t n)
{
    unsigned char *z = apr_pcalloc(unit_pool, n);
    return aj_b64url_encode(unit_pool, z, n);
}

/* printf into unit_pool, then ' to ": JSON written without a wall of backslashes. */
static const char *J(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(unit_pool, fmt, ap);
    va_end(ap);
    for (char *c = s; *c; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }
    return s;
}

/* One key set with good keys among many bad ones. */
START_TEST(jwks_bad_keys_are_skipped)
{
    const char *n = member(UK_RSA, "n");
    const char *ex = member(UK_EC256, "x"), *ey = member(UK_EC256, "y");
    const char *ed = member(UK_ED25519, "x");
    const struct {
        const char *jwk;
        const char *kid; /* the kid listed for a skipped key; "" for none */
    } entries[] = {
        /* 0 */ {J("{'kty':'RSA','kid':'good-rsa','n':'%s','e':'AQAB'}", n), NULL},
        {J("'not an object'"), ""},
        {J("42"), ""},
        {J("null"), ""},
        {J("{'kid':'no-kty','n':'AQAB','e':'AQAB'}"), "no-kty"},
        /* 5 */ {J("{'kty':'RSA','kid':'no-n','e':'AQAB'}"), "no-n"},
        {J("{'kty':'RSA','kid':'n-padded','n':'%s==','e':'AQAB'}", n), "n-padded"},
        {J("{'kty':'RSA','kid':'n-std-b64','n':'ab+/cd==','e':'AQAB'}"), "n-std-b64"},
        {J("{'kty':'RSA','kid':'e-even','n':'%s','e':'AQAC'}", n), "e-even"},
        {J("{'kty':'RSA','kid':'e-one','n':'%s','e':'AQ'}", n), "e-one"},
        /* 10 */ {J("{'kty':'RSA','kid':'e-huge','n':'%s','e':'AQAAAAAB'}", n), "e-huge"},
        {J("{'kty':'RSA','kid':'e-empty','n':'%s','e':''}", n), "e-empty"},
        {J("{'kty':'EC','kid':'off-curve','crv':'P-256','x':'%s','y':'%s'}", ex,
           altered(UK_EC256, "y", 0)),
         "off-curve"},
        {J("{'kty':'EC','kid':'x-short','crv':'P-256','x':'%s','y':'%s'}",
           altered(UK_EC256, "x", 1), ey),
         "x-short"},
        {J("{'kty':'EC','kid':'x-long','crv':'P-256','x':'%s','y':'%s'}", altered(UK_EC256, "x", 2),
           ey),
         "x-long"},
        /* 15 */
        {J("{'kty':'EC','kid':'origin','crv':'P-256','x':'%s','y':'%s'}", zeros(32), zeros(32)),
         "origin"},
        {J("{'kty':'EC','kid':'secp256k1','crv':'secp256k1','x':'%s','y':'%s'}", ex, ey),
         "secp256k1"},
        {J("{'kty':'EC','kid':'no-crv','x':'%s','y':'%s'}", ex, ey), "no-crv"},
        {J("{'kty':'EC','kid':'ed-as-ec','crv':'Ed25519','x':'%s','y':'%s'}", ed, ey), "ed-as-ec"},
        {J("{'kty':'OKP','kid':'x25519','crv':'X25519','x':'%s'}", ed), "x25519"},
        /* 20 */ {J("{'kty':'OKP','kid':'p256-as-okp','crv':'P-256','x':'%s'}", ex), "p256-as-okp"},
        {J("{'kty':'OKP','kid':'ed-short','crv':'Ed25519','x':'%s'}", altered(UK_ED25519, "x", 1)),
         "ed-short"},
        {J("{'kty':'oct','kid':'k-empty','k':''}"), "k-empty"},
        {J("{'kty':'oct','kid':'no-k'}"), "no-k"},
        {J("{'kty':'XYZ','kid':'kty-unknown'}"), "kty-unknown"},
        /* 25 */ {J("{'kty':'rsa','kid':'kty-lower','n':'%s','e':'AQAB'}", n), "kty-lower"},
        {J("{'kty':7,'kid':'kty-number','n':'%s','e':'AQAB'}", n), "kty-number"},
        {J("{'kty':'RSA','kid':7,'n':'%s','e':'AQAB'}", n), ""},
        {J("{'kty':'RSA','kid':'alg-number','alg':256,'n':'%s','e':'AQAB'}", n), "alg-number"},
        {J("{'kty':'RSA','kid':'use-number','use':1,'n':'%s','e':'AQAB'}", n), "use-number"},
        /* 30 */
        {J("{'kty':'RSA','kid':'ops-string','key_ops':'verify','n':'%s','e':'AQAB'}", n),
         "ops-string"},
        /* a zero or even modulus (fuzzer: "AA" was taken, then written back as "") */
        {J("{'kty':'RSA','kid':'n-zero','n':'AA','e':'AQAB'}"), "n-zero"},
        {J("{'kty':'RSA','kid':'n-zeros','n':'AAAA','e':'AQAB'}"), "n-zeros"},
        {J("{'kty':'RSA','kid':'n-even','n':'AAI','e':'AQAB'}"), "n-even"},
        {J("{'kty':'EC','kid':'good-ec','crv':'P-256','x':'%s','y':'%s'}", ex, ey), NULL},
        {J("{'kty':'OKP','kid':'good-ed','crv':'Ed25519','x':'%s'}", ed), NULL},
    };
    char *text = "{\"keys\":[";
    const char *why = NULL;
    aj_jwks_t *set;
    int skipped = 0;

    for (size_t i = 0; i < UNIT_N(entries); i++) {
        text = apr_pstrcat(unit_pool, text, i ? "," : "", entries[i].jwk, NULL);
    }
    text = apr_pstrcat(unit_pool, text, "]}", NULL);
    set = aj_jwks_parse(unit_pool, text, strlen(text), &why);
    ck_assert_msg(set != NULL, "the key set is refused as a whole: %s", why);

    /* the good keys, in order */
    ck_assert_int_eq(set->keys->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(set->keys, 0, aj_key_t *)->kid, "good-rsa");
    ck_assert_str_eq(APR_ARRAY_IDX(set->keys, 1, aj_key_t *)->kid, "good-ec");
    ck_assert_str_eq(APR_ARRAY_IDX(set->keys, 2, aj_key_t *)->kid, "good-ed");
    /* every bad one listed, with its position, kid and a reason */
    for (size_t i = 0; i < UNIT_N(entries); i++) {
        const aj_jwk_skip_t *s;
        if (entries[i].kid == NULL) {
            continue;
        }
        ck_assert_msg(skipped < set->skipped->nelts, "entry %zu (%s) was not skipped", i,
                      entries[i].kid);
        s = &APR_ARRAY_IDX(set->skipped, skipped, aj_jwk_skip_t);
        ck_assert_int_eq(s->index, (int)i);
        if (*entries[i].kid) {
            ck_assert_msg(s->kid && strcmp(s->kid, entries[i].kid) == 0, "entry %zu: kid %s", i,
                          s->kid ? s->kid : "(none)");
        } else {
            ck_assert_ptr_null(s->kid);
        }
        ck_assert_msg(s->why && *s->why, "entry %zu (%s) has no reason", i, entries[i].kid);
        skipped++;
    }
    ck_assert_int_eq(set->skipped->nelts, skipped);

    /* the good keys still verify; a skipped key's kid is simply unknown */
    ck_assert_reason(unit_verify(unit_sign("RS256", UK_RSA,
                                           "{\"alg\":\"RS256\",\"kid\":\"good-rsa\"}", unit_claims),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_OK, "RS256 with the good RSA key");
    ck_assert_reason(unit_verify(unit_sign("ES256", UK_EC256,
                                           "{\"alg\":\"ES256\",\"kid\":\"good-ec\"}", unit_claims),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_OK, "ES256 with the good EC key");
    ck_assert_reason(unit_verify(unit_sign("EdDSA", UK_ED25519, "{\"alg\":\"EdDSA\"}", unit_claims),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_OK, "EdDSA without kid, the only OKP key");
    ck_assert_reason(unit_verify(unit_sign("RS256", UK_RSA,
                                           "{\"alg\":\"RS256\",\"kid\":\"e-even\"}", unit_claims),
                                 UNIT_ALL_ALGS, set, NULL),
                     AJ_R_KID_UNKNOWN, "the kid of a skipped key");
    ck_assert_reason(
        unit_verify(
            unit_sign("ES256", UK_EC256, "{\"alg\":\"ES256\",\"kid\":\"off-curve\"}", unit_claims),
            UNIT_ALL_ALGS, set, NULL),
        AJ_R_KID_UNKNOWN, "the kid of the off-curve key");
}
END_TEST

/* The points of the other curves, moved off the curve. */
START_TEST(jwks_off_curve_each_curve)
{
    static const unit_key_e eckeys[] = {UK_EC256, UK_EC384, UK_EC521};

    for (size_t i = 0; i < UNIT_N(eckeys); i++) {
        json_t *jwk = unit_jwk_json(eckeys[i], "k");
        const char *why = NULL;
        ck_assert_ptr_nonnull(aj_jwk_parse(unit_pool, jwk, &why));
        json_object_set_new(jwk, "y", json_string(altered(eckeys[i], "y", 0)));
        ck_assert_ptr_null(aj_jwk_parse(unit_pool, jwk, &why));
        ck_assert_ptr_nonnull(why);
        json_object_set_new(jwk, "y", json_string(member(eckeys[i], "y")));
        json_object_set_new(jwk, "x", json_string(altered(eckeys[i], "x", 2)));
        ck_assert_ptr_null(aj_jwk_parse(unit_pool, jwk, &why));
    }
}
END_TEST

/*
 * The per-process key memo (aj_pkey_memo.c): the same public numbers give the
 * same OpenSSL key without building it again, but never lend a key's checks to
 * other numbers, nor its JWK's other members (use, alg) to another JWK. An
 * off-curve point is refused every time, however often it comes.
 */
START_TEST(jwks_memo_same_numbers_same_key)
{
    static const unit_key_e keys[] = {UK_RSA, UK_EC256, UK_EC384, UK_EC521};

    for (size_t i = 0; i < UNIT_N(keys); i++) {
        json_t *jwk = unit_jwk_json(keys[i], "k"), *other = unit_jwk_json(UK_EC256_OTHER, "k");
        const char *why = NULL;
        aj_key_t *a = aj_jwk_parse(unit_pool, jwk, &why), *b, *c;

        ck_assert_ptr_nonnull(a);
        json_object_set_new(jwk, "use", json_string("enc"));
        b = aj_jwk_parse(unit_pool, jwk, &why);
        ck_assert_ptr_nonnull(b);
        ck_assert_ptr_eq(a->pkey, b->pkey); /* built once */
        ck_assert_int_eq(a->unusable, AJ_OK);
        ck_assert_int_eq(b->unusable, AJ_R_KEY_USE); /* this JWK's own members still count */
        ck_assert_mem_eq(a->thumbprint, b->thumbprint, 32);
        c = aj_jwk_parse(unit_pool, other, &why);
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_ne(c->pkey, a->pkey);
    }
    for (int round = 0; round < 3; round++) {
        json_t *jwk = unit_jwk_json(UK_EC256, "k");
        const char *why = NULL;
        json_object_set_new(jwk, "y", json_string(altered(UK_EC256, "y", 0)));
        ck_assert_ptr_null(aj_jwk_parse(unit_pool, jwk, &why));
        ck_assert_str_eq(why, "EC point is not on the curve");
    }
}
END_TEST

static const struct {
    const char *doc;
    const char *why;
} documents[] = {
    {"", "empty"},
    {"not json", "not JSON"},
    {"[]", "an array"},
    {"[{\"kty\":\"oct\",\"k\":\"AAAA\"}]", "a bare array of keys"},
    {"{}", "no keys member"},
    {"{\"keys\":{}}", "keys an object"},
    {"{\"keys\":\"\"}", "keys a string"},
    {"{\"keys\":null}", "keys null"},
    {"{\"Keys\":[]}", "member names are case-sensitive"},
    {"{\"keys\":[],\"keys\":[]}", "keys twice"},
    {"{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "a single JWK, not a set"},
    {"{\"keys\":[]} {\"keys\":[]}", "two documents"},
    {"{\"keys\":[\xff]}", "invalid UTF-8"},
    /* the duplicate rule is document-wide: one key with a repeated member costs the whole set */
    {"{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"},{\"kty\":\"oct\",\"kid\":\"a\",\"kid\":\"b\"}]}",
     "a key with kid twice"},
};

START_TEST(jwks_document_refused)
{
    const char *why = NULL;
    ck_assert_msg(aj_jwks_parse(unit_pool, documents[_i].doc, strlen(documents[_i].doc), &why) ==
                      NULL,
                  "accepted: %s", documents[_i].why);
    ck_assert_msg(why && *why, "no reason for: %s", documents[_i].why);
}
END_TEST

START_TEST(jwks_document_deep)
{
    char *doc = apr_pstrcat(unit_pool, "{\"keys\":[", NULL);
    const char *why;
    for (int i = 0; i < 40; i++) {
        doc = apr_pstrcat(unit_pool, doc, "[", NULL);
    }
    ck_assert_ptr_null(aj_jwks_parse(unit_pool, doc, strlen(doc), &why));
}
END_TEST

START_TEST(jwks_empty_set)
{
    const char *why;
    aj_jwks_t *set = aj_jwks_parse(unit_pool, "{\"keys\":[]}", 11, &why);

    ck_assert_ptr_nonnull(set);
    ck_assert_int_eq(set->keys->nelts, 0);
    ck_assert_int_eq(set->skipped->nelts, 0);
    ck_assert_reason(unit_verify(unit_sign("RS256", UK_RSA, "{\"alg\":\"RS256\"}", unit_claims),
                                 AJ_ALGS_DEFAULT, set, NULL),
                     AJ_R_NO_KEYS, "a key set with no keys");
}
END_TEST

/* RFC 7638 thumbprints: the key's identity, whatever its kid, use or alg. */
START_TEST(jwks_thumbprint_identity)
{
    json_t *plain = unit_jwk_json(UK_RSA, NULL);
    json_t *decorated = unit_jwk_json(UK_RSA, "other-kid");
    const char *why, *n = aj_json_string(plain, "n");
    unsigned char *raw, *padded;
    apr_size_t len;
    aj_key_t *a, *b, *c;

    json_object_update(decorated,
                       unit_json("{\"use\":\"sig\",\"alg\":\"RS256\",\"key_ops\":[\"verify\"]}"));
    a = aj_jwk_parse(unit_pool, plain, &why);
    b = aj_jwk_parse(unit_pool, decorated, &why);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_mem_eq(a->thumbprint, b->thumbprint, sizeof(a->thumbprint));

    /* n with a leading zero byte is the same number, the same key */
    ck_assert_int_eq(aj_b64url_decode(&raw, &len, unit_pool, n, strlen(n)), 0);
    padded = apr_pcalloc(unit_pool, len + 1);
    memcpy(padded + 1, raw, len);
    json_object_set_new(plain, "n", json_string(aj_b64url_encode(unit_pool, padded, len + 1)));
    c = aj_jwk_parse(unit_pool, plain, &why);
    ck_assert_ptr_nonnull(c);
    ck_assert_mem_eq(a->thumbprint, c->thumbprint, sizeof(a->thumbprint));
    ck_assert_int_eq(c->bits, 2048);

    ck_assert_ptr_eq(
        aj_jwks_find_thumbprint(unit_set(unit_pub(UK_EC256, NULL, NULL), a, NULL), b->thumbprint),
        a);
    ck_assert_ptr_null(
        aj_jwks_find_thumbprint(unit_set(unit_pub(UK_RSA_OTHER, NULL, NULL), NULL), a->thumbprint));
    ck_assert_ptr_null(aj_jwks_find_thumbprint(NULL, a->thumbprint));
}
END_TEST

/* Every generated key through aj_key_to_jwk and back. */
START_TEST(jwks_round_trip)
{
    for (int k = 0; k < UK__COUNT; k++) {
        aj_key_t *key = unit_pub((unit_key_e)k, unit_kid((unit_key_e)k), NULL), *back;
        const char *why = NULL;
        back = aj_jwk_parse(unit_pool, aj_key_to_jwk(unit_pool, key), &why);
        ck_assert_msg(back != NULL, "%s: %s", unit_kid((unit_key_e)k), why);
        ck_assert_mem_eq(back->thumbprint, key->thumbprint, sizeof(key->thumbprint));
        ck_assert_str_eq(back->kid, unit_kid((unit_key_e)k));
        ck_assert_int_eq(back->bits, key->bits);
        ck_assert_reason(back->unusable, k == UK_RSA_1024 ? AJ_R_KEY_TOO_SMALL : AJ_OK,
                         unit_kid((unit_key_e)k));
    }
}
END_TEST

/* A JWK alg given to aj_key_from_pkey stays with the key and is written out again. */
START_TEST(jwks_alg_kept)
{
    aj_key_t *key = unit_pub(UK_EC256, "e", "ES256");
    json_t *jwk = aj_key_to_jwk(unit_pool, key);

    ck_assert_str_eq(key->alg, "ES256");
    ck_assert_str_eq(aj_json_string(jwk, "alg"), "ES256");
    ck_assert_reason(aj_key_fits(key, aj_alg_by_name("ES256")), AJ_OK, "its own alg");
    ck_assert_reason(aj_key_fits(key, aj_alg_by_name("ES384")), AJ_R_KEY_ALG_MISMATCH, "another");
}
END_TEST

/* Shared secrets: at least 32 bytes, and never written out. */
START_TEST(jwks_secrets)
{
    aj_key_t *k;
    json_t *jwk;

    ck_assert_ptr_null(aj_key_from_secret(unit_pool, unit_secret(31), 31, "s"));
    ck_assert_ptr_null(aj_key_from_secret(unit_pool, unit_secret(0), 0, "s"));
    k = aj_key_from_secret(unit_pool, unit_secret(32), 32, "s");
    ck_assert_ptr_nonnull(k);
    ck_assert_int_eq(k->kty, AJ_KTY_OCT);
    ck_assert_int_eq(k->bits, 256);
    jwk = aj_key_to_jwk(unit_pool, k);
    ck_assert_ptr_null(json_object_get(jwk, "k"));
    ck_assert_str_eq(aj_json_string(jwk, "kty"), "oct");
}
END_TEST

/* A key type we do not verify with has no JWK. */
START_TEST(jwks_unsupported_pkey)
{
    EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    ck_assert_ptr_nonnull(x25519);
    ck_assert_ptr_null(aj_key_from_pkey(unit_pool, x25519, "x", NULL));
    EVP_PKEY_free(x25519);
}
END_TEST

Suite *suite_jwks(void)
{
    Suite *s = suite_create("jwks");
    TCase *tc = tcase_create("parse");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_test(tc, jwks_bad_keys_are_skipped);
    tcase_add_test(tc, jwks_off_curve_each_curve);
    tcase_add_test(tc, jwks_memo_same_numbers_same_key);
    tcase_add_loop_test(tc, jwks_document_refused, 0, (int)UNIT_N(documents));
    tcase_add_test(tc, jwks_document_deep);
    tcase_add_test(tc, jwks_empty_set);
    tcase_add_test(tc, jwks_thumbprint_identity);
    tcase_add_test(tc, jwks_round_trip);
    tcase_add_test(tc, jwks_alg_kept);
    tcase_add_test(tc, jwks_secrets);
    tcase_add_test(tc, jwks_unsupported_pkey);
    suite_add_tcase(s, tc);
    return s;
}
