/*
 * test_json.c: the fast JSON reader (src/aj_json.c) against jansson, the
 * reference. Attack: text the two read differently (a duplicate member, an
 * overlong or surrogate UTF-8 form, a control character, a number jansson
 * refuses, trailing bytes) lets a signed payload mean one thing to the
 * signer's library and another here. The reader must never say yes where
 * jansson says no, nor give another value; and it must take the common case
 * itself (or it is no faster).
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "aj_json.h"

/* The members aj_json_fast_pick built: every key of even length is picked
 * (so picked and passed-over members both come up in every text). */
typedef struct {
    struct {
        char key[64];
        size_t len;
        json_t *value;
    } got[64];
    int n;
} picks_t;

static json_t **pick_even(void *ctx, const char *key, size_t len)
{
    picks_t *pk = ctx;

    if (len % 2 || len >= sizeof(pk->got[0].key) || pk->n == UNIT_N(pk->got)) {
        return NULL;
    }
    memcpy(pk->got[pk->n].key, key, len);
    pk->got[pk->n].len = len;
    pk->got[pk->n].value = NULL;
    return &pk->got[pk->n++].value;
}

/* aj_json_fast_pick on the same text: it takes what the fast reader takes,
 * and each member it built equals jansson's member of that name, and no
 * member with a key of even length is missing. */
static void pick_same_as_jansson(const char *text, size_t len, int fast_took, const json_t *ref)
{
    picks_t pk;
    int took;

    pk.n = 0;
    took = aj_json_fast_pick(text, len, pick_even, &pk);
    ck_assert_msg(took == fast_took, "fast_pick %s what the fast reader %s: [%.*s]",
                  took ? "took" : "left", fast_took ? "took" : "left", (int)len, text);
    if (took) {
        int even = 0;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)ref, key, v) {
            even += strlen(key) % 2 == 0;
        }
        ck_assert_msg(pk.n == even, "fast_pick built %d members of %d: [%.*s]", pk.n, even,
                      (int)len, text);
    }
    for (int i = 0; i < pk.n; i++) {
        if (took) {
            ck_assert_msg(json_equal(pk.got[i].value, json_object_getn(ref, pk.got[i].key,
                                                                       pk.got[i].len)),
                          "fast_pick read another value for \"%.*s\": [%.*s]",
                          (int)pk.got[i].len, pk.got[i].key, (int)len, text);
        }
        json_decref(pk.got[i].value);
    }
}

/* Compare the fast reader with jansson on len bytes: 1 when the fast reader
 * took the text (then jansson took it too, with an equal value). */
static int same_as_jansson(const char *text, size_t len)
{
    json_error_t err;
    json_t *fast = aj_json_fast_object(text, len);
    json_t *ref = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    int took = fast != NULL;

    if (fast) {
        ck_assert_msg(ref != NULL, "fast reader accepted what jansson refuses (%s): [%.*s]",
                      err.text, (int)len, text);
        ck_assert_msg(json_is_object(ref) && json_equal(fast, ref),
                      "fast reader read another value: [%.*s]", (int)len, text);
    }
    pick_same_as_jansson(text, len, took, ref);
    json_decref(fast);
    json_decref(ref);
    return took;
}

static const char *const taken[] = {
    "{}",
    " { } ",
    "{\"sub\":\"auth0|123\",\"aud\":[\"https://api\",\"https://tenant/userinfo\"],\"iat\":1700000000,"
    "\"exp\":1700086400,\"scope\":\"openid read:messages\",\"gty\":\"client-credentials\"}",
    "{\"a\":true,\"b\":false,\"c\":null,\"d\":-0,\"e\":0,\"f\":-123456789012345678}",
    "{\"nested\":{\"x\":[1,[2,[3,{}]],{\"y\":\"z\"}]},\"empty\":[],\"k\":\"\"}",
    "{\"esc\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"}",
    "{\"utf8\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}",
    "{\"\":1}",
    "\t\r\n{\"a\" : 1 ,\n \"b\" :\t[ 1 , 2 ] }\n",
    "{\"del\":\"\x7f\"}",
};

