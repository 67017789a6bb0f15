/*
 * test_auth0_real.c: a token issued by a real Auth0 tenant, checked against
 * that tenant's JWKS (tests/fixtures/auth0-real, see its README).
 *
 * It is valid at a clock between its iat and exp, expired at today's clock, and
 * refused whenever any single character of it changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_strings.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"

#define REAL_NOW      1781724900.0 /* between iat 1781724897 and exp 1781725017 */
#define REAL_IAT      1781724897.0
#define REAL_EXP      1781725017.0
#define REAL_ISSUER   "https://dev-1zzve41p1cec7x1j.us.auth0.com/"
#define REAL_AUDIENCE "ZHTZrfntfPjYZDJiIMB1keb0HHA9AKEv"
#define REAL_KID      "MJEenCzYAP_m5TgvpAPya"
#define REAL_KID2     "at8QtR6iDf7Cct4M75uyQ"

/* A file of tests/fixtures/auth0-real/. */
static char *fixture(const char *name, apr_size_t *len)
{
    return unit_source_file(apr_pstrcat(unit_pool, "tests/fixtures/auth0-real/", name, NULL), len);
}

static const char *real_token(void)
{
    apr_size_t len;
    char *t = fixture("token.jwt", &len);
    while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r' || t[len - 1] == ' ')) {
        t[--len] = '\0';
    }
    return t;
}

static aj_jwks_t *real_jwks(void)
{
    apr_size_t len;
    const char *text = fixture("jwks.json", &len), *why = NULL;
    aj_jwks_t *set = aj_jwks_parse(unit_pool, text, len, &why);
    ck_assert_msg(set != NULL, "jwks.json refused: %s", why ? why : "?");
    return set;
}

static aj_claims_policy_t *real_policy(int skew)
{
    aj_claims_policy_t *policy = apr_pcalloc(unit_pool, sizeof(*policy));
    policy->issuer = REAL_ISSUER;
    policy->audiences = unit_strings(REAL_AUDIENCE, NULL);
    policy->skew = skew;
    return policy;
}

static aj_reason_e real_verify(const char *token, const aj_jwks_t *set,
                               const aj_claims_policy_t *policy, double now, aj_token_t *tok)
{
    return aj_token_verify(tok, unit_pool, token, strlen(token), AJ_ALGS_DEFAULT, set, policy, now);
}

START_TEST(real_jwks_parses)
{
    aj_jwks_t *set = real_jwks();

    ck_assert_int_eq(set->keys->nelts, 2);
    ck_assert_int_eq(set->skipped->nelts, 0);
    for (int i = 0; i < 2; i++) {
        const aj_key_t *k = APR_ARRAY_IDX(set->keys, i, const aj_key_t *);
        ck_assert_int_eq(k->kty, AJ_KTY_RSA);
        ck_assert_int_eq(k->bits, 2048);
        ck_assert_str_eq(k->alg, "RS256");
        ck_assert_reason(k->unusable, AJ_OK, "a use=sig RSA-2048 key");
        ck_assert_str_eq(k->kid, i == 0 ? REAL_KID : REAL_KID2);
    }
}
END_TEST

START_TEST(real_token_valid_at_fixed_clock)
{
    aj_token_t tok;
    const char *token = real_token();

    ck_assert_uint_eq(strlen(token), 892);
    ck_assert_reason(real_verify(token, real_jwks(), real_policy(5), REAL_NOW, &tok), AJ_OK,
                     "the Auth0 token inside its lifetime");
    ck_assert_str_eq(tok.key->kid, REAL_KID);
    ck_assert_str_eq(tok.jws.alg->name, "RS256");
    ck_assert_str_eq(tok.jws.kid, REAL_KID);
    ck_assert_str_eq(aj_json_string(tok.payload, "sub"), "google-oauth2|112918960155987323361");
    ck_assert_str_eq(aj_json_string(tok.payload, "iss"), REAL_ISSUER);
}
END_TEST

