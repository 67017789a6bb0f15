/*
 * test_tcache.c: the verified-token cache (docs/validation.md). It must never hand
 * out a token after its exp, must stay within its size (least recently used
 * out first), must key on the name only, and forget on request. A name is
 * keyed (SipHash-2-4-128): it changes with the server's key and with the
 * scope's key policy, so no outsider computes it and no scope meets another's
 * entry.
 */
#include <string.h>

#include "unit.h"
#include "aj_siphash.h"
#include "aj_tcache.h"

static const unsigned char prf_key[16] = {0x5a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void digest_of(unsigned char d[AJ_TCACHE_NAME], int n)
{
    char token[32];
    snprintf(token, sizeof(token), "token-%d", n);
    aj_tcache_name(d, prf_key, token, strlen(token), "policy", 6);
}

static json_t *payload_of(int n)
{
    return json_pack("{s:i}", "n", n);
}

static const unsigned char thumb[32] = {1, 2, 3};
static const aj_claims_view_t no_view;

START_TEST(tcache_hit_and_miss)
{
    aj_tcache_t *c = aj_tcache_create(unit_pool, 64);
    aj_tcache_hit_t hit;
    unsigned char d[AJ_TCACHE_NAME], other[AJ_TCACHE_NAME];
    json_t *p = payload_of(7);

    digest_of(d, 7);
    digest_of(other, 8);
    ck_assert_int_eq(aj_tcache_get(c, d, 1000, &hit), 0);
    aj_tcache_put(c, d, p, "{\"n\":7}", &no_view, thumb, aj_alg_by_id(AJ_ALG_RS256), "kid-7", NULL, 2000);
    json_decref(p);
    ck_assert_int_eq(aj_tcache_get(c, d, 1000, &hit), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(hit.payload, "n")), 7);
    ck_assert_str_eq(hit.claims, "{\"n\":7}");
    ck_assert_mem_eq(hit.thumbprint, thumb, 32);
    ck_assert_ptr_eq(hit.alg, aj_alg_by_id(AJ_ALG_RS256));
    ck_assert_str_eq(hit.kid, "kid-7"); /* the hit chooses its key by it, as a miss does */
    aj_tcache_held_release(hit.hold);
    /* another token, even one whose digest shares the shard, is a miss */
    ck_assert_int_eq(aj_tcache_get(c, other, 1000, &hit), 0);
}
END_TEST

/* Replay after expiry: a cached token is never handed out at or after its exp. */
START_TEST(tcache_entry_dies_at_exp)
{
    aj_tcache_t *c = aj_tcache_create(unit_pool, 64);
    aj_tcache_hit_t hit;
    unsigned char d[AJ_TCACHE_NAME];
    json_t *p = payload_of(1);
    aj_tcache_stats_t st;

    digest_of(d, 1);
    aj_tcache_put(c, d, p, NULL, &no_view, thumb, aj_alg_by_id(AJ_ALG_RS256), NULL, NULL, 1500);
    json_decref(p);
    ck_assert_int_eq(aj_tcache_get(c, d, 1499.9, &hit), 1);
    aj_tcache_held_release(hit.hold);
    ck_assert_int_eq(aj_tcache_get(c, d, 1500, &hit), 0);
    aj_tcache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 0); /* dropped, not just hidden */
}
END_TEST

/* A flood of distinct tokens cannot grow the cache past its size. */
START_TEST(tcache_bounded_lru)
{
    const int cap = 32; /* 2 per shard */
    aj_tcache_t *c = aj_tcache_create(unit_pool, cap);
    aj_tcache_hit_t hit;
    aj_tcache_stats_t st;
    unsigned char d[AJ_TCACHE_NAME], first[AJ_TCACHE_NAME];
    int kept = 0;

    digest_of(first, 0);
    for (int i = 0; i < 5000; i++) {
        json_t *p = payload_of(i);
        digest_of(d, i);
        aj_tcache_put(c, d, p, "{}", &no_view, thumb, aj_alg_by_id(AJ_ALG_RS256), NULL, NULL, 1e9);
        json_decref(p);
        if (i > 0 && aj_tcache_get(c, first, 0, &hit)) { /* keep the first hot */
            aj_tcache_held_release(hit.hold);
        }
    }
    aj_tcache_stats(c, &st);
    ck_assert_uint_le(st.entries, (unsigned)cap);
    ck_assert_uint_eq(aj_tcache_entries(c), st.entries);
    ck_assert_uint_gt(st.evictions, 0);
    /* the recently used entry survived the flood */
    ck_assert_int_eq(aj_tcache_get(c, first, 0, &hit), 1);
    aj_tcache_held_release(hit.hold);
    for (int i = 0; i < 5000; i++) {
        digest_of(d, i);
        if (aj_tcache_get(c, d, 0, &hit)) {
            aj_tcache_held_release(hit.hold);
            kept++;
        }
    }
    ck_assert_int_le(kept, cap);
}
END_TEST

