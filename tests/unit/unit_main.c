/* unit_main.c: runs every unit suite; exit status 0 only when all pass. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"
#include "aj_sign.h"

apr_pool_t *unit_pool;

void unit_pool_setup(void)
{
    apr_pool_create(&unit_pool, NULL);
}

void unit_pool_teardown(void)
{
    apr_pool_destroy(unit_pool);
    unit_pool = NULL;
}

/* ---- files of the source tree --------------------------------------------- */

/* The whole file, or NULL when it cannot be read. */
static char *slurp(const char *path, apr_size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = apr_palloc(unit_pool, (apr_size_t)size + 1);
    *len = fread(buf, 1, (size_t)size, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

char *unit_source_file(const char *path, apr_size_t *len)
{
    const char *top = getenv("AJ_TOP_SRCDIR");
    const char *tries[] = {top, ".", "..", "../.."};
    char *text;

    for (size_t i = 0; i < UNIT_N(tries); i++) {
        if (tries[i] && (text = slurp(apr_pstrcat(unit_pool, tries[i], "/", path, NULL), len))) {
            return text;
        }
    }
    ck_abort_msg("%s not found in the source tree (AJ_TOP_SRCDIR=%s)", path, top ? top : "unset");
    return NULL;
}

/* ---- keys made once ------------------------------------------------------ */

static apr_pool_t *keys_pool;
static EVP_PKEY *keys[UK__COUNT];

static const struct {
    const char *alg; /* what aj_key_generate is asked for */
    int bits;
    const char *kid;
} key_specs[UK__COUNT] = {
    [UK_RSA] = {"RS256", 2048, "rsa-main"},
    [UK_RSA_OTHER] = {"RS256", 2048, "rsa-other"},
    [UK_RSA_1024] = {"RS256", 1024, "rsa-1024"},
    [UK_EC256] = {"ES256", 0, "ec256"},
    [UK_EC256_OTHER] = {"ES256", 0, "ec256-other"},
    [UK_EC384] = {"ES384", 0, "ec384"},
    [UK_EC521] = {"ES512", 0, "ec521"},
    [UK_ED25519] = {"EdDSA", 0, "ed25519"},
};

void unit_keys_init(void)
{
    apr_pool_create(&keys_pool, NULL);
    for (int i = 0; i < UK__COUNT; i++) {
        keys[i] = aj_key_generate(keys_pool, aj_alg_by_name(key_specs[i].alg), key_specs[i].bits);
        if (keys[i] == NULL) {
            fprintf(stderr, "unit: cannot generate the %s test key\n", key_specs[i].kid);
            exit(EXIT_FAILURE);
        }
    }
}

EVP_PKEY *unit_priv(unit_key_e which)
{
    return keys[which];
}

const char *unit_kid(unit_key_e which)
{
    return key_specs[which].kid;
}

aj_key_t *unit_pub(unit_key_e which, const char *kid, const char *alg)
{
    aj_key_t *key = aj_key_from_pkey(unit_pool, keys[which], kid, alg);
    ck_assert_msg(key != NULL, "no public JWK for test key %s", key_specs[which].kid);
    return key;
}

json_t *unit_jwk_json(unit_key_e which, const char *kid)
{
    json_t *jwk = aj_key_to_jwk(unit_pool, unit_pub(which, kid, NULL));
    json_object_del(jwk, "use");
    return jwk;
}

const unsigned char *unit_secret(apr_size_t n)
{
    static unsigned char secret[128];
    ck_assert_uint_le(n, sizeof(secret));
    for (apr_size_t i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(0xA5 ^ (i * 29));
    }
    return secret;
}

aj_jwks_t *unit_set(aj_key_t *first, ...)
{
    aj_jwks_t *set = aj_jwks_make(unit_pool);
    va_list ap;

    va_start(ap, first);
    for (aj_key_t *k = first; k; k = va_arg(ap, aj_key_t *)) {
        aj_jwks_add(set, k);
    }
    va_end(ap);
    return set;
}

unsigned int unit_algs(const char *names)
{
    unsigned int set = 0;
    char *copy = apr_pstrdup(unit_pool, names), *last, *name;

    for (name = apr_strtok(copy, " ", &last); name; name = apr_strtok(NULL, " ", &last)) {
        ck_assert_msg(aj_alg_set_add(&set, name) == 0, "unknown alg %s", name);
    }
    return set;
}

/* ---- tokens -------------------------------------------------------------- */

char *unit_sign(const char *alg, unit_key_e key, const char *header, const char *payload)
{
    const aj_alg_t *a = aj_alg_by_name(alg);
    char *token;

    ck_assert_ptr_nonnull(a);
    token = aj_jws_sign(unit_pool, a, keys[key], NULL, 0, header, payload);
    ck_assert_msg(token != NULL, "cannot sign %s with %s", alg, key_specs[key].kid);
    return token;
}

char *unit_sign_hs(const char *alg, const unsigned char *secret, apr_size_t len, const char *header,
                   const char *payload)
{
    const aj_alg_t *a = aj_alg_by_name(alg);
    char *token;

    ck_assert_ptr_nonnull(a);
    token = aj_jws_sign(unit_pool, a, NULL, secret, len, header, payload);
    ck_assert_msg(token != NULL, "cannot sign %s", alg);
    return token;
}

char *unit_b64(const char *s)
{
    return aj_b64url_encode(unit_pool, (const unsigned char *)s, strlen(s));
}

char *unit_token(const char *header, const char *payload, const unsigned char *sig,
                 apr_size_t sig_len)
{
    return apr_pstrcat(unit_pool, unit_b64(header), ".", unit_b64(payload), ".",
                       aj_b64url_encode(unit_pool, sig, sig_len), NULL);
}

aj_reason_e unit_verify(const char *token, unsigned int algs, const aj_jwks_t *set, aj_token_t *tok)
{
    aj_token_t local;
    return aj_token_verify_signature(tok ? tok : &local, unit_pool, token, strlen(token), algs,
                                     set);
}

json_t *unit_json(const char *text)
{
    json_t *j;
    aj_json_err_e e = aj_json_parse_object(&j, unit_pool, text, strlen(text));
    ck_assert_msg(e == AJ_JSON_OK, "test JSON does not parse (%d): %s", (int)e, text);
    return j;
}

apr_array_header_t *unit_strings(const char *first, ...)
{
    apr_array_header_t *a = apr_array_make(unit_pool, 4, sizeof(const char *));
    va_list ap;

    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        APR_ARRAY_PUSH(a, const char *) = s;
    }
    va_end(ap);
    return a;
}

const char unit_claims[] =
    "{\"iss\":\"" UNIT_ISSUER "\",\"sub\":\"auth0|5f7c8ec7c33c6c004bbafe82\","
    "\"aud\":[\"" UNIT_AUDIENCE "\",\"https://tenant.example.auth0.com/userinfo\"],"
    "\"iat\":1799999990,\"exp\":1800003600,"
    "\"scope\":\"openid read:messages\"}";

aj_claims_policy_t *unit_policy(void)
{
    aj_claims_policy_t *policy = apr_pcalloc(unit_pool, sizeof(*policy));
    policy->issuer = UNIT_ISSUER;
    policy->audiences = unit_strings(UNIT_AUDIENCE, NULL);
    policy->skew = 5;
    return policy;
}

/* ---- main ---------------------------------------------------------------- */

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    unit_keys_init();
    sr = srunner_create(suite_b64());
    srunner_add_suite(sr, suite_rfc());
    srunner_add_suite(sr, suite_auth0_real());
    srunner_add_suite(sr, suite_bearer());
    srunner_add_suite(sr, suite_attack_alg());
    srunner_add_suite(sr, suite_attack_header());
    srunner_add_suite(sr, suite_attack_keys());
    srunner_add_suite(sr, suite_jwks());
    srunner_add_suite(sr, suite_attack_sig());
    srunner_add_suite(sr, suite_attack_format());
    srunner_add_suite(sr, suite_attack_claims());
    srunner_add_suite(sr, suite_match());
    srunner_add_suite(sr, suite_reason());
    srunner_add_suite(sr, suite_tcache());
    srunner_add_suite(sr, suite_tcache_rec());
    srunner_add_suite(sr, suite_http());
    srunner_add_suite(sr, suite_dpop());
    srunner_add_suite(sr, suite_replay());
    srunner_add_suite(sr, suite_jwe());
    srunner_add_suite(sr, suite_siphash());
    srunner_add_suite(sr, suite_json());
    srunner_add_suite(sr, suite_prom());
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_pool_destroy(keys_pool);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
