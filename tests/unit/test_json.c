/*
 * test_json.c: the fast JSON reader (src/aj_json.c) against jansson, the
 * reference. Attack: text the two read differently (a duplicate member, an
 * overlong or surrogate UTF-8 form, a control character, a number jansson
 * refuses, trailing bytes) lets a signed payload mean one thing to the
 * signer's library and another here. The reader must never say yes where
 * jansson says no, nor give another value; and it must take the common case
 * itself (or it is no faster).
 */
#include <stdio.h>
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
        json_object_foreach((json_t *)ref, key, v)
        {
            even += strlen(key) % 2 == 0;
        }
        ck_assert_msg(pk.n == even, "fast_pick built %d members of %d: [%.*s]", pk.n, even,
                      (int)len, text);
    }
    for (int i = 0; i < pk.n; i++) {
        if (took) {
            ck_assert_msg(
                json_equal(pk.got[i].value, json_object_getn(ref, pk.got[i].key, pk.got[i].len)),
                "fast_pick read another value for \"%.*s\": [%.*s]", (int)pk.got[i].len,
                pk.got[i].key, (int)len, text);
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

/* ---- attacks on the shared-level quick read (aj_claims_view_text) ----------
 *
 * A record of the shared level is read with aj_claims_view_text, which builds
 * only the claims the view keeps (aj_json_fast_pick). Whatever it takes,
 * jansson (aj_json_parse_object, with duplicates refused) must take too, and
 * each claim of the view must equal the member jansson read (or both be
 * absent). What it leaves, jansson decides. */

static const char *const view_keys[] = {"exp", "nbf",   "iat",         "iss", "aud",
                                        "sub", "scope", "permissions", "cnf"};

static const json_t *view_member(const aj_claims_view_t *v, size_t i)
{
    const json_t *all[] = {v->exp, v->nbf,   v->iat,         v->iss, v->aud,
                           v->sub, v->scope, v->permissions, v->cnf};
    return all[i];
}

/* 1 when the quick view took the text (and then agrees with jansson) */
static int view_same_as_jansson(const char *text, size_t len)
{
    aj_claims_view_t quick, full;
    json_t *payload = NULL;
    aj_json_err_e je;
    int took = aj_claims_view_text(&quick, text, len);

    je = aj_json_parse_object(&payload, unit_pool, text, len);
    if (!took) {
        for (size_t i = 0; i < UNIT_N(view_keys); i++) {
            ck_assert_msg(view_member(&quick, i) == NULL, "a view left behind a value: [%.*s]",
                          (int)len, text);
        }
        return 0;
    }
    ck_assert_msg(je == AJ_JSON_OK, "the quick view took what the full reader refuses (%d): [%.*s]",
                  (int)je, (int)len, text);
    aj_claims_view(&full, payload);
    for (size_t i = 0; i < UNIT_N(view_keys); i++) {
        const json_t *a = view_member(&quick, i), *b = view_member(&full, i);
        ck_assert_msg((a == NULL) == (b == NULL) && (a == NULL || json_equal(a, b)),
                      "the quick view's %s differs from jansson's: [%.*s]", view_keys[i], (int)len,
                      text);
    }
    aj_claims_view_release(&quick);
    return 1;
}

static int view_same(const char *text)
{
    return view_same_as_jansson(text, strlen(text));
}

/* Each text refused by the quick view and by the full parse alike. */
static void refused_by_both(const char *const *texts, size_t n)
{
    json_t *out;

    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(view_same(texts[i]) == 0, "taken: %s", texts[i]);
        ck_assert_msg(aj_json_parse_object(&out, unit_pool, texts[i], strlen(texts[i])) !=
                          AJ_JSON_OK,
                      "jansson took: %s", texts[i]);
    }
}

/* Attack 1a: a view claim twice, plain, or once plain once escaped (\u: the
 * quick reader must give up; \/ is not a way to spell any view key) */
START_TEST(attack_pick_duplicate_view_claims)
{
    json_t *out;

    for (size_t i = 0; i < UNIT_N(view_keys); i++) {
        const char *k = view_keys[i];
        char text[256], esc[64];
        int n;
        /* twice, plain, first and second value differ */
        n = snprintf(text, sizeof(text), "{\"%s\":1,\"x\":2,\"%s\":\"evil\"}", k, k);
        ck_assert_int_eq(view_same_as_jansson(text, (size_t)n), 0);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, (size_t)n), AJ_JSON_DUPLICATE);
        /* the first letter as \u00XX: the same key to jansson */
        snprintf(esc, sizeof(esc), "\\u%04x%s", (unsigned)k[0], k + 1);
        n = snprintf(text, sizeof(text), "{\"%s\":1,\"%s\":\"evil\"}", k, esc);
        ck_assert_int_eq(view_same_as_jansson(text, (size_t)n), 0);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, (size_t)n), AJ_JSON_DUPLICATE);
        n = snprintf(text, sizeof(text), "{\"%s\":\"evil\",\"%s\":1}", esc, k);
        ck_assert_int_eq(view_same_as_jansson(text, (size_t)n), 0);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, (size_t)n), AJ_JSON_DUPLICATE);
        /* the escaped form alone: left to jansson, which keeps it as the claim */
        n = snprintf(text, sizeof(text), "{\"%s\":\"v\"}", esc);
        ck_assert_int_eq(view_same_as_jansson(text, (size_t)n), 0);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, (size_t)n), AJ_JSON_OK);
        ck_assert_str_eq(json_string_value(json_object_get(out, k)), "v");
        /* a duplicate far apart: 60 members between */
        {
            char big[2048];
            size_t m = (size_t)snprintf(big, sizeof(big), "{\"%s\":1", k);
            for (int j = 0; j < 60; j++) {
                m += (size_t)snprintf(big + m, sizeof(big) - m, ",\"m%d\":%d", j, j);
            }
            m += (size_t)snprintf(big + m, sizeof(big) - m, ",\"%s\":2}", k);
            ck_assert_int_eq(view_same_as_jansson(big, m), 0);
            ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, big, m), AJ_JSON_DUPLICATE);
        }
    }
    /* "\/" unescapes to '/': a different key from every view key, not a twin */
    ck_assert_int_eq(view_same("{\"sub\":\"a\",\"s\\/ub\":\"b\"}"), 1);
}
END_TEST