START_TEST(tcache_remove_and_replace)
{
    aj_tcache_t *c = aj_tcache_create(unit_pool, 16);
    aj_tcache_hit_t hit;
    unsigned char d[AJ_TCACHE_NAME], t2[32] = {9};
    json_t *p1 = payload_of(1), *p2 = payload_of(2);

    digest_of(d, 3);
    aj_tcache_put(c, d, p1, NULL, &no_view, thumb, aj_alg_by_id(AJ_ALG_RS256), NULL, NULL, 1e9);
    aj_tcache_put(c, d, p2, NULL, &no_view, t2, aj_alg_by_id(AJ_ALG_ES256), NULL, NULL, 1e9); /* same token again */
    json_decref(p1);
    json_decref(p2);
    ck_assert_int_eq(aj_tcache_get(c, d, 0, &hit), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(hit.payload, "n")), 2);
    ck_assert_mem_eq(hit.thumbprint, t2, 32);
    aj_tcache_held_release(hit.hold);
    aj_tcache_remove(c, d); /* its key left the key set */
    ck_assert_int_eq(aj_tcache_get(c, d, 0, &hit), 0);
    ck_assert_ptr_null(aj_tcache_create(unit_pool, 0)); /* Auth0TokenCacheSize 0: off */
}
END_TEST

/* SipHash-2-4-128 under the reference key, over (length, token, policy). */
static void name_with(unsigned char out[AJ_TCACHE_NAME], const unsigned char key[16],
                      const char *token, const char *policy)
{
    aj_tcache_name(out, key, token, strlen(token), policy, strlen(policy));
}

/*
 * Lending trust through the cache: the same token under another key policy
 * (another key source, algorithm list, secret) has another name, so a scope
 * never meets an entry made under another policy; another server start (PRF
 * key) gives other names too.
 */
START_TEST(tcache_name_is_keyed_and_policy_bound)
{
    unsigned char a[AJ_TCACHE_NAME], b[AJ_TCACHE_NAME], key2[16];

    name_with(a, prf_key, "tok", "policy-1");
    name_with(b, prf_key, "tok", "policy-1");
    ck_assert_mem_eq(a, b, AJ_TCACHE_NAME); /* a pure function of its inputs */
    name_with(b, prf_key, "tok", "policy-2");
    ck_assert(memcmp(a, b, AJ_TCACHE_NAME) != 0);
    memcpy(key2, prf_key, 16);
    key2[0] ^= 1;
    name_with(b, key2, "tok", "policy-1");
    ck_assert(memcmp(a, b, AJ_TCACHE_NAME) != 0);
}
END_TEST

/*
 * A token and a policy never run together: whatever parts a policy has, its
 * record ends with its flags, which fix its length; so the same bytes cannot
 * be read as another token under another policy.
 */
START_TEST(tcache_policy_record_tells_its_length)
{
    static const unsigned char t1[16] = {1}, t2[16] = {2}, t3[16] = {3};
    unsigned char rec[AJ_TCACHE_POLICY_MAX], other[AJ_TCACHE_POLICY_MAX];

    for (unsigned int f = 0; f < 16; f++) {
        apr_size_t n = aj_tcache_policy(rec, 0x1234, (f & 8) != 0, (f & 1) ? t1 : NULL,
                                        (f & 2) ? t2 : NULL, (f & 4) ? t3 : NULL);
        unsigned int parts = (f & 1) + ((f >> 1) & 1) + ((f >> 2) & 1);
        ck_assert_uint_eq(rec[n - 1], f); /* the flags, last */
        ck_assert_uint_eq(n, 16 * parts + 4 + 1);
        ck_assert_uint_eq(rec[n - 5], 0x34); /* the algorithms, little-endian, before them */
        ck_assert_uint_eq(rec[n - 4], 0x12);
    }
    /* the same tag as a source or as a secret: other records */
    ck_assert_uint_eq(aj_tcache_policy(rec, 1, 0, t1, NULL, NULL),
                      aj_tcache_policy(other, 1, 0, NULL, t1, NULL));
    ck_assert(memcmp(rec, other, 21) != 0);
}
END_TEST

/* The name is exactly SipHash-2-4-128(key, token || policy). */
START_TEST(tcache_name_is_siphash_of_token_policy)
{
    unsigned char a[AJ_TCACHE_NAME], b[AJ_TCACHE_NAME];
    unsigned char msg[3 + 2] = {'a', 'b', 'c', 'P', 'Q'};

    aj_tcache_name(a, prf_key, "abc", 3, "PQ", 2);
    aj_siphash128(b, prf_key, msg, sizeof(msg));
    ck_assert_mem_eq(a, b, AJ_TCACHE_NAME);
}
END_TEST

Suite *suite_tcache(void)
{
    Suite *s = suite_create("tcache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_test(tc, tcache_hit_and_miss);
    tcase_add_test(tc, tcache_entry_dies_at_exp);
    tcase_add_test(tc, tcache_bounded_lru);
    tcase_add_test(tc, tcache_remove_and_replace);
    tcase_add_test(tc, tcache_name_is_keyed_and_policy_bound);
    tcase_add_test(tc, tcache_policy_record_tells_its_length);
    tcase_add_test(tc, tcache_name_is_siphash_of_token_policy);
    suite_add_tcase(s, tc);
    return s;
}
