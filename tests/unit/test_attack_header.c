/*
 * test_attack_header.c: the other JOSE header members an attacker controls:
 * kid, typ, crit, and the key-carrying jwk, jku, x5u, x5c (never trusted).
 *
 * Unless a case says otherwise, tokens are signed by the issuer's RSA key and
 * checked against a set holding it (kid "rsa-main") and a P-256 key (kid "ec256").
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "unit.h"
#include "aj_json.h"

static aj_jwks_t *issuer_set(void)
{
    return unit_set(unit_pub(UK_RSA, "rsa-main", NULL), unit_pub(UK_EC256, "ec256", NULL), NULL);
}

/* A header of the given members (a JSON object's inside), signed RS256 by key. */
static char *signed_with(unit_key_e key, const char *members)
{
    char *header = apr_psprintf(unit_pool, "{\"alg\":\"RS256\"%s%s}", *members ? "," : "", members);
    return unit_sign("RS256", key, header, unit_claims);
}

static const struct {
    const char *members;
    aj_reason_e want;
    const char *why;
} cases[] = {
    /* kid: the only lookup key, compared exactly, never used as a path or query */
    {"\"kid\":\"rsa-main\"", AJ_OK, "the issuer's kid"},
    {"\"kid\":\"rsa\\u002dmain\"", AJ_OK, "the same kid with an escaped '-'"},
    {"\"kid\":\"../../etc/passwd\"", AJ_R_KID_UNKNOWN, "path traversal"},
    {"\"kid\":\"../../../../../../dev/null\"", AJ_R_KID_UNKNOWN, "traversal to an empty file"},
    {"\"kid\":\"rsa-main/../rsa-main\"", AJ_R_KID_UNKNOWN, "traversal back to the same name"},
    {"\"kid\":\"' OR 1=1 --\"", AJ_R_KID_UNKNOWN, "SQL injection"},
    {"\"kid\":\"rsa-main' OR '1'='1\"", AJ_R_KID_UNKNOWN, "SQL injection after a real kid"},
    {"\"kid\":\"|cat /etc/passwd\"", AJ_R_KID_UNKNOWN, "shell injection"},
    {"\"kid\":\"$(id)\"", AJ_R_KID_UNKNOWN, "command substitution"},
    {"\"kid\":\"*\"", AJ_R_KID_UNKNOWN, "a wildcard"},
    {"\"kid\":\"rsa-*\"", AJ_R_KID_UNKNOWN, "a glob"},
    {"\"kid\":\"https://evil.example/key.pem\"", AJ_R_KID_UNKNOWN, "a URL"},
    {"\"kid\":\"\"", AJ_R_KID_UNKNOWN, "an empty kid"},
    {"\"kid\":\"RSA-MAIN\"", AJ_R_KID_UNKNOWN, "kids are case-sensitive"},
    {"\"kid\":\"rsa-main \"", AJ_R_KID_UNKNOWN, "a trailing space"},
    {"\"kid\":\" rsa-main\"", AJ_R_KID_UNKNOWN, "a leading space"},
    {"\"kid\":\"rsa-mai\"", AJ_R_KID_UNKNOWN, "a prefix of a real kid"},
    {"\"kid\":\"rsa-main-2\"", AJ_R_KID_UNKNOWN, "a real kid as a prefix"},
    {"\"kid\":\"rsa-main\\u0000evil\"", AJ_R_HEADER_NOT_JSON,
     "an escaped NUL that would cut a C string at the real kid"},
    {"\"kid\":\"ec256\"", AJ_R_KEY_ALG_MISMATCH, "the kid of a key of another type"},
    {"\"kid\":1", AJ_R_KID_INVALID, "kid a number"},
    {"\"kid\":0", AJ_R_KID_INVALID, "kid zero"},
    {"\"kid\":null", AJ_R_KID_INVALID, "kid null"},
    {"\"kid\":true", AJ_R_KID_INVALID, "kid a boolean"},
    {"\"kid\":[\"rsa-main\"]", AJ_R_KID_INVALID, "kid an array holding the real kid"},
    {"\"kid\":{\"kid\":\"rsa-main\"}", AJ_R_KID_INVALID, "kid an object"},
    /* typ (RFC 7515 4.1.9, RFC 9068 2.1) */
    {"\"kid\":\"rsa-main\",\"typ\":\"JWT\"", AJ_OK, "typ JWT"},
    {"\"kid\":\"rsa-main\",\"typ\":\"jwt\"", AJ_OK, "typ jwt"},
    {"\"kid\":\"rsa-main\",\"typ\":\"at+jwt\"", AJ_OK, "typ at+jwt"},
    {"\"kid\":\"rsa-main\",\"typ\":\"AT+JWT\"", AJ_OK, "typ AT+JWT"},
    {"\"kid\":\"rsa-main\",\"typ\":\"application/at+jwt\"", AJ_OK, "typ application/at+jwt"},
    {"\"kid\":\"rsa-main\",\"typ\":\"application/jwt\"", AJ_OK, "typ application/jwt"},
    {"\"kid\":\"rsa-main\",\"typ\":\"Application/At+Jwt\"", AJ_OK, "typ in mixed case"},
    {"\"kid\":\"rsa-main\",\"typ\":\"JOSE\"", AJ_R_TYP_INVALID, "typ JOSE"},
    {"\"kid\":\"rsa-main\",\"typ\":\"JOSE+JSON\"", AJ_R_TYP_INVALID, "typ JOSE+JSON"},
    {"\"kid\":\"rsa-main\",\"typ\":\"secevent+jwt\"", AJ_R_TYP_INVALID, "a security event token"},
    {"\"kid\":\"rsa-main\",\"typ\":\"logout+jwt\"", AJ_R_TYP_INVALID, "a logout token"},
    {"\"kid\":\"rsa-main\",\"typ\":\"dpop+jwt\"", AJ_R_TYP_INVALID, "a DPoP proof"},
    {"\"kid\":\"rsa-main\",\"typ\":\"application/json\"", AJ_R_TYP_INVALID, "typ application/json"},
    {"\"kid\":\"rsa-main\",\"typ\":\"\"", AJ_R_TYP_INVALID, "typ empty"},
    {"\"kid\":\"rsa-main\",\"typ\":\"application/\"", AJ_R_TYP_INVALID, "the prefix alone"},
    {"\"kid\":\"rsa-main\",\"typ\":\"application/application/jwt\"", AJ_R_TYP_INVALID,
     "the prefix twice"},
    {"\"kid\":\"rsa-main\",\"typ\":\"JWT \"", AJ_R_TYP_INVALID, "a trailing space"},
    {"\"kid\":\"rsa-main\",\"typ\":\"JWTX\"", AJ_R_TYP_INVALID, "JWT as a prefix"},
    {"\"kid\":\"rsa-main\",\"typ\":1", AJ_R_TYP_INVALID, "typ a number"},
    {"\"kid\":\"rsa-main\",\"typ\":null", AJ_R_TYP_INVALID, "typ null"},
    {"\"kid\":\"rsa-main\",\"typ\":[\"JWT\"]", AJ_R_TYP_INVALID, "typ an array"},
    {"\"kid\":\"rsa-main\",\"typ\":{}", AJ_R_TYP_INVALID, "typ an object"},
    /* crit (RFC 7515 4.1.11): no extension is understood, so any crit is refused */
    {"\"kid\":\"rsa-main\",\"crit\":[\"exp\"]", AJ_R_CRIT, "crit naming an unknown extension"},
    {"\"kid\":\"rsa-main\",\"crit\":[\"b64\"],\"b64\":false", AJ_R_CRIT,
     "RFC 7797 unencoded payload"},
    {"\"kid\":\"rsa-main\",\"crit\":[\"alg\"]", AJ_R_CRIT, "crit naming a registered member"},
    {"\"kid\":\"rsa-main\",\"crit\":[]", AJ_R_CRIT, "crit empty"},
    {"\"kid\":\"rsa-main\",\"crit\":\"exp\"", AJ_R_CRIT, "crit a string, not a list"},
    {"\"kid\":\"rsa-main\",\"crit\":null", AJ_R_CRIT, "crit null"},
    {"\"kid\":\"rsa-main\",\"crit\":{}", AJ_R_CRIT, "crit an object"},
    {"\"kid\":\"rsa-main\",\"crit\":1", AJ_R_CRIT, "crit a number"},
    {"\"kid\":1,\"crit\":[\"exp\"]", AJ_R_CRIT, "crit is judged before kid"},
    /* members that are not ours to judge are ignored */
    {"\"kid\":\"rsa-main\",\"b64\":false", AJ_OK, "b64 without crit is ignored"},
    {"\"kid\":\"rsa-main\",\"x-custom\":{\"a\":[1,2,3]}", AJ_OK, "a private member"},
    {"\"kid\":\"rsa-main\",\"zip\":\"DEF\"", AJ_OK, "zip (a JWE member) is ignored"},
};

