/*
 * test_tcache_rec.c: the shared level's records (src/aj_tcache_rec.h). A
 * record lives in memory every child process of the server can write to, so
 * its reader trusts nothing it did not re-check: each hostile record below
 * (cut short, lengths past its end, another magic, an unknown algorithm, a
 * payload a token could not carry, no exp or an exp already past) reads back
 * as no entry at all, never as a hit, and never as a crash.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "aj_json.h"
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
    int ok = aj_tcache_rec_read(rec, n, now, &hit);

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
    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
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
        ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
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

    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
    ck_assert_ptr_nonnull(hit.kid);
    ck_assert_str_eq(hit.kid, "");
    ck_assert_ptr_null(hit.ath);
    aj_tcache_held_release(hit.hold);
    n = make(rec, NULL, NULL, CLAIMS);
    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
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

    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
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

/* ---- attacks on the quick read of a record and the lazy payload -------------- */

/* A token as cache_hit (mod_auth0_jwt.c) fills it from a hit. */
static void tok_from_hit(aj_token_t *tok, const aj_tcache_hit_t *hit)
{
    memset(tok, 0, sizeof(*tok));
    tok->payload = hit->payload;
    tok->claims = hit->claims;
    tok->view = hit->view;
    tok->ath = hit->ath;
    tok->payload_memo = &hit->hold->payload; /* as the module's cache_hit sets it */
}

/* Attack: a record whose payload holds a view claim twice, spelled so that
 * only jansson sees the twin (\u escapes), or the twin far behind 64 members:
 * no entry. */
START_TEST(attack_rec_duplicate_claim_spellings)
{
    static const char *const texts[] = {
        "{\"exp\":1800003600,\"sub\":\"auth0|1\",\"s\\u0075b\":\"auth0|admin\"}",
        "{\"exp\":1800003600,\"\\u0073ub\":\"auth0|admin\",\"sub\":\"auth0|1\"}",
        "{\"exp\":1800003600,\"\\u0065xp\":1900000000}",
        "{\"exp\":1800003600,\"scope\":\"read\",\"scop\\u0065\":\"admin\"}",
        "{\"exp\":1800003600,\"sub\":\"a\",\"sub\\u0000\":\"b\"}",
        "{\"exp\":1800003600,\"cnf\":{\"jkt\":\"a\",\"jk\\u0074\":\"b\"}}",
    };
    unsigned char rec[AJ_TCACHE_REC_MAX];

    for (size_t i = 0; i < UNIT_N(texts); i++) {
        apr_size_t n = make(rec, "k", NULL, texts[i]);
        ck_assert_msg(!reads(rec, n, NOW), "read back: %s", texts[i]);
    }
    {
        char big[2048];
        apr_size_t n, m = (apr_size_t)snprintf(big, sizeof(big), "{\"sub\":\"auth0|1\"");
        for (int j = 0; j < 70; j++) {
            m += (apr_size_t)snprintf(big + m, sizeof(big) - m, ",\"m%d\":%d", j, j);
        }
        snprintf(big + m, sizeof(big) - m, ",\"exp\":1800003600,\"sub\":\"auth0|admin\"}");
        n = make(rec, "k", NULL, big);
        ck_assert_msg(!reads(rec, n, NOW), "a twin behind 70 members read back");
        /* without the twin, 70 members read back whole (jansson's path) */
        snprintf(big + m, sizeof(big) - m, ",\"exp\":1800003600}");
        n = make(rec, "k", NULL, big);
        ck_assert(reads(rec, n, NOW));
    }
}
END_TEST

/* Attack: a claim read through aj_token_claim from a quick hit (view, then
 * the lazily parsed payload) against the same claim read from the payload
 * parsed whole: the same value for every view claim and for others, in
 * every form of record (quick and whole). */