/* Attack 1b: duplicates inside the values, picked or passed over */
START_TEST(attack_pick_nested_duplicates)
{
    static const char *const texts[] = {
        "{\"cnf\":{\"jkt\":\"a\",\"jkt\":\"b\"},\"exp\":1}",
        "{\"exp\":1,\"other\":{\"a\":1,\"a\":1}}",
        "{\"exp\":1,\"other\":[{\"a\":1},{\"b\":{\"c\":1,\"c\":2}}]}",
        "{\"aud\":[{\"x\":1,\"x\":1}],\"exp\":1}",
        "{\"exp\":1,\"o\":{\"k\":1,\"k\\u0000\":1}}",
        "{\"exp\":1,\"o\":{\"k\":1,\"\\u006b\":1}}",
    };

    refused_by_both(texts, UNIT_N(texts));
    /* the same key in two different objects is no duplicate */
    ck_assert_int_eq(view_same("{\"cnf\":{\"jkt\":\"a\"},\"o\":{\"jkt\":\"b\"},\"exp\":1}"), 1);
}
END_TEST

/* Attack 1c: NUL bytes in keys (raw, escaped, at the end of a view key) */
START_TEST(attack_pick_nul_in_keys)
{
    static const struct {
        const char *text;
        size_t len;
    } cases[] = {
        {"{\"sub\0\":\"x\"}", 11}, {"{\"exp\0\":1,\"exp\":2}", 18}, {"{\"\0\":1}", 7},
        {"{\"s\0b\":1}", 9},       {"{\"exp\":1}\0", 10},           {"\0{\"exp\":1}", 10},
    };
    json_t *out;

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        ck_assert_int_eq(view_same_as_jansson(cases[i].text, cases[i].len), 0);
        ck_assert_int_ne(aj_json_parse_object(&out, unit_pool, cases[i].text, cases[i].len),
                         AJ_JSON_OK);
    }
    ck_assert_int_eq(view_same("{\"sub\\u0000\":\"x\",\"sub\":\"y\"}"), 0);
    ck_assert_int_ne(aj_json_parse_object(&out, unit_pool, "{\"sub\\u0000\":\"x\"}", 17),
                     AJ_JSON_OK);
}
END_TEST