static const char *const refused[] = {
    "",
    " ",
    "[]",
    "\"x\"",
    "{",
    "}",
    "{\"a\":1,}",
    "{\"a\":1}x",
    "{\"a\":1}{}",
    "{\"a\" 1}",
    "{a:1}",
    "{'a':1}",
    "{\"a\":1,\"a\":2}",
    "{\"a\":{\"b\":1,\"b\":1}}",
    "{\"a\":01}",
    "{\"a\":-}",
    "{\"a\":+1}",
    "{\"a\":1.}",
    "{\"a\":.5}",
    "{\"a\":1e}",
    "{\"a\":1234567890123456789012345}",
    "{\"a\":tru}",
    "{\"a\":True}",
    "{\"a\":nul}",
    "{\"a\":\"\\u0000\"}",
    "{\"a\":\"\\x\"}",
    "{\"a\":\"\\\"}",
    "{\"a\":\"tab\there\"}",
    "{\"a\":\"nl\nhere\"}",
    "{\"a\":\"\xc0\xaf\"}",         /* overlong "/" */
    "{\"a\":\"\xe0\x80\xaf\"}",     /* overlong, 3 bytes */
    "{\"a\":\"\xed\xa0\x80\"}",     /* a surrogate, encoded */
    "{\"a\":\"\xf4\x90\x80\x80\"}", /* past U+10FFFF */
    "{\"a\":\"\xc3\"}",             /* cut short */
    "{\"a\":\"\x80\"}",
    "{\"a\":\"\xff\"}",
    "\xef\xbb\xbf{}", /* a byte order mark */
    "{\"a\":1}\xff",
    "{\"a\":[1,]}",
    "{\"a\":[,1]}",
    "{\"a\":[1 2]}",
};

START_TEST(json_fast_reader_takes_the_common_case)
{
    for (size_t i = 0; i < UNIT_N(taken); i++) {
        ck_assert_msg(same_as_jansson(taken[i], strlen(taken[i])), "not taken: [%s]", taken[i]);
    }
    /* with its length, not a terminator: a NUL inside is a byte like another */
    ck_assert_int_eq(same_as_jansson("{\"a\":\"\0\"}", 9), 0);
    ck_assert_int_eq(same_as_jansson("{\"a\":1}\0", 8), 0);
}
END_TEST

/* What the fast reader leaves to jansson: everything it cannot be sure of. */
START_TEST(json_fast_reader_gives_up_where_unsure)
{
    static const char *const left[] = {
        "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":\"\\u00e9\"}", "{\"a\":\"\\ud83d\\ude00\"}",
        "{\"a\":1234567890123456789}",
    };
    for (size_t i = 0; i < UNIT_N(refused); i++) {
        ck_assert_msg(!same_as_jansson(refused[i], strlen(refused[i])), "taken: [%s]", refused[i]);
    }
    for (size_t i = 0; i < UNIT_N(left); i++) {
        ck_assert_msg(!same_as_jansson(left[i], strlen(left[i])), "taken: [%s]", left[i]);
    }
}
END_TEST

/* Deeper than AJ_JSON_MAX_DEPTH: the fast reader gives up, and the whole parse
 * says too deep, as before; at the bound it is taken. */
START_TEST(json_fast_reader_depth_bound)
{
    char deep[200];
    json_t *out;
    size_t n;

    /* exactly AJ_JSON_MAX_DEPTH levels of arrays under one object, then one more */
    for (int extra = 0; extra <= 1; extra++) {
        int levels = AJ_JSON_MAX_DEPTH - 1 + extra;
        n = 0;
        memcpy(deep + n, "{\"a\":", 5);
        n += 5;
        for (int i = 0; i < levels; i++) {
            deep[n++] = '[';
        }
        for (int i = 0; i < levels; i++) {
            deep[n++] = ']';
        }
        deep[n++] = '}';
        ck_assert_int_eq(same_as_jansson(deep, n), !extra);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, deep, n),
                         extra ? AJ_JSON_TOO_DEEP : AJ_JSON_OK);
    }
}
END_TEST

/*
 * The whole parse keeps jansson's answers (aj_json_parse_object): for the
 * texts the fast reader leaves, the error codes are jansson's as before.
 */
START_TEST(json_parse_object_codes)
{
    json_t *out;

    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "{\"a\":1,\"a\":2}", 13),
                     AJ_JSON_DUPLICATE);
    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "{\"a\":\"\xff\"}", 9), AJ_JSON_UTF8);
    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "[1]", 3), AJ_JSON_NOT_OBJECT);
    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "{\"a\":}", 6), AJ_JSON_SYNTAX);
    /* a NUL in a member's name (a payload's "exp\u0000" posing as exp) is refused */
    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "{\"exp\\u0000\":1}", 15),
                     AJ_JSON_SYNTAX);
    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "{\"a\":1.5}", 9), AJ_JSON_OK);
    ck_assert(json_real_value(json_object_get(out, "a")) == 1.5);
    ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, "{\"a\":\"b\"}", 9), AJ_JSON_OK);
    ck_assert_str_eq(json_string_value(json_object_get(out, "a")), "b");
}
END_TEST