START_TEST(attack_rec_token_claim_view_vs_payload)
{
    static const char *const texts[] = {
        CLAIMS,
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":1800003600,\"nbf\":1,\"iat\":2,"
        "\"scope\":\"a b\",\"permissions\":[\"p\",\"q\"],\"cnf\":{\"jkt\":\"j\"},"
        "\"https://x/roles\":[\"admin\"],\"org\":\"o\",\"n\":-0,\"t\":true,\"z\":null}",
        "{\"sub\":\"s\\u00e9\",\"exp\":1800003600,\"https://x/roles\":[\"user\"]}",
        "{\"sub\":\"s\",\"exp\":1800003600.5,\"org\":\"o\"}",
        "{\"sub\":null,\"exp\":1800003600,\"scope\":[\"a\"],\"org\":{\"sub\":\"inner\"}}",
    };
    static const char *const names[] = {
        "exp", "nbf",   "iat",         "iss",      "aud",
        "sub", "scope", "permissions", "cnf",      "https://x/roles",
        "org", "n",     "t",           "z",        "missing",
        "",    "su",    "subx",        "s\\u0075b"};
    unsigned char rec[AJ_TCACHE_REC_MAX];

    for (size_t i = 0; i < UNIT_N(texts); i++) {
        apr_size_t n = make(rec, "k", NULL, texts[i]);
        aj_tcache_hit_t hit;
        aj_token_t tok, again;
        json_t *whole;
        const json_t *first = NULL, *got_org;

        ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
        ck_assert_int_eq(aj_json_parse_object(&whole, unit_pool, texts[i], strlen(texts[i])),
                         AJ_JSON_OK);
        tok_from_hit(&tok, &hit);
        for (size_t k = 0; k < UNIT_N(names); k++) {
            const json_t *got, *want = json_object_get(whole, names[k]);
            ck_assert_int_eq(aj_token_claim(&tok, names[k], unit_pool, &got), 1);
            ck_assert_msg((got == NULL) == (want == NULL) && (got == NULL || json_equal(got, want)),
                          "claim %s differs: %s", names[k], texts[i]);
        }
        /* the payload is parsed once, then kept with the token, and with the
         * entry: another request holding the same block finds it there */
        first = tok.payload;
        ck_assert_int_eq(aj_token_claim(&tok, "org", unit_pool, &got_org), 1);
        ck_assert_ptr_eq(tok.payload, first);
        ck_assert_ptr_eq(hit.hold->payload, first);
        tok_from_hit(&again, &hit);
        again.payload = NULL;
        ck_assert_int_eq(aj_token_claim(&again, "org", unit_pool, &got_org), 1);
        ck_assert_ptr_eq(again.payload, first);
        aj_tcache_held_release(hit.hold);
    }
}
END_TEST

/* Attack: kid bytes that are not UTF-8 in every way, cut at the kid's end
 * (the bytes after it must not complete a sequence), and a NUL anywhere. */
START_TEST(attack_rec_kid_utf8_and_nul)
{
    static const struct {
        const char *kid;
        size_t len;
        int ok;
    } kids[] = {
        {"", 0, 1},
        {"k\xc3\xa9", 3, 1},
        {"\xf0\x9f\x98\x80", 4, 1},
        {"\xf4\x8f\xbf\xbf", 4, 1},
        {"\xef\xbf\xbf", 3, 1},
        {"k\xc3", 2, 0},
        {"\xe2\x82", 2, 0},
        {"\xf0\x9f\x98", 3, 0},
        {"\xc0\xaf", 2, 0},
        {"\xc1\xbf", 2, 0},
        {"\xe0\x80\xaf", 3, 0},
        {"\xf0\x80\x80\xaf", 4, 0},
        {"\xed\xa0\x80", 3, 0},
        {"\xed\xbf\xbf", 3, 0},
        {"\xf4\x90\x80\x80", 4, 0},
        {"\xf5\x80\x80\x80", 4, 0},
        {"\xff", 1, 0},
        {"\x80", 1, 0},
        {"\xc3\x28", 2, 0},
        {"\0", 1, 0},
        {"k\0", 2, 0},
        {"\0k", 2, 0},
        {"rsa-main\0rsa-other", 18, 0},
        {"\xc3\0", 2, 0},
    };
    unsigned char rec[AJ_TCACHE_REC_MAX], forged[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, NULL, NULL, CLAIMS); /* no kid: head then claims */

    for (size_t i = 0; i < UNIT_N(kids); i++) {
        for (int with_ath = 0; with_ath < 2; with_ath++) {
            apr_size_t m = 0, mark = kids[i].len + 1;
            aj_tcache_hit_t hit;
            int ok;
            memcpy(forged, rec, REC_HEAD);
            forged[37] = (unsigned char)(mark >> 8);
            forged[38] = (unsigned char)mark;
            forged[39] = with_ath ? 43 : 0;
            m = REC_HEAD;
            memcpy(forged + m, kids[i].kid, kids[i].len);
            m += kids[i].len;
            if (with_ath) {
                memcpy(forged + m, ATH, 43);
                m += 43;
            }
            memcpy(forged + m, rec + REC_HEAD, n - REC_HEAD);
            m += n - REC_HEAD;
            ok = aj_tcache_rec_read(forged, m, NOW, &hit);
            ck_assert_msg(ok == kids[i].ok, "kid %zu (ath %d): %s", i, with_ath,
                          ok ? "read back" : "refused");
            if (ok) {
                ck_assert_uint_eq(strlen(hit.kid), kids[i].len);
                ck_assert_mem_eq(hit.kid, kids[i].kid, kids[i].len);
                ck_assert(with_ath ? hit.ath != NULL : hit.ath == NULL);
                aj_tcache_held_release(hit.hold);
            } else {
                ck_assert_ptr_null(hit.hold);
            }
        }
    }
}
END_TEST

