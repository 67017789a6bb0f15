/*
 * test_tcache_rec.c: the shared level's records (src/aj_tcache_rec.h). A
 * record lives in memory every child process of the server can write to, so
 * its reader trusts nothing it did not re-check: each hostile record below
 * (cut short, lengths past its end, another magic, an unknown algorithm, a
 * payload a token could not carry, no exp or an exp already past) reads back
 * as no entry at all, never as a hit, and never as a crash.
 */
#include <string.h>

#include "unit.h"
#include "aj_tcache_rec.h"

#define CLAIMS "{\"iss\":\"https://tenant.example.auth0.com/\",\"sub\":\"auth0|1\"," \
               "\"aud\":[\"https://api.example.com/\",\"https://tenant.example.auth0.com/userinfo\"]," \
               "\"iat\":1799990000,\"exp\":1800003600,\"scope\":\"read:messages\"}"
#define ATH "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" /* 43 characters */
#define NOW 1800000000.0

static const unsigned char thumb[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static apr_size_t make(unsigned char *rec, const char *kid, const char *ath, const char *claims)
{
    return aj_tcache_rec_make(rec, aj_alg_by_id(AJ_ALG_RS256), thumb, kid, ath, claims);
}

/* 1 when rec reads back as a hit (released here), else 0 */
static int reads(const unsigned char *rec, apr_size_t n, double now)
{
    aj_tcache_hit_t hit;
    int ok = aj_tcache_rec_read(rec, n, now, &hit, unit_pool);

    if (ok) {
        aj_tcache_held_release(hit.hold);
    } else {
        ck_assert_ptr_null(hit.hold); /* nothing for the caller to release */
    }
    return ok;
}

START_TEST(rec_reads_back_what_was_made)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, "key-1", ATH, CLAIMS);
    aj_tcache_hit_t hit;

    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit, unit_pool), 1);
    ck_assert_ptr_eq(hit.alg, aj_alg_by_id(AJ_ALG_RS256));
    ck_assert_mem_eq(hit.thumbprint, thumb, 32);
    ck_assert_str_eq(hit.kid, "key-1");
    ck_assert_str_eq(hit.ath, ATH);
    ck_assert_str_eq(hit.claims, CLAIMS);
    ck_assert_str_eq(json_string_value(hit.view.scope), "read:messages");
    ck_assert_str_eq(json_string_value(hit.view.sub), "auth0|1");
    ck_assert(json_number_value(hit.view.exp) == 1800003600.0);
    ck_assert_ptr_null(hit.view.nbf);
    /* in the common form only the view is built; the payload waits for a reader */
    ck_assert_ptr_null(hit.payload);
    ck_assert_ptr_eq(hit.payload, hit.hold->payload);
    aj_tcache_held_release(hit.hold);
}
END_TEST

/* A payload in a form the quick reader leaves to jansson (a \u escape, a
 * fraction) is read whole, and the view's claims are the payload's own. */
START_TEST(rec_reads_any_other_form_whole)
{
    static const char *forms[] = {
        "{\"sub\":\"auth0|\\u00e9\",\"exp\":1800003600,\"scope\":\"read:messages\"}",
        "{\"sub\":\"auth0|1\",\"exp\":1800003600.5,\"scope\":\"read:messages\"}",
    };
    unsigned char rec[AJ_TCACHE_REC_MAX];
    aj_tcache_hit_t hit;

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        apr_size_t n = make(rec, "k", NULL, forms[i]);
        ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit, unit_pool), 1);
        ck_assert_ptr_nonnull(hit.payload);
        ck_assert_ptr_eq(hit.view.exp, json_object_get(hit.payload, "exp"));
        ck_assert_ptr_eq(hit.view.sub, json_object_get(hit.payload, "sub"));
        ck_assert_str_eq(json_string_value(hit.view.scope), "read:messages");
        aj_tcache_held_release(hit.hold);
    }
}
END_TEST

/* Attack (found by review, AJT2): a token signed under "kid": "" must not
 * come back as a token with no kid, or a reader would choose the key by its
 * algorithm alone. */
