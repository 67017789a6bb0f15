/*
 * test_attack_claims.c: the registered claims (docs/validation.md section 7) at a fixed clock:
 * exp, nbf and iat with skew (boundaries included), the exact issuer, and the
 * audience as a string or an array of strings.
 */
#include <string.h>

#include <apr_strings.h>

#include "unit.h"

#define NOW 1800000000.0 /* UNIT_NOW */
#define ISS "\"iss\":\"https://tenant.example.auth0.com/\""
#define AUD "\"aud\":\"https://api.example.com/\""
#define EXP "\"exp\":1800003600"

typedef enum {
    P_STD,    /* UNIT_ISSUER, UNIT_AUDIENCE, 5 s skew */
    P_SKEW0,  /* the same without skew */
    P_MULTI,  /* two audiences configured */
    P_NO_ISS, /* issuer not checked */
    P_NO_AUD, /* audience not checked */
} policy_e;

static const struct {
    const char *payload;
    policy_e policy;
    aj_reason_e want;
    const char *why;
} cases[] = {
    {"{" ISS "," AUD "," EXP "}", P_STD, AJ_OK, "a valid claims set"},
    /* exp */
    {"{" ISS "," AUD "}", P_STD, AJ_R_EXP_MISSING, "exp missing: a token that never expires"},
    {"{" ISS "," AUD ",\"exp\":\"1800003600\"}", P_STD, AJ_R_EXP_INVALID, "exp a string"},
    {"{" ISS "," AUD ",\"exp\":true}", P_STD, AJ_R_EXP_INVALID, "exp true"},
    {"{" ISS "," AUD ",\"exp\":false}", P_STD, AJ_R_EXP_INVALID, "exp false"},
    {"{" ISS "," AUD ",\"exp\":null}", P_STD, AJ_R_EXP_INVALID, "exp null"},
    {"{" ISS "," AUD ",\"exp\":[1800003600]}", P_STD, AJ_R_EXP_INVALID, "exp an array"},
    {"{" ISS "," AUD ",\"exp\":{}}", P_STD, AJ_R_EXP_INVALID, "exp an object"},
    {"{" ISS "," AUD ",\"exp\":1e300}", P_STD, AJ_R_EXP_INVALID, "exp 1e300"},
    {"{" ISS "," AUD ",\"exp\":1e20}", P_STD, AJ_R_EXP_INVALID, "exp 1e20"},
    {"{" ISS "," AUD ",\"exp\":9223372036854775807}", P_STD, AJ_R_EXP_INVALID,
     "exp the largest integer"},
    {"{" ISS "," AUD ",\"exp\":253402300799}", P_STD, AJ_OK, "exp 9999-12-31T23:59:59Z"},
    {"{" ISS "," AUD ",\"exp\":253402300800}", P_STD, AJ_R_EXP_INVALID, "exp one second later"},
    {"{" ISS "," AUD ",\"exp\":-1}", P_STD, AJ_R_EXP_INVALID, "exp negative"},
    {"{" ISS "," AUD ",\"exp\":-1800003600}", P_STD, AJ_R_EXP_INVALID, "exp a negated future time"},
    {"{" ISS "," AUD ",\"exp\":0}", P_STD, AJ_R_EXPIRED, "exp at the epoch"},
    {"{" ISS "," AUD ",\"exp\":1800003600.0}", P_STD, AJ_OK, "exp as a real"},
    {"{" ISS "," AUD ",\"exp\":1799999996}", P_STD, AJ_OK, "expired 4 s ago, 5 s skew"},
    {"{" ISS "," AUD ",\"exp\":1799999995.5}", P_STD, AJ_OK, "expired 4.5 s ago, 5 s skew"},
    {"{" ISS "," AUD ",\"exp\":1799999995}", P_STD, AJ_R_EXPIRED, "expired exactly skew ago"},
    {"{" ISS "," AUD ",\"exp\":1799999000}", P_STD, AJ_R_EXPIRED, "expired long ago"},
    {"{" ISS "," AUD ",\"exp\":1800000000}", P_SKEW0, AJ_R_EXPIRED, "exp equal to now, no skew"},
    {"{" ISS "," AUD ",\"exp\":1800000001}", P_SKEW0, AJ_OK, "exp 1 s ahead, no skew"},
    {"{" ISS "," AUD ",\"exp\":1800000000.5}", P_SKEW0, AJ_OK, "exp 0.5 s ahead, no skew"},
    /* nbf */
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800000000}", P_STD, AJ_OK, "nbf now"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1799990000}", P_STD, AJ_OK, "nbf in the past"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800000005}", P_STD, AJ_OK, "nbf exactly skew ahead"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800000005.5}", P_STD, AJ_R_NOT_YET_VALID,
     "nbf 5.5 s ahead"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800000006}", P_STD, AJ_R_NOT_YET_VALID, "nbf 6 s ahead"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800003000}", P_STD, AJ_R_NOT_YET_VALID, "nbf far ahead"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800000001}", P_SKEW0, AJ_R_NOT_YET_VALID,
     "nbf 1 s ahead, no skew"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1800000000}", P_SKEW0, AJ_OK, "nbf now, no skew"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":\"1800000000\"}", P_STD, AJ_R_NBF_INVALID, "nbf a string"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":true}", P_STD, AJ_R_NBF_INVALID, "nbf a boolean"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":null}", P_STD, AJ_R_NBF_INVALID, "nbf null"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":-1}", P_STD, AJ_R_NBF_INVALID, "nbf negative"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":1e300}", P_STD, AJ_R_NBF_INVALID, "nbf 1e300"},
    /* iat */
    {"{" ISS "," AUD "," EXP ",\"iat\":1800000000}", P_STD, AJ_OK, "iat now"},
    {"{" ISS "," AUD "," EXP ",\"iat\":1768464000}", P_STD, AJ_OK, "iat a year ago"},
    {"{" ISS "," AUD "," EXP ",\"iat\":1800000005}", P_STD, AJ_OK, "iat exactly skew ahead"},
    {"{" ISS "," AUD "," EXP ",\"iat\":1800000005.001}", P_STD, AJ_R_IAT_FUTURE,
     "iat just past the skew"},
    {"{" ISS "," AUD "," EXP ",\"iat\":1800000006}", P_STD, AJ_R_IAT_FUTURE, "iat 6 s ahead"},
    {"{" ISS "," AUD "," EXP ",\"iat\":1800000001}", P_SKEW0, AJ_R_IAT_FUTURE,
     "iat 1 s ahead, no skew"},
    {"{" ISS "," AUD "," EXP ",\"iat\":\"1800000000\"}", P_STD, AJ_R_IAT_INVALID, "iat a string"},
    {"{" ISS "," AUD "," EXP ",\"iat\":[]}", P_STD, AJ_R_IAT_INVALID, "iat an array"},
    {"{" ISS "," AUD "," EXP ",\"iat\":-5}", P_STD, AJ_R_IAT_INVALID, "iat negative"},
    /* which rule speaks first */
    {"{" ISS "," AUD ",\"nbf\":1900000000}", P_STD, AJ_R_EXP_MISSING, "exp missing and nbf ahead"},
    {"{" ISS "," AUD ",\"exp\":1,\"nbf\":1900000000}", P_STD, AJ_R_EXPIRED,
     "expired and nbf ahead"},
    {"{" ISS "," AUD "," EXP ",\"nbf\":\"x\",\"iat\":\"x\"}", P_STD, AJ_R_NBF_INVALID,
     "nbf before iat"},
    {"{\"iss\":\"x\",\"aud\":\"y\",\"exp\":1}", P_STD, AJ_R_EXPIRED, "time before issuer"},
    {"{\"iss\":\"x\",\"aud\":\"y\"," EXP "}", P_STD, AJ_R_ISS_MISMATCH, "issuer before audience"},
    /* iss: exactly the configured string */
    {"{" AUD "," EXP "}", P_STD, AJ_R_ISS_MISSING, "iss missing"},
    {"{\"iss\":\"https://tenant.example.auth0.com\"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss without the trailing slash"},
    {"{\"iss\":\"HTTPS://TENANT.EXAMPLE.AUTH0.COM/\"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss in upper case"},
    {"{\"iss\":\"https://Tenant.example.auth0.com/\"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss with one capital"},
    {"{\"iss\":\"https://tenant.example.auth0.com//\"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss with two slashes"},
    {"{\"iss\":\"https://tenant.example.auth0.com/ \"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss with a trailing space"},
    {"{\"iss\":\"http://tenant.example.auth0.com/\"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss over http"},
    {"{\"iss\":\"https://tenant.example.auth0.com:443/\"," AUD "," EXP "}", P_STD,
     AJ_R_ISS_MISMATCH, "iss with the default port"},
    {"{\"iss\":\"https://tenant.example.auth0.com.evil.example/\"," AUD "," EXP "}", P_STD,
     AJ_R_ISS_MISMATCH, "iss on a look-alike host"},
    {"{\"iss\":\"https://evil.example/https://tenant.example.auth0.com/\"," AUD "," EXP "}", P_STD,
     AJ_R_ISS_MISMATCH, "iss ending with the real one"},
    {"{\"iss\":\"https:\\/\\/tenant.example.auth0.com\\/\"," AUD "," EXP "}", P_STD, AJ_OK,
     "iss with escaped slashes is the same string"},
    {"{\"iss\":\"\"," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH, "iss empty"},
    {"{\"iss\":42," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH, "iss a number"},
    {"{\"iss\":null," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH, "iss null"},
    {"{\"iss\":[\"https://tenant.example.auth0.com/\"]," AUD "," EXP "}", P_STD, AJ_R_ISS_MISMATCH,
     "iss an array holding the issuer"},
    {"{" AUD "," EXP "}", P_NO_ISS, AJ_OK, "iss missing, issuer not configured"},
    /* aud: a string or an array of strings holding one configured audience */
    {"{" ISS "," EXP "}", P_STD, AJ_R_AUD_MISSING, "aud missing"},
    {"{" ISS "," EXP ",\"aud\":42}", P_STD, AJ_R_AUD_INVALID, "aud a number"},
    {"{" ISS "," EXP ",\"aud\":null}", P_STD, AJ_R_AUD_INVALID, "aud null"},
    {"{" ISS "," EXP ",\"aud\":true}", P_STD, AJ_R_AUD_INVALID, "aud a boolean"},
    {"{" ISS "," EXP ",\"aud\":{\"aud\":\"https://api.example.com/\"}}", P_STD, AJ_R_AUD_INVALID,
     "aud an object"},
    {"{" ISS "," EXP ",\"aud\":[]}", P_STD, AJ_R_AUD_INVALID, "aud an empty array"},
    {"{" ISS "," EXP ",\"aud\":[\"https://api.example.com/\",1]}", P_STD, AJ_R_AUD_INVALID,
     "aud an array with a number, even next to a match"},
    {"{" ISS "," EXP ",\"aud\":[null]}", P_STD, AJ_R_AUD_INVALID, "aud an array with null"},
    {"{" ISS "," EXP ",\"aud\":[[\"https://api.example.com/\"]]}", P_STD, AJ_R_AUD_INVALID,
     "aud a nested array"},
    {"{" ISS "," EXP ",\"aud\":\"https://api.example.com\"}", P_STD, AJ_R_AUD_MISMATCH,
     "aud without the trailing slash"},
    {"{" ISS "," EXP ",\"aud\":\"https://API.example.com/\"}", P_STD, AJ_R_AUD_MISMATCH,
     "aud in other case"},
    {"{" ISS "," EXP ",\"aud\":\"\"}", P_STD, AJ_R_AUD_MISMATCH, "aud empty"},
    {"{" ISS "," EXP ",\"aud\":\"urn:other-api\"}", P_STD, AJ_R_AUD_MISMATCH, "another API"},
    {"{" ISS "," EXP ",\"aud\":[\"urn:x\",\"urn:y\"]}", P_STD, AJ_R_AUD_MISMATCH,
     "an array of others"},
    {"{" ISS "," EXP ",\"aud\":\"https://api.example.com/ urn:x\"}", P_STD, AJ_R_AUD_MISMATCH,
     "aud is not space-delimited"},
    {"{" ISS "," EXP ",\"aud\":[\"https://api.example.com/\"]}", P_STD, AJ_OK, "an array of one"},
    {"{" ISS "," EXP
     ",\"aud\":[\"https://api.example.com/\",\"https://tenant.example.auth0.com/userinfo\"]}",
     P_STD, AJ_OK, "Auth0's array with userinfo"},
    {"{" ISS "," EXP ",\"aud\":[\"urn:x\",\"https://api.example.com/\"]}", P_STD, AJ_OK,
     "the configured audience second"},
    {"{" ISS "," EXP ",\"aud\":\"urn:other-api\"}", P_MULTI, AJ_OK,
     "the second configured audience"},
    {"{" ISS "," EXP ",\"aud\":\"https://api.example.com/\"}", P_MULTI, AJ_OK,
     "the first configured audience"},
    {"{" ISS "," EXP ",\"aud\":[\"urn:x\",\"urn:other-api\"]}", P_MULTI, AJ_OK,
     "an array holding the second configured audience"},
    {"{" ISS "," EXP ",\"aud\":\"urn:third\"}", P_MULTI, AJ_R_AUD_MISMATCH,
     "none of two configured"},
    {"{" ISS "," EXP "}", P_NO_AUD, AJ_OK, "aud missing, audience not configured"},
    /* look-alike member names are other members, never the claim they resemble
     * (a name with a NUL in it never gets this far: the JSON rules refuse \u0000) */
    {"{" ISS "," AUD ",\"ex\":1800003600,\"expx\":1800003600,\"Exp\":1800003600}", P_STD,
     AJ_R_EXP_MISSING, "ex, expx and Exp are not exp"},
    {"{" ISS "," AUD "," EXP ",\"exp \":0,\"exp.\":0}", P_STD, AJ_OK,
     "expired 'exp ' and 'exp.' members beside the real exp"},
    {"{" AUD "," EXP ",\"issuer\":\"https://tenant.example.auth0.com/\"}", P_STD,
     AJ_R_ISS_MISSING, "issuer is not iss"},
    {"{" ISS "," EXP ",\"audience\":\"https://api.example.com/\",\"au\":\"x\"}", P_STD,
     AJ_R_AUD_MISSING, "audience and au are not aud"},
    {"{" ISS "," AUD "," EXP ",\"nbfx\":1900000000,\"nb\":1900000000}", P_STD, AJ_OK,
     "nbf look-alikes are not nbf"},
};