START_TEST(real_token_expired_today)
{
    aj_token_t tok;
    ck_assert_reason(
        real_verify(real_token(), real_jwks(), real_policy(5), (double)time(NULL), &tok),
        AJ_R_EXPIRED, "the Auth0 token at today's clock");
}
END_TEST

/* The clock edges of its lifetime, with and without skew. */
static const struct {
    double now;
    int skew;
    aj_reason_e want;
    const char *why;
} edges[] = {
    {REAL_EXP + 4, 5, AJ_OK, "4 s after exp, inside 5 s of skew"},
    {REAL_EXP + 4.999, 5, AJ_OK, "just inside the skew"},
    {REAL_EXP + 5, 5, AJ_R_EXPIRED, "exactly exp + skew is expired"},
    {REAL_EXP - 1, 0, AJ_OK, "1 s before exp, no skew"},
    {REAL_EXP, 0, AJ_R_EXPIRED, "exactly at exp, no skew"},
    {REAL_IAT - 5, 5, AJ_OK, "iat 5 s ahead of the clock, inside the skew"},
    {REAL_IAT - 6, 5, AJ_R_IAT_FUTURE, "iat 6 s ahead of the clock"},
    {REAL_IAT, 0, AJ_OK, "exactly at iat, no skew"},
    {REAL_IAT - 1, 0, AJ_R_IAT_FUTURE, "1 s before iat, no skew"},
};

START_TEST(real_token_clock_edges)
{
    aj_token_t tok;
    ck_assert_reason(
        real_verify(real_token(), real_jwks(), real_policy(edges[_i].skew), edges[_i].now, &tok),
        edges[_i].want, edges[_i].why);
}
END_TEST

/* The same token under the wrong configuration. */
START_TEST(real_token_wrong_policy)
{
    const char *token = real_token();
    aj_jwks_t *set = real_jwks();
    aj_claims_policy_t *policy = real_policy(5);
    aj_token_t tok;

    policy->issuer = "https://dev-1zzve41p1cec7x1j.us.auth0.com";
    ck_assert_reason(real_verify(token, set, policy, REAL_NOW, &tok), AJ_R_ISS_MISMATCH,
                     "issuer configured without the trailing slash");
    policy->issuer = "https://DEV-1ZZVE41P1CEC7X1J.US.AUTH0.COM/";
    ck_assert_reason(real_verify(token, set, policy, REAL_NOW, &tok), AJ_R_ISS_MISMATCH,
                     "issuer in other case");
    policy->issuer = REAL_ISSUER;
    policy->audiences = unit_strings("https://api.example.com/", NULL);
    ck_assert_reason(real_verify(token, set, policy, REAL_NOW, &tok), AJ_R_AUD_MISMATCH,
                     "another API's audience");
    policy->audiences = unit_strings("https://api.example.com/", REAL_AUDIENCE, NULL);
    ck_assert_reason(real_verify(token, set, policy, REAL_NOW, &tok), AJ_OK,
                     "one of two configured audiences");
    ck_assert_reason(aj_token_verify(&tok, unit_pool, token, strlen(token),
                                     unit_algs("PS256 ES256 HS256"), set, policy, REAL_NOW),
                     AJ_R_ALG_NOT_ALLOWED, "RS256 left out of the allow-list");
    ck_assert_reason(aj_token_verify(&tok, unit_pool, token, strlen(token), UNIT_ALL_ALGS, set,
                                     policy, REAL_NOW),
                     AJ_OK, "every algorithm allowed");
}
END_TEST