/*
 * Random texts from an alphabet of JSON's own bytes and a few hostile ones,
 * and random one-byte changes to the texts above: wherever the fast reader
 * says yes, jansson agrees, with an equal value.
 */
START_TEST(json_fast_reader_never_disagrees)
{
    static const char alphabet[] = "{}[]:,\"\\/ \t\nabtfnrue0123456789-+.eE"
                                   "\xc3\xa9\xed\xa0\x80\xf4\x90\x00\x01\x7f";
    unsigned int seed = 20261203;
    char buf[512];
    int took = 0;

    for (int n = 0; n < 200000; n++) {
        size_t len;
        if (n % 2) {
            const char *base = taken[(size_t)rand_r(&seed) % UNIT_N(taken)];
            len = strlen(base);
            memcpy(buf, base, len);
            if (len) {
                buf[(size_t)rand_r(&seed) % len] =
                    alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
            }
        } else {
            len = (size_t)rand_r(&seed) % 24;
            buf[0] = '{';
            for (size_t i = 1; i < len; i++) {
                buf[i] = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
            }
        }
        took += same_as_jansson(buf, len);
    }
    ck_assert_int_gt(took, 1000); /* the comparison really ran on accepted texts */
}
END_TEST

/*
 * Strings read eight bytes at a time: one byte that needs a look of its own
 * (quote, backslash, control character, a byte of UTF-8, whole or broken, and
 * the bytes around each border) at every place of a long string, in keys and
 * values. Every outcome agrees with jansson's, and the well-formed ones are
 * taken.
 */
START_TEST(json_fast_reader_strings_word_at_a_time)
{
    static const char *const odd[] = {"\\\"", "\\\\", "\\n", "\\/", "\x01", "\x1f",
                                      "\x20", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                      "\xf0\x9f\x98\x80", "\xc3", "\x80", "\xed\xa0\x80",
                                      "\"", "\\", "\xff", "\\u0041"};
    /* which of them make a well-formed string (the fast reader leaves \u to jansson) */
    static const int good[] = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, -1};
    char text[200];
    int took = 0, tried = 0;

    for (size_t o = 0; o < UNIT_N(odd); o++) {
        for (size_t at = 0; at <= 33; at++) {
            for (int in_key = 0; in_key < 2; in_key++) {
                char str[80];
                int len;
                memset(str, 'a' + (int)(at % 26), at);
                len = snprintf(str + at, sizeof(str) - at, "%s%.*s", odd[o], (int)(33 - at),
                               "bcdefghijklmnopqrstuvwxyz0123456789");
                len += (int)at;
                len = in_key ? snprintf(text, sizeof(text), "{\"%.*s\":1,\"z\":2}", len, str)
                             : snprintf(text, sizeof(text), "{\"k\":\"%.*s\",\"z\":2}", len, str);
                took += same_as_jansson(text, (size_t)len);
                tried++;
                if (good[o] == 1) {
                    json_t *j = aj_json_fast_object(text, (size_t)len);
                    ck_assert_msg(j != NULL, "a well-formed string was not taken: [%s]", text);
                    json_decref(j);
                }
            }
        }
    }
    ck_assert_int_gt(took, tried / 3); /* the comparison really ran on accepted texts */
}
END_TEST

/* Attack: a key file path that is not UTF-8 dropped its source from the
 * status report (jansson refuses such a string); aj_json_text always makes
 * one, each stray byte as U+FFFD, valid text left as it is. */
START_TEST(json_text_replaces_what_is_not_utf8)
{
    static const char *const cases[][2] = {
        {"caf\xe9.json", "caf\xef\xbf\xbd.json"},       /* Latin-1 */
        {"caf\xc3\xa9", "caf\xc3\xa9"},                  /* UTF-8: kept */
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},       /* overlong '/' */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
        {"a\xf0\x9f\x98", "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* cut short */
        {"", ""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = aj_json_text(unit_pool, cases[i][0]);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(json_string_value(j), cases[i][1]);
        json_decref(j);
    }
}
END_TEST

Suite *suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("fast reader");
    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, json_fast_reader_takes_the_common_case);
    tcase_add_test(tc, json_fast_reader_gives_up_where_unsure);
    tcase_add_test(tc, json_parse_object_codes);
    tcase_add_test(tc, json_fast_reader_depth_bound);
    tcase_add_test(tc, json_fast_reader_never_disagrees);
    tcase_add_test(tc, json_fast_reader_strings_word_at_a_time);
    tcase_add_test(tc, json_text_replaces_what_is_not_utf8);
    suite_add_tcase(s, tc);
    return s;
}
