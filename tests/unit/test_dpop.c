/*
 * test_dpop.c: DPoP proofs (RFC 9449 section 4.3), each check failing in turn,
 * htu normalization (RFC 3986 6.2.2, 6.2.3), ath, the cnf claim, and the memo
 * of proof headers.
 */
#include <pthread.h>
#include <string.h>

#include <apr_strings.h>

#include "aj_b64.h"
#include "aj_dpop.h"
#include "aj_proof_memo.h"
#include "unit.h"

#define NOW    1700000000.0
#define TOKEN  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
#define HTU    "https://api.example.com/api/private"
#define METHOD "GET"

static aj_dpop_check_t check_for(void)
{
    aj_dpop_check_t c = {unit_algs("ES256 EdDSA PS256"),
                         METHOD,
                         HTU,
                         TOKEN,
                         sizeof(TOKEN) - 1,
                         NOW,
                         300,
                         5,
                         NULL};
    return c;
}

/* A header naming the public JWK of key, with typ (NULL: none) and alg. */
static char *header_of(unit_key_e key, const char *typ, const char *alg)
{
    json_t *h = json_pack("{s:s,s:O}", "alg", alg, "jwk", unit_jwk_json(key, NULL));
    if (typ) {
        json_object_set_new(h, "typ", json_string(typ));
    }
    char *text = json_dumps(h, JSON_COMPACT);
    char *out = apr_pstrdup(unit_pool, text);
    free(text);
    json_decref(h);
    return out;
}

static char *claims(const char *jti, const char *htm, const char *htu, double iat,
                    const char *ath)
{
    json_t *c = json_object();
    char *text, *out;

    if (jti) {
        json_object_set_new(c, "jti", json_string(jti));
    }
    if (htm) {
        json_object_set_new(c, "htm", json_string(htm));
    }
    if (htu) {
        json_object_set_new(c, "htu", json_string(htu));
    }
    if (iat != 0) {
        json_object_set_new(c, "iat", json_real(iat));
    }
    if (ath) {
        json_object_set_new(c, "ath", json_string(ath));
    }
    text = json_dumps(c, JSON_COMPACT);
    out = apr_pstrdup(unit_pool, text);
    free(text);
    json_decref(c);
    return out;
}

static const char *good_ath(void)
{
    return aj_dpop_ath(unit_pool, TOKEN, sizeof(TOKEN) - 1);
}

static aj_reason_e verify(const char *proof, aj_dpop_proof_t *out)
{
    aj_dpop_check_t c = check_for();
    aj_dpop_proof_t tmp;
    return aj_dpop_verify(out ? out : &tmp, unit_pool, proof, strlen(proof), &c);
}

START_TEST(dpop_valid_proof)
{
    aj_dpop_proof_t p;
    char *proof = unit_sign("ES256", UK_EC256, header_of(UK_EC256, "dpop+jwt", "ES256"),
                            claims("j1", METHOD, HTU, NOW - 10, good_ath()));
    aj_key_t *pub = unit_pub(UK_EC256, NULL, NULL);

    ck_assert_reason(verify(proof, &p), AJ_OK, "a valid ES256 proof");
    ck_assert_str_eq(p.jti, "j1");
    ck_assert(memcmp(p.jkt, pub->thumbprint, 32) == 0);
    ck_assert(aj_thumbprint_equals(unit_pool,
                                   aj_b64url_encode(unit_pool, pub->thumbprint, 32), p.jkt));
    /* EdDSA and PS256 proofs too; htu given in another but equivalent form */
    proof = unit_sign("EdDSA", UK_ED25519, header_of(UK_ED25519, "dpop+jwt", "EdDSA"),
                      claims("j2", METHOD, "HTTPS://API.example.com:443/api/./private?x=1#f",
                             NOW, good_ath()));
    ck_assert_reason(verify(proof, NULL), AJ_OK, "EdDSA, equivalent htu");
    proof = unit_sign("PS256", UK_RSA, header_of(UK_RSA, "dpop+jwt", "PS256"),
                      claims("j3", METHOD, HTU, NOW, good_ath()));
    ck_assert_reason(verify(proof, NULL), AJ_OK, "PS256");
}
END_TEST