/* Key sets that do not hold the signing key. */
START_TEST(real_token_wrong_keys)
{
    apr_size_t len;
    const char *text = fixture("jwks.json", &len), *why;
    json_t *doc = unit_json(text), *keys = json_object_get(doc, "keys");
    json_t *first = json_array_get(keys, 0), *second = json_array_get(keys, 1);
    const char *token = real_token();
    aj_token_t tok;
    aj_jwks_t *set;
    char *swapped;

    /* after a rotation that dropped the key */
    set = unit_set(APR_ARRAY_IDX(real_jwks()->keys, 1, aj_key_t *), NULL);
    ck_assert_reason(real_verify(token, set, real_policy(5), REAL_NOW, &tok), AJ_R_KID_UNKNOWN,
                     "the signing key is no longer published");
    ck_assert_reason(real_verify(token, aj_jwks_make(unit_pool), real_policy(5), REAL_NOW, &tok),
                     AJ_R_NO_KEYS, "an empty key set");

    /* the kids swapped between the two keys: the kid names the wrong material */
    json_object_set_new(first, "kid", json_string(REAL_KID2));
    json_object_set_new(second, "kid", json_string(REAL_KID));
    swapped = aj_json_compact(unit_pool, doc);
    set = aj_jwks_parse(unit_pool, swapped, strlen(swapped), &why);
    ck_assert_ptr_nonnull(set);
    ck_assert_reason(real_verify(token, set, real_policy(5), REAL_NOW, &tok),
                     AJ_R_SIGNATURE_INVALID, "the kid points at the other tenant key");

    /* the JWK pinned to another algorithm */
    json_object_set_new(first, "kid", json_string(REAL_KID));
    json_object_set_new(first, "alg", json_string("RS512"));
    json_array_remove(keys, 1);
    swapped = aj_json_compact(unit_pool, doc);
    set = aj_jwks_parse(unit_pool, swapped, strlen(swapped), &why);
    ck_assert_reason(real_verify(token, set, real_policy(5), REAL_NOW, &tok), AJ_R_KEY_ALG_MISMATCH,
                     "the JWK says RS512");
}
END_TEST

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Forgery by editing the token: every position, changed to two other
 * base64url characters (for the dots: to a letter). Any refusal will do; which
 * ones occur is counted and printed.
 */
START_TEST(real_token_any_char_changed)
{
    const char *orig = real_token();
    apr_size_t len = strlen(orig);
    char *t = apr_pstrmemdup(unit_pool, orig, len);
    aj_jwks_t *set = real_jwks();
    aj_claims_policy_t *policy = real_policy(5);
    int seen[AJ_R__COUNT + 1] = {0}, total = 0;
    aj_token_t tok;

    for (apr_size_t pos = 0; pos < len; pos++) {
        const char *at = strchr(b64url_alphabet, orig[pos]);
        int v = at ? (int)(at - b64url_alphabet) : -1;
        char repl[2];

        repl[0] = v < 0 ? 'A' : b64url_alphabet[(v + 1) % 64];
        repl[1] = v < 0 ? 'x' : b64url_alphabet[v ^ 0x21];
        for (int k = 0; k < 2; k++) {
            aj_reason_e r;
            t[pos] = repl[k];
            r = real_verify(t, set, policy, REAL_NOW, &tok);
            ck_assert_msg(r != AJ_OK, "character %zu changed from '%c' to '%c' is accepted",
                          (size_t)pos, orig[pos], repl[k]);
            seen[r < AJ_R__COUNT ? r : AJ_R__COUNT]++;
            total++;
        }
        t[pos] = orig[pos];
    }
    ck_assert_reason(real_verify(t, set, policy, REAL_NOW, &tok), AJ_OK, "restored");

    printf("auth0-real: %d one-character changes refused:", total);
    for (int r = 0; r <= AJ_R__COUNT; r++) {
        if (seen[r]) {
            printf(" %s=%d", aj_reason_name((aj_reason_e)r), seen[r]);
        }
    }
    printf("\n");
    fflush(stdout);
}
END_TEST

Suite *suite_auth0_real(void)
{
    Suite *s = suite_create("auth0_real");
    TCase *tc = tcase_create("token");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, real_jwks_parses);
    tcase_add_test(tc, real_token_valid_at_fixed_clock);
    tcase_add_test(tc, real_token_expired_today);
    tcase_add_loop_test(tc, real_token_clock_edges, 0, (int)UNIT_N(edges));
    tcase_add_test(tc, real_token_wrong_policy);
    tcase_add_test(tc, real_token_wrong_keys);
    tcase_add_test(tc, real_token_any_char_changed);
    suite_add_tcase(s, tc);
    return s;
}
