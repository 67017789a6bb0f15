/*
 * unit.h: the suites of the unit test binary, and the helpers they share
 * (keys made once per process, signing, key sets, reason assertions).
 */
#ifndef AJ_UNIT_H
#define AJ_UNIT_H

#include <check.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "aj_alg.h"
#include "aj_claims.h"
#include "aj_jwk.h"
#include "aj_jws.h"
#include "aj_reason.h"
#include "aj_token.h"

/* A pool for the current test, created in setup and destroyed in teardown. */
extern apr_pool_t *unit_pool;
void unit_pool_setup(void);
void unit_pool_teardown(void);

/*
 * A file of the source tree (path relative to its top), read whole into
 * unit_pool, NUL-terminated: found from AJ_TOP_SRCDIR (set by make check),
 * else from the current directory upwards. Aborts the test when missing.
 */
char *unit_source_file(const char *path, apr_size_t *len);

/* Assert a reason code, naming both sides on failure. */
#define ck_assert_reason(got, want, why)                                                           \
    do {                                                                                           \
        aj_reason_e got_ = (got), want_ = (want);                                                  \
        ck_assert_msg(got_ == want_, "%s: got %s, want %s", (why), aj_reason_name(got_),           \
                      aj_reason_name(want_));                                                      \
    } while (0)

#define UNIT_N(table) (sizeof(table) / sizeof((table)[0]))

/*
 * Private keys generated once, in main(), before Check forks for each test:
 * RSA key generation is slow. Each has a JWK twin from unit_pub().
 */
typedef enum {
    UK_RSA = 0,     /* the issuer's RS and PS key, 2048 bits, kid "rsa-main" */
    UK_RSA_OTHER,   /* an attacker's 2048-bit key, kid "rsa-other" */
    UK_RSA_1024,    /* too small to trust, kid "rsa-1024" */
    UK_EC256,       /* kid "ec256" */
    UK_EC256_OTHER, /* an attacker's P-256 key, kid "ec256-other" */
    UK_EC384,       /* kid "ec384" */
    UK_EC521,       /* kid "ec521" */
    UK_ED25519,     /* kid "ed25519" */
    UK__COUNT
} unit_key_e;

void unit_keys_init(void);
EVP_PKEY *unit_priv(unit_key_e which);
const char *unit_kid(unit_key_e which);

/* The public JWK of a generated key, with this kid and JWK alg (either may be NULL). */
aj_key_t *unit_pub(unit_key_e which, const char *kid, const char *alg);

/* Its public JWK as a JSON object owned by unit_pool, without "use". */
json_t *unit_jwk_json(unit_key_e which, const char *kid);

/* Shared secrets: unit_secret(n) is n fixed bytes (n <= 128). */
const unsigned char *unit_secret(apr_size_t n);

/* A key set of the given keys (NULL-terminated), in unit_pool. */
aj_jwks_t *unit_set(aj_key_t *first, ...);

/* The bit set of a space-separated list of alg names ("RS256 PS256"). */
unsigned int unit_algs(const char *names);
#define UNIT_ALL_ALGS ((1u << AJ_ALG__COUNT) - 1)

/* Sign header/payload JSON text as given: asymmetric algs with key, HS* with secret. */
char *unit_sign(const char *alg, unit_key_e key, const char *header, const char *payload);
char *unit_sign_hs(const char *alg, const unsigned char *secret, apr_size_t len, const char *header,
                   const char *payload);

/* base64url of a string, and a token put together from its parts. */
char *unit_b64(const char *s);
char *unit_token(const char *header, const char *payload, const unsigned char *sig,
                 apr_size_t sig_len);

/* Parse, choose the key, verify, decode the payload: the reason, and tok if not NULL. */
aj_reason_e unit_verify(const char *token, unsigned int algs, const aj_jwks_t *set,
                        aj_token_t *tok);

/* A JSON object parsed from text, owned by unit_pool (the test fails if it is not JSON). */
json_t *unit_json(const char *text);

/* An apr array of the given strings (NULL-terminated), in unit_pool. */
apr_array_header_t *unit_strings(const char *first, ...);

/* The fixed clock, issuer and audience of the synthetic tokens. */
#define UNIT_NOW      1800000000.0
#define UNIT_ISSUER   "https://tenant.example.auth0.com/"
#define UNIT_AUDIENCE "https://api.example.com/"

/* A claims set valid at UNIT_NOW for UNIT_ISSUER and UNIT_AUDIENCE. */
extern const char unit_claims[];

/* The policy for UNIT_ISSUER, UNIT_AUDIENCE and 5 s of skew. */
aj_claims_policy_t *unit_policy(void);

Suite *suite_b64(void);
Suite *suite_rfc(void);
Suite *suite_auth0_real(void);
Suite *suite_bearer(void);
Suite *suite_attack_alg(void);
Suite *suite_attack_header(void);
Suite *suite_attack_keys(void);
Suite *suite_jwks(void);
Suite *suite_attack_sig(void);
Suite *suite_attack_format(void);
Suite *suite_attack_claims(void);
Suite *suite_match(void);
Suite *suite_reason(void);
Suite *suite_tcache(void);
Suite *suite_tcache_rec(void);
Suite *suite_http(void);
Suite *suite_dpop(void);
Suite *suite_replay(void);
Suite *suite_siphash(void);
Suite *suite_json(void);
Suite *suite_jwe(void);
Suite *suite_prom(void);

#endif