/* Attack: a request holds a hit while the first level evicts, replaces and
 * removes its entry; the hit's view, claims, kid and lazily parsed payload
 * stay good until the request's pool goes (run under valgrind to see). */
START_TEST(attack_rec_hold_outlives_eviction)
{
    static const char *const texts[] = {CLAIMS,
                                        "{\"sub\":\"x\",\"exp\":1800003600.5,\"org\":\"o\"}"};
    unsigned char rec[AJ_TCACHE_REC_MAX], name[AJ_TCACHE_NAME] = {3},
                                          other[AJ_TCACHE_NAME] = {3, 1};

    for (size_t i = 0; i < UNIT_N(texts); i++) {
        apr_pool_t *cache_pool, *req;
        aj_tcache_t *c;
        aj_tcache_hit_t hit, hit2;
        aj_token_t tok;
        apr_size_t n = make(rec, "kid-1", ATH, texts[i]);
        const json_t *org;

        apr_pool_create(&cache_pool, NULL);
        apr_pool_create(&req, NULL);
        c = aj_tcache_create(cache_pool, 16); /* one entry a shard */
        /* as auth0_jwt_tcache_get_shared: read into the request's pool, put */
        ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1);
        aj_tcache_put_held(c, name, hit.hold, thumb, hit.alg, json_number_value(hit.view.exp));
        aj_tcache_held_pool_own(req, hit.hold);
        tok_from_hit(&tok, &hit);
        /* a second request takes a first-level hit of the same block */
        ck_assert_int_eq(aj_tcache_get(c, name, NOW, &hit2), 1);
        ck_assert_ptr_eq(hit2.hold, hit.hold);
        /* the entry is evicted (same shard, full), then the cache destroyed */
        aj_tcache_put(c, other, NULL, "{}", &(aj_claims_view_t){0}, thumb, hit.alg, NULL, NULL,
                      1900000000.0);
        {
            aj_tcache_hit_t gone;
            ck_assert_int_eq(aj_tcache_get(c, name, NOW, &gone), 0); /* evicted */
        }
        apr_pool_destroy(cache_pool);
        /* still readable through the request's reference */
        ck_assert_str_eq(json_string_value(tok.view.sub), i ? "x" : "auth0|1");
        ck_assert_str_eq(hit.kid, "kid-1");
        ck_assert_str_eq(hit.ath, ATH);
        ck_assert_str_eq(tok.claims, texts[i]);
        ck_assert_int_eq(aj_token_claim(&tok, "org", req, &org), 1);
        if (i) {
            ck_assert_str_eq(json_string_value(org), "o");
        }
        aj_tcache_held_release(hit2.hold); /* the second request ends */
        apr_pool_destroy(req);             /* the first: the last reference */
    }
}
END_TEST

/* Attack: threads (event/worker MPM) sharing the first level: reads of
 * records, puts of held blocks, gets, removes and constant eviction, each
 * "request" reading the view and parsing the payload lazily in its own pool.
 * No crash, and under valgrind no invalid access and no leak. */
#define STRESS_THREADS 4
#define STRESS_ROUNDS  1500

typedef struct {
    aj_tcache_t *c;
    apr_pool_t *pool;
    unsigned int seed;
    int hits;
} stress_t;

static void *stress_run(void *data)
{
    stress_t *st = data;
    static const char *const texts[] = {
        CLAIMS, "{\"sub\":\"x\",\"exp\":1800003600.5,\"org\":\"o\"}",
        "{\"sub\":\"y\",\"exp\":1800003600,\"org\":[\"a\",\"b\"],\"scope\":\"s\"}"};
    unsigned char rec[AJ_TCACHE_REC_MAX];
    apr_size_t lens[3];

    for (int i = 0; i < 3; i++) {
        lens[i] = aj_tcache_rec_make(rec, aj_alg_by_id(AJ_ALG_RS256), thumb, "k", ATH, texts[i]);
    }
    for (int round = 0; round < STRESS_ROUNDS; round++) {
        unsigned r = (unsigned)rand_r(&st->seed);
        unsigned char name[AJ_TCACHE_NAME] = {0};
        apr_pool_t *req;
        aj_tcache_hit_t hit;
        int got = 0;
        name[0] = (unsigned char)(r & 31);
        name[4] = (unsigned char)((r >> 5) & 3);
        apr_pool_create(&req, st->pool);
        switch ((r >> 8) % 3) {
        case 0: {
            int which = (int)((r >> 10) % 3);
            aj_tcache_rec_make(rec, aj_alg_by_id(AJ_ALG_RS256), thumb, "k", ATH, texts[which]);
            if (aj_tcache_rec_read(rec, lens[which], NOW, &hit)) {
                aj_tcache_put_held(st->c, name, hit.hold, thumb, hit.alg,
                                   json_number_value(hit.view.exp));
                got = 1;
            }
            break;
        }
        case 1:
            got = aj_tcache_get(st->c, name, NOW, &hit);
            break;
        default:
            aj_tcache_remove(st->c, name);
            break;
        }
        if (got) {
            aj_token_t tok;
            const json_t *org;
            aj_tcache_held_pool_own(req, hit.hold);
            tok_from_hit(&tok, &hit);
            if (json_string_value(tok.view.sub) == NULL || !json_is_number(tok.view.exp) ||
                strcmp(tok.claims, "") == 0 || strcmp(hit.kid, "k") != 0) {
                abort();
            }
            if (!aj_token_claim(&tok, "org", req, &org)) {
                abort();
            }
            if (strcmp(json_string_value(tok.view.sub), "auth0|1") != 0 && org == NULL) {
                abort();
            }
            st->hits++;
        }
        apr_pool_destroy(req);
    }
    return NULL;
}