START_TEST(header_table)
{
    ck_assert_reason(
        unit_verify(signed_with(UK_RSA, cases[_i].members), AJ_ALGS_DEFAULT, issuer_set(), NULL),
        cases[_i].want, cases[_i].why);
}
END_TEST

/* A kid of 4000 characters is just an unknown kid. */
START_TEST(header_long_kid)
{
    char *kid = apr_palloc(unit_pool, 4001);
    memset(kid, 'k', 4000);
    kid[4000] = '\0';
    ck_assert_reason(
        unit_verify(signed_with(UK_RSA, apr_psprintf(unit_pool, "\"kid\":\"%s\"", kid)),
                    AJ_ALGS_DEFAULT, issuer_set(), NULL),
        AJ_R_KID_UNKNOWN, "a 4000-character kid");
}
END_TEST

/* ---- keys carried in the header ------------------------------------------ */

/* A self-signed certificate for the attacker's key, base64 (not url) DER as x5c wants. */
static char *attacker_x5c(void)
{
    EVP_PKEY *pkey = unit_priv(UK_RSA_OTHER);
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char *der, *p;
    char *b64;
    int len;

    ck_assert_ptr_nonnull(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);
    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"tenant.example.auth0.com", -1, -1, 0);
    X509_set_issuer_name(x, name);
    ck_assert(X509_sign(x, pkey, EVP_sha256()) > 0);
    len = i2d_X509(x, NULL);
    der = p = apr_palloc(unit_pool, (apr_size_t)len);
    i2d_X509(x, &p);
    X509_free(x);
    b64 = apr_palloc(unit_pool, (apr_size_t)(len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)b64, der, len);
    return b64;
}