/* Each check failing in turn: (what, proof) -> reason. */
START_TEST(dpop_each_check_fails)
{
    const char *ath = good_ath();
    const char *hdr = header_of(UK_EC256, "dpop+jwt", "ES256");
    struct {
        const char *what;
        char *proof;
        aj_reason_e want;
    } cases[] = {
        {"no typ", unit_sign("ES256", UK_EC256, header_of(UK_EC256, NULL, "ES256"),
                             claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_TYP},
        {"typ JWT (an access token as proof)",
         unit_sign("ES256", UK_EC256, header_of(UK_EC256, "JWT", "ES256"),
                   claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_TYP},
        {"alg not allowed (ES384)",
         unit_sign("ES384", UK_EC384, header_of(UK_EC384, "dpop+jwt", "ES384"),
                   claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_ALG},
        {"HS256 (a shared secret)",
         unit_sign_hs("HS256", unit_secret(32), 32, "{\"typ\":\"dpop+jwt\",\"alg\":\"HS256\"}",
                      claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_ALG},
        {"no jwk", unit_sign("ES256", UK_EC256, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\"}",
                             claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_JWK},
        {"jwk of another curve than alg",
         unit_sign("ES256", UK_EC256, header_of(UK_EC384, "dpop+jwt", "ES256"),
                   claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_JWK},
        {"signed by another key than the jwk",
         unit_sign("ES256", UK_EC256_OTHER, hdr, claims("j", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_SIGNATURE},
        {"no jti", unit_sign("ES256", UK_EC256, hdr, claims(NULL, METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_JTI},
        {"empty jti", unit_sign("ES256", UK_EC256, hdr, claims("", METHOD, HTU, NOW, ath)),
         AJ_R_DPOP_JTI},
        {"no htm", unit_sign("ES256", UK_EC256, hdr, claims("j", NULL, HTU, NOW, ath)),
         AJ_R_DPOP_HTM},
        {"htm POST for GET", unit_sign("ES256", UK_EC256, hdr, claims("j", "POST", HTU, NOW, ath)),
         AJ_R_DPOP_HTM},
        {"htm get (case matters)",
         unit_sign("ES256", UK_EC256, hdr, claims("j", "get", HTU, NOW, ath)), AJ_R_DPOP_HTM},
        {"no htu", unit_sign("ES256", UK_EC256, hdr, claims("j", METHOD, NULL, NOW, ath)),
         AJ_R_DPOP_HTU},
        {"htu another path",
         unit_sign("ES256", UK_EC256, hdr,
                   claims("j", METHOD, "https://api.example.com/api/public", NOW, ath)),
         AJ_R_DPOP_HTU},
        {"htu another host",
         unit_sign("ES256", UK_EC256, hdr,
                   claims("j", METHOD, "https://evil.example.com/api/private", NOW, ath)),
         AJ_R_DPOP_HTU},
        {"htu http for https",
         unit_sign("ES256", UK_EC256, hdr,
                   claims("j", METHOD, "http://api.example.com/api/private", NOW, ath)),
         AJ_R_DPOP_HTU},
        {"htu another port",
         unit_sign("ES256", UK_EC256, hdr,
                   claims("j", METHOD, "https://api.example.com:8443/api/private", NOW, ath)),
         AJ_R_DPOP_HTU},
        {"no iat", unit_sign("ES256", UK_EC256, hdr, claims("j", METHOD, HTU, 0, ath)),
         AJ_R_DPOP_IAT},
        {"iat stale", unit_sign("ES256", UK_EC256, hdr, claims("j", METHOD, HTU, NOW - 306, ath)),
         AJ_R_DPOP_IAT},
        {"iat future", unit_sign("ES256", UK_EC256, hdr, claims("j", METHOD, HTU, NOW + 6, ath)),
         AJ_R_DPOP_IAT},
        {"no ath", unit_sign("ES256", UK_EC256, hdr, claims("j", METHOD, HTU, NOW, NULL)),
         AJ_R_DPOP_ATH},
        {"ath of another token",
         unit_sign("ES256", UK_EC256, hdr,
                   claims("j", METHOD, HTU, NOW, aj_dpop_ath(unit_pool, "other", 5))),
         AJ_R_DPOP_ATH},
        {"not a JWS", apr_pstrdup(unit_pool, "not.a.jws.at-all"), AJ_R_DPOP_MALFORMED},
    };

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        ck_assert_msg(cases[i].proof != NULL, "%s: signing failed", cases[i].what);
        ck_assert_reason(verify(cases[i].proof, NULL), cases[i].want, cases[i].what);
    }
}
END_TEST

/* A proof whose header carries a private key (or a symmetric one) is refused. */
START_TEST(dpop_private_key_in_header)
{
    static const char *const members[] = {"d", "p", "q", "dp", "dq", "qi", "k"};
    for (size_t i = 0; i < UNIT_N(members); i++) {
        json_t *jwk = json_deep_copy(unit_jwk_json(UK_EC256, NULL));
        json_object_set_new(jwk, members[i], json_string("AAAA"));
        json_t *h = json_pack("{s:s,s:s,s:o}", "typ", "dpop+jwt", "alg", "ES256", "jwk", jwk);
        char *text = json_dumps(h, JSON_COMPACT);
        char *proof = unit_sign("ES256", UK_EC256, text,
                                claims("j", METHOD, HTU, NOW, good_ath()));
        free(text);
        json_decref(h);
        ck_assert_reason(verify(proof, NULL), AJ_R_DPOP_JWK, members[i]);
    }
}
END_TEST

START_TEST(dpop_htu_normalization)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"https://api.example.com/api/private", "https://api.example.com/api/private"},
        {"HTTPS://API.Example.COM/api/private", "https://api.example.com/api/private"},
        {"https://api.example.com:443/x", "https://api.example.com/x"},
        {"http://api.example.com:80/x", "http://api.example.com/x"},
        {"http://api.example.com:443/x", "http://api.example.com:443/x"},
        {"https://api.example.com:0443/x", "https://api.example.com/x"},
        {"https://api.example.com:8443/x", "https://api.example.com:8443/x"},
        {"https://api.example.com", "https://api.example.com/"},
        {"https://api.example.com?q=1", "https://api.example.com/"},
        {"https://api.example.com/a?q=1#frag", "https://api.example.com/a"},
        {"https://api.example.com/a/./b/../c", "https://api.example.com/a/c"},
        {"https://api.example.com/../a", "https://api.example.com/a"},
        {"https://api.example.com/a/b/..", "https://api.example.com/a/"},
        {"https://api.example.com/%7euser/%2fx", "https://api.example.com/~user/%2Fx"},
        {"https://api.example.com/%41%62", "https://api.example.com/Ab"},
        {"https://[::1]:8443/x", "https://[::1]:8443/x"},
        {"https://[::1]:443/x", "https://[::1]/x"},
        {"https://api.example.com:/x", "https://api.example.com/x"},
    };
    static const char *const bad[] = {
        "ftp://api.example.com/x", "api.example.com/x", "/api/private", "https:///x",
        "https://user@api.example.com/x", "https://api.example.com/%zz", "https://api.example.com/%4",
        "https://api.example.com:44a/x", "https://[::1/x", "https://[::1]x/y", "", NULL};

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        const char *got = aj_dpop_htu(unit_pool, cases[i].in);
        ck_assert_msg(got && strcmp(got, cases[i].want) == 0, "%s: got %s, want %s", cases[i].in,
                      got ? got : "NULL", cases[i].want);
        /* idempotent: a proof whose htu is the normal form already is compared
         * as it is, without normalizing (aj_dpop_verify's short cut) */
        got = aj_dpop_htu(unit_pool, cases[i].want);
        ck_assert_msg(got && strcmp(got, cases[i].want) == 0, "normal form %s changed to %s",
                      cases[i].want, got ? got : "NULL");
    }
    for (size_t i = 0; i < UNIT_N(bad); i++) {
        const char *got = aj_dpop_htu(unit_pool, bad[i]);
        ck_assert_msg(got == NULL, "%s: got %s, want NULL", bad[i] ? bad[i] : "(null)", got);
    }
}
END_TEST

START_TEST(dpop_ath_and_cnf)
{
    const char *jkt, *x5t;

    /* base64url(SHA-256("abc")) */
    ck_assert_str_eq(aj_dpop_ath(unit_pool, "abc", 3),
                     "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    ck_assert_reason(aj_token_cnf(unit_json("{\"sub\":\"x\"}"), &jkt, &x5t), AJ_OK, "no cnf");
    ck_assert_ptr_null(jkt);
    ck_assert_ptr_null(x5t);
    ck_assert_reason(aj_token_cnf(unit_json("{\"cnf\":{\"jkt\":\"abc\"}}"), &jkt, &x5t), AJ_OK,
                     "cnf.jkt");
    ck_assert_str_eq(jkt, "abc");
    ck_assert_reason(aj_token_cnf(unit_json("{\"cnf\":{\"x5t#S256\":\"xyz\"}}"), &jkt, &x5t),
                     AJ_OK, "cnf x5t#S256");
    ck_assert_str_eq(x5t, "xyz");
    ck_assert_reason(aj_token_cnf(unit_json("{\"cnf\":\"abc\"}"), &jkt, &x5t), AJ_R_DPOP_BINDING,
                     "cnf not an object");
    ck_assert_reason(aj_token_cnf(unit_json("{\"cnf\":{\"jkt\":1}}"), &jkt, &x5t),
                     AJ_R_DPOP_BINDING, "cnf.jkt not a string");
    ck_assert_reason(aj_token_cnf(unit_json("{\"cnf\":{\"x5t#S256\":[]}}"), &jkt, &x5t),
                     AJ_R_CERT_BINDING, "x5t#S256 not a string");
    /* a thumbprint compares whole: a prefix or another value is not equal */
    unsigned char d[32];
    memset(d, 7, sizeof(d));
    const char *b64 = aj_b64url_encode(unit_pool, d, 32);
    ck_assert(aj_thumbprint_equals(unit_pool, b64, d));
    ck_assert(!aj_thumbprint_equals(unit_pool, apr_pstrndup(unit_pool, b64, 42), d));
    ck_assert(!aj_thumbprint_equals(unit_pool, NULL, d));
    d[0] = 8;
    ck_assert(!aj_thumbprint_equals(unit_pool, b64, d));
}
END_TEST

/* ---- the memo of proof headers (aj_proof_memo.h) ------------------------------ */

/* A proof by key with a header that names jwk_of's public key, and jti. */
static char *memo_proof(unit_key_e key, unit_key_e jwk_of, const char *alg, const char *jti)
{
    return unit_sign(alg, key, header_of(jwk_of, "dpop+jwt", alg),
                     claims(jti, METHOD, HTU, NOW, good_ath()));
}

/* The same header twice: the second proof uses the key the first one left in
 * the memo (the very same key object), with the same thumbprint and answer. */
START_TEST(dpop_memo_second_proof_reuses_header)
{
    aj_dpop_proof_t a, b;

    ck_assert_reason(verify(memo_proof(UK_EC256, UK_EC256, "ES256", "m1"), &a), AJ_OK, "first");
    ck_assert_reason(verify(memo_proof(UK_EC256, UK_EC256, "ES256", "m2"), &b), AJ_OK, "second");
    ck_assert_ptr_eq(a.key, b.key);
    ck_assert(memcmp(a.jkt, b.jkt, 32) == 0);
    ck_assert(memcmp(b.jkt, unit_pub(UK_EC256, NULL, NULL)->thumbprint, 32) == 0);
    ck_assert_str_eq(b.jti, "m2");
}
END_TEST

/* Attack: a header remembered while a scope that allows ES256 checked it lends
 * no trust to a scope that does not: the algorithm is checked again. */
START_TEST(dpop_memo_scope_algs_checked_again)
{
    aj_dpop_check_t c = check_for();
    aj_dpop_proof_t p;
    char *proof = memo_proof(UK_EC256, UK_EC256, "ES256", "m3");

    ck_assert_reason(verify(proof, NULL), AJ_OK, "allowed here");
    c.algs = unit_algs("EdDSA PS256");
    ck_assert_reason(aj_dpop_verify(&p, unit_pool, proof, strlen(proof), &c), AJ_R_DPOP_ALG,
                     "the same header where ES256 is not allowed");
}
END_TEST

/* Attack: a remembered header with someone else's signature, or a changed
 * payload, or broken segments: every check after the header still runs. */
START_TEST(dpop_memo_rest_still_checked)
{
    char *good = memo_proof(UK_EC256, UK_EC256, "ES256", "m4");
    char *forged = memo_proof(UK_EC256_OTHER, UK_EC256, "ES256", "m5"); /* header names UK_EC256 */
    char *dot = strchr(good, '.'), *dot2 = strrchr(good, '.');
    char *swapped, *bad64, *extra;

    ck_assert_reason(verify(good, NULL), AJ_OK, "remembered");
    ck_assert_reason(verify(forged, NULL), AJ_R_DPOP_SIGNATURE, "signed by another key");
    /* good's header and signature around another payload */
    swapped = apr_pstrcat(unit_pool, apr_pstrndup(unit_pool, good, (apr_size_t)(dot - good)),
                          strchr(forged, '.'), NULL);
    swapped = apr_pstrcat(unit_pool, apr_pstrndup(unit_pool, swapped, strrchr(swapped, '.') - swapped),
                          dot2, NULL);
    ck_assert_reason(verify(swapped, NULL), AJ_R_DPOP_SIGNATURE, "payload changed");
    bad64 = apr_pstrcat(unit_pool, apr_pstrndup(unit_pool, good, (apr_size_t)(dot - good)),
                        ".*bad*", dot2, NULL);
    ck_assert_reason(verify(bad64, NULL), AJ_R_DPOP_MALFORMED, "payload not base64url");
    extra = apr_pstrcat(unit_pool, good, ".x", NULL);
    ck_assert_reason(verify(extra, NULL), AJ_R_DPOP_MALFORMED, "four segments");
    ck_assert_reason(verify(memo_proof(UK_EC256, UK_EC256, "ES256", ""), NULL), AJ_R_DPOP_JTI,
                     "claims still read");
}
END_TEST

/* The caller's ath, when given, is the one compared (a cached token's). */
START_TEST(dpop_ath_given_by_caller)
{
    aj_dpop_check_t c = check_for();
    aj_dpop_proof_t p;
    char *proof = memo_proof(UK_EC256, UK_EC256, "ES256", "m6");

    c.token = NULL;
    c.ath = good_ath();
    ck_assert_reason(aj_dpop_verify(&p, unit_pool, proof, strlen(proof), &c), AJ_OK, "given");
    c.token = TOKEN;
    c.ath = aj_dpop_ath(unit_pool, "another.token.here", 18);
    ck_assert_reason(aj_dpop_verify(&p, unit_pool, proof, strlen(proof), &c), AJ_R_DPOP_ATH,
                     "the given ath is another token's");
}
END_TEST

/* Threads sharing the memo, headers coming and going: every answer right, and
 * (under the sanitizers and valgrind) no reference lost or freed twice. */
typedef struct {
    char *proofs[3];
    int wrong;
} memo_race_t;

static void *memo_racer(void *data)
{
    memo_race_t *race = data;
    apr_pool_t *p;
    aj_dpop_check_t c = check_for();

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (int i = 0; i < 60; i++) {
        aj_dpop_proof_t out;
        const char *proof = race->proofs[i % 3];
        if (aj_dpop_verify(&out, p, proof, strlen(proof), &c) != (i % 3 == 2 ? AJ_R_DPOP_SIGNATURE
                                                                             : AJ_OK)) {
            __atomic_add_fetch(&race->wrong, 1, __ATOMIC_RELAXED);
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

START_TEST(dpop_memo_threads)
{
    memo_race_t race = {{memo_proof(UK_EC256, UK_EC256, "ES256", "t1"),
                         memo_proof(UK_ED25519, UK_ED25519, "EdDSA", "t2"),
                         memo_proof(UK_EC256_OTHER, UK_EC256, "ES256", "t3")},
                        0};
    pthread_t t[4];

    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_create(&t[i], NULL, memo_racer, &race), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    ck_assert_int_eq(race.wrong, 0);
}
END_TEST

/* Two headers of the same length in the one slot (the memo squeezed to it):
 * the second is never taken for the first, whose key it would lend (found by
 * review: only the whole-text compare tells them apart there); and entries
 * replaced while proofs still hold them stay whole. */
START_TEST(dpop_memo_same_slot_other_header)
{
    aj_dpop_proof_t a, b, c;
    const char *ha = header_of(UK_EC256, "dpop+jwt", "ES256");
    const char *hb = header_of(UK_EC256_OTHER, "dpop+jwt", "ES256");

    ck_assert_uint_eq(strlen(ha), strlen(hb));
    aj_proof_memo_squeeze(1);
    ck_assert_reason(verify(memo_proof(UK_EC256, UK_EC256, "ES256", "s1"), &a), AJ_OK, "A");
    ck_assert_reason(verify(memo_proof(UK_EC256_OTHER, UK_EC256_OTHER, "ES256", "s2"), &b),
                     AJ_OK, "B, in A's slot");
    ck_assert_reason(verify(memo_proof(UK_EC256, UK_EC256, "ES256", "s3"), &c), AJ_OK, "A again");
    aj_proof_memo_squeeze(0);
    ck_assert(memcmp(a.jkt, unit_pub(UK_EC256, NULL, NULL)->thumbprint, 32) == 0);
    ck_assert(memcmp(b.jkt, unit_pub(UK_EC256_OTHER, NULL, NULL)->thumbprint, 32) == 0);
    ck_assert(memcmp(c.jkt, a.jkt, 32) == 0);
    ck_assert(memcmp(a.key->thumbprint, a.jkt, 32) == 0); /* a's entry, replaced twice, whole */
    ck_assert_ptr_ne(a.key, b.key);
}
END_TEST

/* A proof refused for its claims leaves its header unremembered. */
START_TEST(dpop_memo_refused_proof_not_kept)
{
    aj_dpop_proof_t p1, p2;

    aj_proof_memo_squeeze(1);
    ck_assert_reason(verify(memo_proof(UK_ED25519, UK_ED25519, "EdDSA", "r1"), &p1), AJ_OK, "kept");
    ck_assert_reason(verify(unit_sign("ES256", UK_EC256_OTHER,
                                      header_of(UK_EC256_OTHER, "dpop+jwt", "ES256"),
                                      claims("r2", "POST", HTU, NOW, good_ath())),
                            NULL),
                     AJ_R_DPOP_HTM, "refused for htm");
    ck_assert_reason(verify(memo_proof(UK_ED25519, UK_ED25519, "EdDSA", "r3"), &p2), AJ_OK, "again");
    aj_proof_memo_squeeze(0);
    ck_assert_ptr_eq(p1.key, p2.key); /* still the first entry: the refused one took no slot */
}
END_TEST

Suite *suite_dpop(void)
{
    Suite *s = suite_create("dpop");
    TCase *tc = tcase_create("proofs");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_test(tc, dpop_valid_proof);
    tcase_add_test(tc, dpop_each_check_fails);
    tcase_add_test(tc, dpop_private_key_in_header);
    tcase_add_test(tc, dpop_htu_normalization);
    tcase_add_test(tc, dpop_ath_and_cnf);
    tcase_add_test(tc, dpop_memo_second_proof_reuses_header);
    tcase_add_test(tc, dpop_memo_scope_algs_checked_again);
    tcase_add_test(tc, dpop_memo_rest_still_checked);
    tcase_add_test(tc, dpop_ath_given_by_caller);
    tcase_add_test(tc, dpop_memo_threads);
    tcase_add_test(tc, dpop_memo_same_slot_other_header);
    tcase_add_test(tc, dpop_memo_refused_proof_not_kept);
    suite_add_tcase(s, tc);
    return s;
}