/* Attack 1d: invalid UTF-8 in a key, a picked value, a passed-over value */
START_TEST(attack_pick_invalid_utf8)
{
    static const char *const bad[] = {"\xc0\xaf",
                                      "\xe0\x80\xaf",
                                      "\xed\xa0\x80",
                                      "\xed\xbf\xbf",
                                      "\xf4\x90\x80\x80",
                                      "\xf5\x80\x80\x80",
                                      "\xff",
                                      "\x80",
                                      "\xc3",
                                      "\xe2\x82",
                                      "\xf0\x9f\x98",
                                      "\xc2\x7f",
                                      "\xf8\x88\x80\x80\x80"};
    static const char *const forms[] = {
        "{\"%s\":1,\"exp\":1}", "{\"sub\":\"a%s\",\"exp\":1}", "{\"x\":\"%sb\",\"exp\":1}",
        "{\"aud\":[\"a\",\"%s\"],\"exp\":1}", "{\"exp\":1,\"o\":{\"%s\":1}}"};
    char text[128];
    json_t *out;

    for (size_t b = 0; b < UNIT_N(bad); b++) {
        for (size_t f = 0; f < UNIT_N(forms); f++) {
            int n = snprintf(text, sizeof(text), forms[f], bad[b]);
            ck_assert_msg(view_same_as_jansson(text, (size_t)n) == 0, "taken: %s", text);
            ck_assert_int_ne(aj_json_parse_object(&out, unit_pool, text, (size_t)n), AJ_JSON_OK);
        }
    }
}
END_TEST

/* Attack 1e: more than 64 members (the quick reader's table): 64 taken, 65
 * left to jansson, which keeps the rules (a duplicate 65th is refused; a view
 * claim after the 64th is still read) */
START_TEST(attack_pick_many_members)
{
    char text[2048];
    json_t *out;
    aj_claims_view_t v;

    for (int total = 63; total <= 66; total++) {
        size_t n = 1;
        text[0] = '{';
        for (int j = 0; j < total - 1; j++) {
            n += (size_t)snprintf(text + n, sizeof(text) - n, "\"m%d\":%d,", j, j);
        }
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\"sub\":\"last\"}");
        ck_assert_int_eq(view_same_as_jansson(text, n), total <= 64);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, n), AJ_JSON_OK);
        ck_assert_str_eq(json_string_value(json_object_get(out, "sub")), "last");
        /* and with the last member a twin of the first: refused either way */
        n = 1;
        for (int j = 0; j < total - 1; j++) {
            n += (size_t)snprintf(text + n, sizeof(text) - n, "\"m%d\":%d,", j, j);
        }
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\"m0\":\"evil\"}");
        ck_assert_int_eq(view_same_as_jansson(text, n), 0);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, n), AJ_JSON_DUPLICATE);
    }
    /* 64 members then a 65th that is a view claim's twin: jansson refuses */
    {
        size_t n = (size_t)snprintf(text, sizeof(text), "{\"exp\":1");
        for (int j = 0; j < 63; j++) {
            n += (size_t)snprintf(text + n, sizeof(text) - n, ",\"m%d\":%d", j, j);
        }
        n += (size_t)snprintf(text + n, sizeof(text) - n, ",\"exp\":99999999999}");
        ck_assert_int_eq(aj_claims_view_text(&v, text, n), 0);
        ck_assert_ptr_null(v.exp); /* the first exp, built, was let go */
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, n), AJ_JSON_DUPLICATE);
    }
}
END_TEST

/* Attack 1f: deep nesting under a picked and a passed-over member; the top
 * level counts (depth 1), at the bound taken, past it too deep */
START_TEST(attack_pick_deep_nesting)
{
    static const char *const keys[] = {"cnf", "aud", "other"};
    char text[256];
    json_t *out;

    for (size_t k = 0; k < UNIT_N(keys); k++) {
        for (int levels = AJ_JSON_MAX_DEPTH - 2; levels <= AJ_JSON_MAX_DEPTH + 1; levels++) {
            size_t n = (size_t)snprintf(text, sizeof(text), "{\"exp\":1,\"%s\":", keys[k]);
            for (int i = 0; i < levels; i++) {
                text[n++] = i % 2 ? '[' : '{';
                if (i % 2 == 0) {
                    n += (size_t)snprintf(text + n, sizeof(text) - n, "\"a\":");
                }
            }
            n += (size_t)snprintf(text + n, sizeof(text) - n, "1");
            for (int i = levels - 1; i >= 0; i--) {
                text[n++] = i % 2 ? ']' : '}';
            }
            text[n++] = '}';
            /* the top object plus levels more */
            ck_assert_int_eq(view_same_as_jansson(text, n), levels + 1 <= AJ_JSON_MAX_DEPTH);
            ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, n),
                             levels + 1 <= AJ_JSON_MAX_DEPTH ? AJ_JSON_OK : AJ_JSON_TOO_DEEP);
        }
    }
}
END_TEST