static aj_claims_policy_t *policy_of(policy_e which)
{
    aj_claims_policy_t *p = unit_policy();
    switch (which) {
    case P_STD:
        break;
    case P_SKEW0:
        p->skew = 0;
        break;
    case P_MULTI:
        p->audiences = unit_strings(UNIT_AUDIENCE, "urn:other-api", NULL);
        break;
    case P_NO_ISS:
        p->issuer = NULL;
        break;
    case P_NO_AUD:
        p->audiences = unit_strings(NULL);
        break;
    }
    return p;
}

START_TEST(claims_table)
{
    ck_assert_reason(
        aj_claims_check(unit_json(cases[_i].payload), policy_of(cases[_i].policy), NOW),
        cases[_i].want, cases[_i].why);
}
END_TEST

/* A NULL audience list is "not checked" too. */
START_TEST(claims_null_audiences)
{
    aj_claims_policy_t *p = unit_policy();
    p->audiences = NULL;
    ck_assert_reason(aj_claims_check(unit_json("{" ISS "," EXP ",\"aud\":7}"), p, NOW), AJ_OK,
                     "no audience list");
}
END_TEST

/* The same rules through the whole pipeline, after the signature. */
START_TEST(claims_end_to_end)
{
    aj_jwks_t *set = unit_set(unit_pub(UK_RSA, "rsa-main", NULL), NULL);
    const struct {
        const char *payload;
        unit_key_e signer;
        aj_reason_e want;
        const char *why;
    } e2e[] = {
        {unit_claims, UK_RSA, AJ_OK, "valid"},
        {"{" ISS "," AUD "}", UK_RSA, AJ_R_EXP_MISSING, "no exp"},
        {"{" ISS "," AUD ",\"exp\":1799990000}", UK_RSA, AJ_R_EXPIRED, "expired"},
        {"{" ISS "," AUD "," EXP ",\"nbf\":1800001000}", UK_RSA, AJ_R_NOT_YET_VALID,
         "not yet valid"},
        {"{\"iss\":\"https://tenant.example.auth0.com\"," AUD "," EXP "}", UK_RSA,
         AJ_R_ISS_MISMATCH, "issuer without slash"},
        {"{" ISS ",\"aud\":[]," EXP "}", UK_RSA, AJ_R_AUD_INVALID, "empty audience"},
        /* a forged token with bad claims is reported as a forgery */
        {"{" ISS "," AUD "}", UK_RSA_OTHER, AJ_R_SIGNATURE_INVALID, "forged and without exp"},
    };
    aj_token_t tok;

    for (size_t i = 0; i < UNIT_N(e2e); i++) {
        char *token = unit_sign("RS256", e2e[i].signer, "{\"alg\":\"RS256\",\"kid\":\"rsa-main\"}",
                                e2e[i].payload);
        ck_assert_reason(aj_token_verify(&tok, unit_pool, token, strlen(token), AJ_ALGS_DEFAULT,
                                         set, unit_policy(), UNIT_NOW),
                         e2e[i].want, e2e[i].why);
    }
}
END_TEST

Suite *suite_attack_claims(void)
{
    Suite *s = suite_create("attack_claims");
    TCase *tc = tcase_create("claims");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, claims_table, 0, (int)UNIT_N(cases));
    tcase_add_test(tc, claims_null_audiences);
    tcase_add_test(tc, claims_end_to_end);
    suite_add_tcase(s, tc);
    return s;
}