/* The attacker's public key as a JWK, as it would be embedded. */
static char *attacker_jwk(unit_key_e key, const char *kid)
{
    return aj_json_compact(unit_pool, aj_key_to_jwk(unit_pool, unit_pub(key, kid, NULL)));
}

START_TEST(header_embedded_keys_are_ignored)
{
    const char *jwk = attacker_jwk(UK_RSA_OTHER, "rsa-main");
    const char *x5c = attacker_x5c();
    const struct {
        const char *members;
        aj_reason_e want;
        const char *why;
    } embedded[] = {
        {apr_psprintf(unit_pool, "\"kid\":\"rsa-main\",\"jwk\":%s", jwk), AJ_R_SIGNATURE_INVALID,
         "jwk: the attacker's key embedded under the issuer's kid"},
        {apr_psprintf(unit_pool, "\"jwk\":%s", jwk), AJ_R_SIGNATURE_INVALID,
         "jwk without kid: the set's only RSA key is used"},
        {apr_psprintf(unit_pool, "\"kid\":\"rsa-other\",\"jwk\":%s",
                      attacker_jwk(UK_RSA_OTHER, "rsa-other")),
         AJ_R_KID_UNKNOWN, "jwk naming its own kid: nothing is added to the set"},
        {"\"kid\":\"rsa-main\",\"jku\":\"https://evil.example/.well-known/jwks.json\"",
         AJ_R_SIGNATURE_INVALID, "jku pointing at the attacker's key set"},
        {"\"kid\":\"rsa-other\",\"jku\":\"https://evil.example/.well-known/jwks.json\"",
         AJ_R_KID_UNKNOWN, "jku with the attacker's kid: never fetched"},
        {"\"kid\":\"rsa-main\",\"x5u\":\"https://evil.example/cert.pem\"", AJ_R_SIGNATURE_INVALID,
         "x5u pointing at the attacker's certificate"},
        {apr_psprintf(unit_pool, "\"kid\":\"rsa-main\",\"x5c\":[\"%s\"]", x5c),
         AJ_R_SIGNATURE_INVALID, "x5c holding the attacker's self-signed certificate"},
        {apr_psprintf(unit_pool, "\"x5c\":[\"%s\"]", x5c), AJ_R_SIGNATURE_INVALID,
         "x5c without kid"},
        {"\"kid\":\"rsa-main\",\"x5t\":\"e5j-NuV3qV9pTuGiO619QS0E04Q\"", AJ_R_SIGNATURE_INVALID,
         "x5t naming some certificate"},
        {apr_psprintf(unit_pool,
                      "\"kid\":\"rsa-main\",\"jwk\":%s,\"jku\":\"https://evil.example/\","
                      "\"x5u\":\"https://evil.example/c\",\"x5c\":[\"%s\"]",
                      jwk, x5c),
         AJ_R_SIGNATURE_INVALID, "all of them at once"},
    };

    for (size_t i = 0; i < UNIT_N(embedded); i++) {
        /* signed by the attacker: refused */
        ck_assert_reason(unit_verify(signed_with(UK_RSA_OTHER, embedded[i].members),
                                     AJ_ALGS_DEFAULT, issuer_set(), NULL),
                         embedded[i].want, embedded[i].why);
        /* the same header signed by the issuer: the members are ignored, not refused */
        if (embedded[i].want == AJ_R_SIGNATURE_INVALID) {
            ck_assert_reason(unit_verify(signed_with(UK_RSA, embedded[i].members), AJ_ALGS_DEFAULT,
                                         issuer_set(), NULL),
                             AJ_OK, embedded[i].why);
        }
    }
}
END_TEST