/* Attack 1g: trailing garbage and things around the object */
START_TEST(attack_pick_trailing_garbage)
{
    static const char *const texts[] = {
        "{\"exp\":1}x",
        "{\"exp\":1}{}",
        "{\"exp\":1}}",
        "{\"exp\":1},",
        "{\"exp\":1}]",
        "{\"exp\":1}\"",
        "{\"exp\":1} 1",
        "\xef\xbb\xbf{\"exp\":1}",
        "{\"exp\":1}\x0b",
        "{\"exp\":1}\f",
        "{\"exp\":1,}",
        "{,\"exp\":1}",
        "{\"exp\":1 \"sub\":\"x\"}",
        "{\"exp\"::1}",
        "{\"exp\":1}/*c*/",
        "{\"exp\":1}\xc2\xa0",
    };

    refused_by_both(texts, UNIT_N(texts));
    ck_assert_int_eq(view_same(" \t\r\n{\"exp\":1} \t\r\n"), 1);
}
END_TEST

/* Attack 1h: numbers: big, negative zero, leading zeros, signs, fractions */
START_TEST(attack_pick_numbers)
{
    static const char *const nums[] = {
        "0",
        "-0",
        "00",
        "-00",
        "01",
        "-01",
        "+1",
        "1.",
        ".1",
        "1.0",
        "1e3",
        "1E3",
        "-1e-3",
        "0x10",
        "1_0",
        "999999999999999999",
        "-999999999999999999",
        "1000000000000000000",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "1800003600",
        "-",
        "--1",
        "- 1",
        "1 2",
        "NaN",
        "Infinity",
        "-Infinity",
        "1.7976931348623157e309",
        "1e-400",
        "0.0",
        "-0.0",
        "253402300799",
        "253402300800",
        "1800003600.0000000001",
    };
    char text[128];
    json_t *out;

    for (size_t i = 0; i < UNIT_N(nums); i++) {
        for (int in = 0; in < 3; in++) {
            int n = in == 0   ? snprintf(text, sizeof(text), "{\"exp\":%s}", nums[i])
                    : in == 1 ? snprintf(text, sizeof(text), "{\"aud\":[%s],\"exp\":1}", nums[i])
                              : snprintf(text, sizeof(text), "{\"x\":%s,\"exp\":1}", nums[i]);
            int took = view_same_as_jansson(text, (size_t)n);
            if (took) { /* the quick view took it: jansson took it with the same value */
                ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, (size_t)n),
                                 AJ_JSON_OK);
            }
        }
    }
    /* -0 is the integer 0 to both */
    ck_assert_int_eq(view_same("{\"exp\":-0}"), 1);
}
END_TEST

/* Attack 1i: empty keys, keys that are prefixes or extensions of view keys */
START_TEST(attack_pick_empty_and_prefix_keys)
{
    aj_claims_view_t v;
    const char *t = "{\"\":0,\"s\":1,\"su\":2,\"sub\":\"me\",\"subx\":3,\"sub \":4,\" sub\":5,"
                    "\"SUB\":6,\"e\":7,\"ex\":8,\"exp\":1800000000,\"expp\":9,\"scop\":10,"
                    "\"scopes\":11,\"permission\":12,\"permissionss\":13,\"cn\":14,\"cnfx\":15}";

    ck_assert_int_eq(view_same(t), 1);
    ck_assert_int_eq(aj_claims_view_text(&v, t, strlen(t)), 1);
    ck_assert_str_eq(json_string_value(v.sub), "me");
    ck_assert(json_integer_value(v.exp) == 1800000000);
    ck_assert_ptr_null(v.scope);
    ck_assert_ptr_null(v.permissions);
    ck_assert_ptr_null(v.cnf);
    aj_claims_view_release(&v);
    ck_assert_int_eq(view_same("{\"\":1,\"\":2}"), 0);
    ck_assert_int_eq(view_same("{\"\":1,\"exp\":1}"), 1);
    ck_assert_int_eq(view_same("{\"a\":1,\"ab\":2,\"abc\":3,\"ab\":4}"), 0);
}
END_TEST