START_TEST(rec_keeps_an_empty_kid_apart_from_none)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    aj_tcache_hit_t hit;
    apr_size_t n = make(rec, "", NULL, CLAIMS);

    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit, unit_pool), 1);
    ck_assert_ptr_nonnull(hit.kid);
    ck_assert_str_eq(hit.kid, "");
    ck_assert_ptr_null(hit.ath);
    aj_tcache_held_release(hit.hold);
    n = make(rec, NULL, NULL, CLAIMS);
    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit, unit_pool), 1);
    ck_assert_ptr_null(hit.kid);
    aj_tcache_held_release(hit.hold);
}
END_TEST

/* An ath of any other length than 43 is not kept (a proof then hashes the token). */
START_TEST(rec_keeps_only_a_whole_ath)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    aj_tcache_hit_t hit;
    apr_size_t n = make(rec, "k", "short", CLAIMS);

    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit, unit_pool), 1);
    ck_assert_ptr_null(hit.ath);
    aj_tcache_held_release(hit.hold);
}
END_TEST

/* A record cut short anywhere, or with one byte too many of junk, is no entry. */
START_TEST(rec_cut_short_is_no_entry)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, "key-1", ATH, CLAIMS);

    for (apr_size_t k = 0; k < n; k++) {
        ck_assert_msg(!reads(rec, k, NOW), "a record cut to %lu of %lu bytes read back",
                      (unsigned long)k, (unsigned long)n);
    }
    rec[n] = 'x';
    ck_assert_msg(!reads(rec, n + 1, NOW), "a record with a byte of junk after its payload");
    ck_assert(reads(rec, n, NOW));
}
END_TEST

/* Each header field bent in turn: the reader refuses, never reads past the end. */
START_TEST(rec_bent_header_is_no_entry)
{
    unsigned char rec[AJ_TCACHE_REC_MAX], bent[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, "key-1", ATH, CLAIMS);
    const struct {
        unsigned at, value;
        const char *why;
    } cases[] = {
        {0, 'X', "another magic"},
        {3, '2', "the record of an older layout (AJT2)"},
        {4, AJ_ALG__COUNT, "an algorithm id past the table"},
        {4, 0xff, "algorithm id 255"},
        {37, 0xff, "a kid longer than the record"},
        {38, 0xff, "a kid mark past the record's end"},
        {39, 42, "an ath of 42 characters"},
        {39, 44, "an ath of 44 characters"},
        {39, 0xff, "an ath of 255 characters"},
    };

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        memcpy(bent, rec, n);
        bent[cases[i].at] = (unsigned char)cases[i].value;
        ck_assert_msg(!reads(bent, n, NOW), "read back: %s", cases[i].why);
    }
}
END_TEST

/* Payloads a token could never have carried past step 6, and claims the
 * reader's clock refuses. */
START_TEST(rec_payload_rules)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    const struct {
        const char *claims;
        double now;
        int want;
        const char *why;
    } cases[] = {
        {CLAIMS, NOW, 1, "a good record"},
        {"{\"exp\":1800003600", NOW, 0, "payload cut short"},
        {"[1800003600]", NOW, 0, "payload an array"},
        {"{\"exp\":1800003600,\"exp\":1900000000}", NOW, 0, "a member twice"},
        {"{\"exp\":1800003600,\"n\":\"\xc3\x28\"}", NOW, 0, "payload not UTF-8"},
        {"{\"exp\":1800003600,\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         NOW, 0, "payload nested past 32 levels"},
        {"{\"sub\":\"x\"}", NOW, 0, "no exp"},
        {"{\"exp\":\"1800003600\"}", NOW, 0, "exp a string"},
        {CLAIMS, 1800003600.0, 0, "read at its exp by the reader's clock"},
        {CLAIMS, 1900000000.0, 0, "read long after its exp"},
        {CLAIMS, 1800003599.5, 1, "read half a second before its exp"},
    };

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        apr_size_t n = make(rec, "k", NULL, cases[i].claims);
        ck_assert_uint_gt(n, 0);
        ck_assert_msg(reads(rec, n, cases[i].now) == cases[i].want, "%s", cases[i].why);
    }
}
END_TEST

/* A record made by hand, whole and consistent but for an ath of 10
 * characters: not an ath this server ever wrote, so no entry. */