START_TEST(attack_rec_threads_share_held_blocks)
{
    pthread_t threads[STRESS_THREADS];
    stress_t st[STRESS_THREADS];
    apr_pool_t *cache_pool;
    aj_tcache_t *c;
    int hits = 0;

    apr_pool_create(&cache_pool, NULL);
    c = aj_tcache_create(cache_pool, 16);
    for (int i = 0; i < STRESS_THREADS; i++) {
        st[i].c = c;
        st[i].seed = 77u + (unsigned)i;
        st[i].hits = 0;
        apr_pool_create(&st[i].pool, NULL);
        /* plain pthreads, each returning from its function (pthread_exit, as
         * apr_thread_exit calls it, trips gcc 12's AddressSanitizer) */
        ck_assert_int_eq(pthread_create(&threads[i], NULL, stress_run, &st[i]), 0);
    }
    for (int i = 0; i < STRESS_THREADS; i++) {
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
        hits += st[i].hits;
        apr_pool_destroy(st[i].pool);
    }
    ck_assert_int_gt(hits, STRESS_THREADS * STRESS_ROUNDS / 4);
    apr_pool_destroy(cache_pool); /* the entries' references go last */
}
END_TEST

/* Attack: the lazy parse of a quick hit's payload fails (jansson out of
 * memory). Were the claim then read as absent, `Require not auth0-claim
 * https://x/roles banned` (negated, under <RequireAll>) would hold for a
 * banned user. aj_token_claim says it could not read the payload (0), and the
 * module answers that with an error (authz: AUTHZ_GENERAL_ERROR, which
 * negation leaves alone; the user claim: the token refused). */
static int oom_armed;
static void *maybe_fail_malloc(size_t n)
{
    return oom_armed ? NULL : malloc(n);
}

START_TEST(attack_rec_lazy_parse_failure_is_no_answer)
{
    const char *text = "{\"sub\":\"auth0|1\",\"exp\":1800003600,\"https://x/roles\":[\"banned\"]}";
    unsigned char rec[AJ_TCACHE_REC_MAX];
    apr_size_t n = make(rec, "k", NULL, text);
    apr_array_header_t *banned = apr_array_make(unit_pool, 1, sizeof(const char *));
    aj_tcache_hit_t hit;
    aj_token_t tok;
    const json_t *roles;

    APR_ARRAY_PUSH(banned, const char *) = "banned";
    json_set_alloc_funcs(maybe_fail_malloc, free);
    ck_assert_int_eq(aj_tcache_rec_read(rec, n, NOW, &hit), 1); /* a quick hit */
    ck_assert_ptr_null(hit.payload);
    tok_from_hit(&tok, &hit);
    oom_armed = 1; /* memory runs out while the request is served */
    ck_assert_int_eq(aj_token_claim(&tok, "https://x/roles", unit_pool, &roles), 0);
    oom_armed = 0;
    ck_assert_ptr_null(tok.payload);
    ck_assert_ptr_null(hit.hold->payload); /* nothing half-made was kept */
    /* with memory back, the same token has the claim */
    ck_assert_int_eq(aj_token_claim(&tok, "https://x/roles", unit_pool, &roles), 1);
    ck_assert_int_eq(aj_claim_equals_any(roles, banned), 1);
    json_set_alloc_funcs(malloc, free);
    aj_tcache_held_release(hit.hold);
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
    tcase_add_test(tc, attack_rec_duplicate_claim_spellings);
    tcase_add_test(tc, attack_rec_token_claim_view_vs_payload);
    tcase_add_test(tc, attack_rec_kid_utf8_and_nul);
    tcase_add_test(tc, attack_rec_hold_outlives_eviction);
    tcase_add_test(tc, attack_rec_threads_share_held_blocks);
    tcase_add_test(tc, attack_rec_lazy_parse_failure_is_no_answer);
    suite_add_tcase(s, tc);
    return s;
}