/* Attack 1j: every byte value at every place of a picked member's key and
 * value (the word-at-a-time scan), and of a passed-over one */
START_TEST(attack_pick_every_byte_everywhere)
{
    char text[128];
    int took = 0;

    for (int b = 0; b < 256; b++) {
        for (int at = 0; at < 17; at++) {
            for (int form = 0; form < 3; form++) {
                char s[32];
                int n;
                memset(s, 'q', 17);
                s[at] = (char)b;
                if (form == 0) {
                    n = snprintf(text, sizeof(text), "{\"exp\":1,\"sub\":\"");
                } else if (form == 1) {
                    n = snprintf(text, sizeof(text), "{\"exp\":1,\"other\":\"");
                } else {
                    n = snprintf(text, sizeof(text), "{\"exp\":1,\"");
                }
                memcpy(text + n, s, 17);
                n += 17;
                n += snprintf(text + n, sizeof(text) - (size_t)n, form == 2 ? "\":2}" : "\"}");
                took += view_same_as_jansson(text, (size_t)n);
            }
        }
    }
    ck_assert_int_gt(took, 1000);
}
END_TEST

/* Attack 1k: random one- and two-byte changes to a realistic payload: the
 * quick view and the full reader never disagree */
START_TEST(attack_pick_fuzz_view)
{
    static const char base[] =
        "{\"iss\":\"https://t.example.auth0.com/\",\"sub\":\"auth0|1\",\"aud\":[\"https://api/\","
        "\"https://t/userinfo\"],\"iat\":1799990000,\"exp\":1800003600,\"scope\":\"read:a "
        "write:b\","
        "\"permissions\":[\"read:a\"],\"cnf\":{\"jkt\":\"abc\"},\"nbf\":1799990000,\"x\":{\"y\":[1,"
        "true,null,\"\\n\"]}}";
    static const char alphabet[] = "{}[]:,\"\\/ \tabesxpu0123456789-.\xc3\xa9\xed\x80\x00\x01\x7f";
    unsigned int seed = 4242;
    char buf[sizeof(base)];
    int took = 0;

    for (int n = 0; n < 40000; n++) {
        memcpy(buf, base, sizeof(base));
        for (int k = 0; k <= n % 2; k++) {
            buf[(size_t)rand_r(&seed) % (sizeof(base) - 1)] =
                alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
        }
        took += view_same_as_jansson(buf, sizeof(base) - 1);
    }
    ck_assert_int_gt(took, 1000);
}
END_TEST

/* Attack 1l: texts past the stack buffer (2048 bytes: the reader's space is
 * then on the heap), long keys and values, the view's claims last; and the
 * same with a twin at the very end */
START_TEST(attack_pick_long_texts)
{
    static char text[4200];
    json_t *out;

    for (size_t fill = 1000; fill <= 1900; fill += 300) {
        size_t n = 0;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"");
        memset(text + n, 'k', fill);
        n += fill;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\":\"");
        memset(text + n, 'v', fill);
        n += fill;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\",\"sub\":\"%s\",\"exp\":1800000000}",
                              "a\\\"b\\\\c\\/d\xc3\xa9");
        ck_assert_int_eq(view_same_as_jansson(text, n), 1);
        n -= 1; /* the closing brace */
        n += (size_t)snprintf(text + n, sizeof(text) - n, ",\"sub\":\"evil\"}");
        ck_assert_int_eq(view_same_as_jansson(text, n), 0);
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, text, n), AJ_JSON_DUPLICATE);
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
    tcase_add_test(tc, attack_pick_duplicate_view_claims);
    tcase_add_test(tc, attack_pick_nested_duplicates);
    tcase_add_test(tc, attack_pick_nul_in_keys);
    tcase_add_test(tc, attack_pick_invalid_utf8);
    tcase_add_test(tc, attack_pick_many_members);
    tcase_add_test(tc, attack_pick_deep_nesting);
    tcase_add_test(tc, attack_pick_trailing_garbage);
    tcase_add_test(tc, attack_pick_numbers);
    tcase_add_test(tc, attack_pick_empty_and_prefix_keys);
    tcase_add_test(tc, attack_pick_every_byte_everywhere);
    tcase_add_test(tc, attack_pick_fuzz_view);
    tcase_add_test(tc, attack_pick_long_texts);
    suite_add_tcase(s, tc);
    return s;
}