START_TEST(rec_short_ath_made_by_hand_is_no_entry)
{
    unsigned char rec[AJ_TCACHE_REC_MAX], forged[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, "k", NULL, CLAIMS), head = 40 + 1; /* head and the kid */

    memcpy(forged, rec, head);
    forged[39] = 10;
    memcpy(forged + head, "0123456789", 10);
    memcpy(forged + head + 10, rec + head, n - head);
    ck_assert(reads(rec, n, NOW));
    ck_assert(!reads(forged, n + 10, NOW));
}
END_TEST

/* A kid that is not UTF-8 cannot be held as a JSON string: no entry. */
START_TEST(rec_kid_not_utf8_is_no_entry)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, "k\xff", NULL, CLAIMS);

    ck_assert_uint_gt(n, 0);
    ck_assert(!reads(rec, n, NOW));
}
END_TEST

/* What does not fit is not made (the token stays in its own process). */
START_TEST(rec_outsize_is_not_made)
{
    unsigned char rec[AJ_TCACHE_REC_MAX];
    char *claims = apr_palloc(unit_pool, AJ_TCACHE_REC_MAX + 1), *kid;

    memset(claims, ' ', AJ_TCACHE_REC_MAX);
    claims[AJ_TCACHE_REC_MAX] = '\0';
    ck_assert_uint_eq(make(rec, "k", NULL, claims), 0);
    claims[AJ_TCACHE_REC_MAX - 40] = '\0'; /* 40 bytes of head and a 1-byte kid: one too many */
    ck_assert_uint_eq(make(rec, "k", NULL, claims), 0);
    claims[AJ_TCACHE_REC_MAX - 41] = '\0';
    ck_assert_uint_eq(make(rec, "k", NULL, claims), AJ_TCACHE_REC_MAX);
    kid = apr_palloc(unit_pool, 0x10000);
    memset(kid, 'k', 0xffff);
    kid[0xffff] = '\0';
    ck_assert_uint_eq(make(rec, kid, NULL, "{}"), 0);
}
END_TEST

/* Attack (rev2 review): a kid or an ath this server could never have written.
 * A kid with a NUL in it is held as a JSON string of its whole length, but
 * every reader takes it as a C string: "k1\0x" would choose the key of "k1".
 * An ath is 43 base64url characters; one that starts with a NUL reads back as
 * "", and a DPoP proof whose ath is "" then matches it (aj_dpop.c compares
 * strlen(want_ath) bytes). None of them may read back as a hit. */
#define REC_HEAD 40 /* magic, alg, thumbprint, kid mark, ath length */

START_TEST(rec_kid_or_ath_no_writer_makes_is_no_entry)
{
    const struct {
        const char *kid;
        unsigned at, len; /* bytes after the head set to fill */
        unsigned char fill;
        const char *why;
    } cases[] = {
        {"k1x", 2, 1, '\0', "a kid with a NUL in it read back (as \"k1\")"},
        {"k", 1, 1, '\0', "an ath starting with a NUL read back (as \"\")"},
        {"k", 1, 43, '!', "an ath of 43 bytes that are not base64url read back"},
    };

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        unsigned char rec[AJ_TCACHE_REC_MAX];
        apr_size_t n = make(rec, cases[i].kid, ATH, CLAIMS);

        ck_assert(reads(rec, n, NOW));
        memset(rec + REC_HEAD + cases[i].at, cases[i].fill, cases[i].len);
        ck_assert_msg(!reads(rec, n, NOW), "%s", cases[i].why);
    }
}
END_TEST

Suite *suite_tcache_rec(void)
{
    Suite *s = suite_create("tcache_rec");
    TCase *tc = tcase_create("records");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_test(tc, rec_reads_back_what_was_made);
    tcase_add_test(tc, rec_reads_any_other_form_whole);
    tcase_add_test(tc, rec_keeps_an_empty_kid_apart_from_none);
    tcase_add_test(tc, rec_keeps_only_a_whole_ath);
    tcase_add_test(tc, rec_cut_short_is_no_entry);
    tcase_add_test(tc, rec_bent_header_is_no_entry);
    tcase_add_test(tc, rec_payload_rules);
    tcase_add_test(tc, rec_short_ath_made_by_hand_is_no_entry);
    tcase_add_test(tc, rec_kid_not_utf8_is_no_entry);
    tcase_add_test(tc, rec_outsize_is_not_made);
    tcase_add_test(tc, rec_kid_or_ath_no_writer_makes_is_no_entry);
    suite_add_tcase(s, tc);
    return s;
}