/* An embedded EC key for an alg the set has no key for: no key fits. */
START_TEST(header_embedded_key_of_another_type)
{
    char *header = apr_psprintf(unit_pool, "{\"alg\":\"ES256\",\"jwk\":%s}",
                                attacker_jwk(UK_EC256_OTHER, NULL));
    char *token = unit_sign("ES256", UK_EC256_OTHER, header, unit_claims);

    ck_assert_reason(unit_verify(token, unit_algs("RS256 ES256"),
                                 unit_set(unit_pub(UK_RSA, "rsa-main", NULL), NULL), NULL),
                     AJ_R_NO_MATCHING_KEY, "ES256 with only an RSA key in the set");
    ck_assert_reason(unit_verify(token, unit_algs("RS256 ES256"), issuer_set(), NULL),
                     AJ_R_SIGNATURE_INVALID, "ES256 checked with the issuer's own P-256 key");
}
END_TEST

/* A nested JWT (cty JWT) is not unwrapped: its payload must itself be a claims set. */
START_TEST(header_nested_jwt_not_unwrapped)
{
    char *inner =
        unit_sign("RS256", UK_RSA, "{\"alg\":\"RS256\",\"kid\":\"rsa-main\"}", unit_claims);
    char *outer = unit_sign("RS256", UK_RSA,
                            "{\"alg\":\"RS256\",\"kid\":\"rsa-main\",\"cty\":\"JWT\"}", inner);
    ck_assert_reason(unit_verify(outer, AJ_ALGS_DEFAULT, issuer_set(), NULL), AJ_R_PAYLOAD_NOT_JSON,
                     "cty JWT with a JWT as payload");
}
END_TEST

Suite *suite_attack_header(void)
{
    Suite *s = suite_create("attack_header");
    TCase *tc = tcase_create("header");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, header_table, 0, (int)UNIT_N(cases));
    tcase_add_test(tc, header_long_kid);
    tcase_add_test(tc, header_embedded_keys_are_ignored);
    tcase_add_test(tc, header_embedded_key_of_another_type);
    tcase_add_test(tc, header_nested_jwt_not_unwrapped);
    suite_add_tcase(s, tc);
    return s;
}
