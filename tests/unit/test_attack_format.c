/*
 * test_attack_format.c: the compact serialization (docs/validation.md sections 2, 3, 6): the
 * number of segments, strict base64url in each segment, the 16 KiB bound,
 * and the header and payload JSON rules (objects only, no duplicate members,
 * bounded depth, valid UTF-8).
 *
 * Tokens are HS256 with a 32-byte secret under kid "k1", so every refusal
 * below is about the format and nothing else.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"

#define HEADER "{\"alg\":\"HS256\",\"kid\":\"k1\"}"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static aj_jwks_t *secret_set(void)
{
    return unit_set(aj_key_from_secret(unit_pool, unit_secret(32), 32, "k1"), NULL);
}

static char *hs(const char *header, const char *payload)
{
    return unit_sign_hs("HS256", unit_secret(32), 32, header, payload);
}

static aj_reason_e check(const char *token)
{
    return unit_verify(token, unit_algs("HS256"), secret_set(), NULL);
}

/*
 * The base token: the claims padded with JSON whitespace so that no segment's
 * length is a multiple of 4, which leaves unused bits in each last character.
 */
static char *base_token(void)
{
    char *payload = apr_pstrdup(unit_pool, unit_claims);
    while (strlen(payload) % 3 == 0) {
        payload = apr_pstrcat(unit_pool, payload, " ", NULL);
    }
    return hs(HEADER, payload);
}

/* ---- base64url in each segment -------------------------------------------- */

typedef enum {
    B_AS_IS,        /* untouched: must verify */
    B_PAD1,         /* '=' appended */
    B_PAD2,         /* '==' appended */
    B_PLUS,         /* a character replaced by '+' */
    B_SLASH,        /* a character replaced by '/' */
    B_SPACE,        /* ' ' inserted in the middle */
    B_NEWLINE,      /* '\n' inserted */
    B_TAB,          /* '\t' inserted */
    B_CRLF,         /* "\r\n" inserted */
    B_LEAD_SPACE,   /* ' ' in front of the segment */
    B_TRAIL_SPACE,  /* ' ' after the segment */
    B_NONCANONICAL, /* the unused low bits of the last character set */
    B_NON_ASCII,    /* a UTF-8 letter inserted */
    B_PERCENT,      /* a character percent-encoded */
    B_STAR,         /* a character outside every base64 alphabet */
    B_ONE_MOD_4,    /* a character added so the length is 1 mod 4 */
} b64_mutation_e;

static const struct {
    b64_mutation_e m;
    const char *what;
} b64_cases[] = {
    {B_AS_IS, "untouched"},
    {B_PAD1, "'=' padding"},
    {B_PAD2, "'==' padding"},
    {B_PLUS, "'+' from the standard alphabet"},
    {B_SLASH, "'/' from the standard alphabet"},
    {B_SPACE, "an inner space"},
    {B_NEWLINE, "an inner newline"},
    {B_TAB, "an inner tab"},
    {B_CRLF, "an inner CRLF"},
    {B_LEAD_SPACE, "a leading space"},
    {B_TRAIL_SPACE, "a trailing space"},
    {B_NONCANONICAL, "non-canonical trailing bits"},
    {B_NON_ASCII, "a non-ASCII letter"},
    {B_PERCENT, "percent-encoding"},
    {B_STAR, "a '*'"},
    {B_ONE_MOD_4, "a length of 1 mod 4"},
};

static const char *const segment_names[] = {"header", "payload", "signature"};

/* The token with segment seg (0, 1, 2) changed by m. */
static char *mutate_segment(const char *token, int seg, b64_mutation_e m)
{
    const char *start = token, *end;
    char *before, *s, *after;
    apr_size_t len, mid;
    const char *at;

    for (int i = 0; i < seg; i++) {
        start = strchr(start, '.') + 1;
    }
    end = strchr(start, '.');
    if (end == NULL) {
        end = start + strlen(start);
    }
    before = apr_pstrmemdup(unit_pool, token, (apr_size_t)(start - token));
    s = apr_pstrmemdup(unit_pool, start, (apr_size_t)(end - start));
    after = apr_pstrdup(unit_pool, end);
    len = strlen(s);
    mid = len / 2;
    switch (m) {
    case B_AS_IS:
        break;
    case B_PAD1:
        s = apr_pstrcat(unit_pool, s, "=", NULL);
        break;
    case B_PAD2:
        s = apr_pstrcat(unit_pool, s, "==", NULL);
        break;
    case B_PLUS:
        s[mid] = '+';
        break;
    case B_SLASH:
        s[mid] = '/';
        break;
    case B_SPACE:
    case B_NEWLINE:
    case B_TAB:
    case B_CRLF:
    case B_NON_ASCII:
    case B_PERCENT: {
        const char *ins = m == B_SPACE       ? " "
                          : m == B_NEWLINE   ? "\n"
                          : m == B_TAB       ? "\t"
                          : m == B_CRLF      ? "\r\n"
                          : m == B_NON_ASCII ? "\xc3\xa9"
                                             : "%41";
        s = apr_pstrcat(unit_pool, apr_pstrmemdup(unit_pool, s, mid), ins, s + mid, NULL);
        break;
    }
    case B_LEAD_SPACE:
        s = apr_pstrcat(unit_pool, " ", s, NULL);
        break;
    case B_TRAIL_SPACE:
        s = apr_pstrcat(unit_pool, s, " ", NULL);
        break;
    case B_NONCANONICAL:
        ck_assert_msg(len % 4 != 0, "the %s segment has no unused bits", segment_names[seg]);
        at = strchr(alphabet, s[len - 1]);
        ck_assert_int_eq((at - alphabet) & 1, 0);
        s[len - 1] = alphabet[(at - alphabet) | 1];
        break;
    case B_STAR:
        s[mid] = '*';
        break;
    case B_ONE_MOD_4:
        while (strlen(s) % 4 != 1) {
            s = apr_pstrcat(unit_pool, s, "A", NULL);
        }
        break;
    }
    return apr_pstrcat(unit_pool, before, s, after, NULL);
}

START_TEST(format_base64_each_segment)
{
    char *token = base_token();

    for (int seg = 0; seg < 3; seg++) {
        char *t = mutate_segment(token, seg, b64_cases[_i].m);
        char *why = apr_psprintf(unit_pool, "%s in the %s", b64_cases[_i].what, segment_names[seg]);
        ck_assert_reason(check(t), b64_cases[_i].m == B_AS_IS ? AJ_OK : AJ_R_BASE64, why);
    }
}
END_TEST

/* A NUL byte inside a segment, passed with its length (no C string would carry it). */
START_TEST(format_nul_inside)
{
    char *token = base_token();
    apr_size_t len = strlen(token);
    aj_jws_t jws;

    for (apr_size_t pos = 0; pos < len; pos += 7) {
        char *copy = apr_pmemdup(unit_pool, token, len + 1);
        if (copy[pos] == '.') {
            continue;
        }
        copy[pos] = '\0';
        ck_assert_reason(aj_jws_parse(&jws, unit_pool, copy, len, unit_algs("HS256")), AJ_R_BASE64,
                         "a NUL byte in a segment");
    }
}
END_TEST

/* ---- segments --------------------------------------------------------------- */

START_TEST(format_segments)
{
    char *token = base_token();
    char *h = apr_pstrmemdup(unit_pool, token, (apr_size_t)(strchr(token, '.') - token));
    char *p = apr_pstrmemdup(unit_pool, strchr(token, '.') + 1,
                             (apr_size_t)(strrchr(token, '.') - strchr(token, '.') - 1));
    char *s = strrchr(token, '.') + 1;
    char *empty_payload = hs(HEADER, "");
    const struct {
        const char *token;
        aj_reason_e want;
        const char *why;
    } cases[] = {
        {token, AJ_OK, "three segments"},
        {"", AJ_R_SEGMENTS, "an empty token"},
        {h, AJ_R_SEGMENTS, "one segment"},
        {apr_pstrcat(unit_pool, h, ".", p, NULL), AJ_R_SEGMENTS,
         "two segments (the signature dropped)"},
        {apr_pstrcat(unit_pool, h, ".", p, ".", s, ".", s, NULL), AJ_R_SEGMENTS, "four segments"},
        {apr_pstrcat(unit_pool, h, ".", p, ".", s, ".", s, ".", s, NULL), AJ_R_SEGMENTS,
         "five segments, shaped like a JWE"},
        {apr_pstrcat(unit_pool, unit_b64("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}"), "..", s, ".", p,
                     ".", s, NULL),
         AJ_R_SEGMENTS, "a JWE in compact form"},
        {apr_pstrcat(unit_pool, token, ".", NULL), AJ_R_SEGMENTS, "a trailing dot"},
        {apr_pstrcat(unit_pool, ".", token, NULL), AJ_R_SEGMENTS, "a leading dot"},
        {apr_pstrcat(unit_pool, h, "..", p, ".", s, NULL), AJ_R_SEGMENTS, "an empty segment added"},
        {apr_pstrcat(unit_pool, "{\"payload\":\"", p, "\",\"protected\":\"", h,
                     "\",\"signature\":\"", s, "\"}", NULL),
         AJ_R_SEGMENTS, "the flattened JSON serialization"},
        {"..", AJ_R_HEADER_NOT_JSON, "three empty segments"},
        {apr_pstrcat(unit_pool, h, ".", p, ".", NULL), AJ_R_SIGNATURE_LENGTH, "an empty signature"},
        {apr_pstrcat(unit_pool, h, "..", NULL), AJ_R_SIGNATURE_LENGTH,
         "an empty payload and signature"},
        {empty_payload, AJ_R_PAYLOAD_NOT_JSON, "an empty payload, correctly signed"},
    };

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        ck_assert_reason(check(cases[i].token), cases[i].want, cases[i].why);
    }
}
END_TEST

/* ---- size ------------------------------------------------------------------- */

/* base64url length of n bytes */
#define B64LEN(n) (((n)*4 + 2) / 3)

/* A correctly signed token of exactly len characters. */
static char *token_of_length(apr_size_t len)
{
    apr_size_t fixed = B64LEN(strlen(HEADER)) + 1 + 1 + B64LEN(32);
    const char *prefix = "{\"pad\":\"", *suffix = "\",\"exp\":1}";

    for (apr_size_t spaces = 0; spaces < 3; spaces++) {
        for (apr_size_t n = 0; n < len; n++) {
            apr_size_t plen = strlen(prefix) + n + spaces + strlen(suffix);
            if (fixed + B64LEN(plen) == len) {
                char *pad = apr_palloc(unit_pool, n + 1);
                char *payload, *t;
                memset(pad, 'p', n);
                pad[n] = '\0';
                payload = apr_pstrcat(unit_pool, prefix, pad, suffix,
                                      spaces ? (spaces == 1 ? " " : "  ") : "", NULL);
                t = hs(HEADER, payload);
                ck_assert_uint_eq(strlen(t), len);
                return t;
            }
        }
    }
    ck_abort_msg("no token of length %zu", (size_t)len);
    return NULL;
}

START_TEST(format_size)
{
    char *huge = apr_palloc(unit_pool, 1 << 20);
    aj_jws_t jws;

    ck_assert_reason(check(token_of_length(AJ_TOKEN_MAX_LEN)), AJ_OK, "exactly 16 KiB");
    ck_assert_reason(check(token_of_length(AJ_TOKEN_MAX_LEN - 1)), AJ_OK, "one under 16 KiB");
    ck_assert_reason(check(token_of_length(AJ_TOKEN_MAX_LEN + 2)), AJ_R_TOO_LARGE, "16 KiB + 2");
    ck_assert_reason(check(token_of_length(AJ_TOKEN_MAX_LEN + 3)), AJ_R_TOO_LARGE, "16 KiB + 3");
    /* the bound comes before anything is read */
    memset(huge, '.', (1 << 20) - 1);
    huge[(1 << 20) - 1] = '\0';
    ck_assert_reason(check(huge), AJ_R_TOO_LARGE, "1 MiB of dots");
    ck_assert_reason(aj_jws_parse(&jws, unit_pool, huge, AJ_TOKEN_MAX_LEN + 1, UNIT_ALL_ALGS),
                     AJ_R_TOO_LARGE, "16 KiB + 1 of dots");
}
END_TEST

/* ---- header JSON ------------------------------------------------------------ */

static char *nested(const char *open, const char *close, int depth)
{
    char *s = "";
    for (int i = 0; i < depth; i++) {
        s = apr_pstrcat(unit_pool, s, open, NULL);
    }
    for (int i = 0; i < depth; i++) {
        s = apr_pstrcat(unit_pool, s, close, NULL);
    }
    return s;
}

static const struct {
    const char *header;
    aj_reason_e want;
    const char *why;
} header_cases[] = {
    {HEADER, AJ_OK, "a plain header"},
    {" " HEADER "\n", AJ_OK, "JSON whitespace around the object"},
    {"not json", AJ_R_HEADER_NOT_JSON, "not JSON"},
    {"", AJ_R_HEADER_NOT_JSON, "empty"},
    {" ", AJ_R_HEADER_NOT_JSON, "a space"},
    {"[\"alg\",\"HS256\"]", AJ_R_HEADER_NOT_OBJECT, "an array"},
    {"[" HEADER "]", AJ_R_HEADER_NOT_OBJECT, "the header inside an array"},
    {"\"HS256\"", AJ_R_HEADER_NOT_OBJECT, "a string"},
    {"42", AJ_R_HEADER_NOT_OBJECT, "a number"},
    {"null", AJ_R_HEADER_NOT_OBJECT, "null"},
    {"true", AJ_R_HEADER_NOT_OBJECT, "true"},
    /* duplicates: parsers that keep the first and the last member disagree */
    {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"alg\":\"none\"}", AJ_R_HEADER_DUPLICATE,
     "alg twice, none last"},
    {"{\"alg\":\"none\",\"alg\":\"HS256\",\"kid\":\"k1\"}", AJ_R_HEADER_DUPLICATE,
     "alg twice, none first"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"\\u0061lg\":\"none\"}", AJ_R_HEADER_DUPLICATE,
     "alg twice, once escaped"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"kid\":\"k2\"}", AJ_R_HEADER_DUPLICATE, "kid twice"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":{\"a\":1,\"a\":2}}", AJ_R_HEADER_DUPLICATE,
     "a duplicate inside a nested object"},
    {HEADER " {\"alg\":\"none\"}", AJ_R_HEADER_NOT_JSON, "two objects"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\",}", AJ_R_HEADER_NOT_JSON, "a trailing comma"},
    {"{'alg':'HS256','kid':'k1'}", AJ_R_HEADER_NOT_JSON, "single quotes"},
    {"{alg:\"HS256\",kid:\"k1\"}", AJ_R_HEADER_NOT_JSON, "bare member names"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\"/* c */}", AJ_R_HEADER_NOT_JSON, "a comment"},
    {"\xef\xbb\xbf" HEADER, AJ_R_HEADER_NOT_JSON, "a byte order mark"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":1e999}", AJ_R_HEADER_NOT_JSON,
     "a number out of range"},
    /* invalid UTF-8 and escapes */
    {"{\"alg\":\"HS256\",\"kid\":\"k\xff\"}", AJ_R_HEADER_NOT_JSON, "a 0xff byte"},
    {"{\"alg\":\"HS256\",\"kid\":\"k\xc0\xaf\"}", AJ_R_HEADER_NOT_JSON, "an overlong encoding"},
    {"{\"alg\":\"HS256\",\"kid\":\"k\xed\xa0\x80\"}", AJ_R_HEADER_NOT_JSON, "an encoded surrogate"},
    {"{\"alg\":\"HS256\",\"kid\":\"k\\ud800\"}", AJ_R_HEADER_NOT_JSON, "a lone surrogate escape"},
    {"{\"alg\":\"HS256\",\"kid\":\"k1\\u0000\"}", AJ_R_HEADER_NOT_JSON, "an escaped NUL"},
};

START_TEST(format_header_json)
{
    ck_assert_reason(check(hs(header_cases[_i].header, unit_claims)), header_cases[_i].want,
                     header_cases[_i].why);
}
END_TEST

START_TEST(format_header_depth)
{
    char *at_limit = apr_psprintf(unit_pool, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":%s}",
                                  nested("[", "]", AJ_JSON_MAX_DEPTH - 1));
    char *over = apr_psprintf(unit_pool, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":%s}",
                              nested("[", "]", AJ_JSON_MAX_DEPTH));
    char *in_string = apr_psprintf(unit_pool, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":\"%s\"}",
                                   nested("[", "", 100));
    char *escaped_quote = apr_psprintf(
        unit_pool, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":\"\\\"%s\"}", nested("{", "", 100));

    ck_assert_reason(check(hs(at_limit, unit_claims)), AJ_OK, "nesting exactly at the bound");
    ck_assert_reason(check(hs(over, unit_claims)), AJ_R_HEADER_TOO_DEEP, "one level more");
    ck_assert_reason(check(hs(in_string, unit_claims)), AJ_OK, "brackets inside a string");
    ck_assert_reason(check(hs(escaped_quote, unit_claims)), AJ_OK,
                     "brackets after an escaped quote");
}
END_TEST

/* ---- payload JSON (reached only with a good signature) ----------------------- */

static const struct {
    const char *payload;
    aj_reason_e want;
    const char *why;
} payload_cases[] = {
    {"{\"sub\":\"caf\xc3\xa9 \xf0\x9f\x94\x91\"}", AJ_OK, "valid multi-byte UTF-8"},
    {"not json", AJ_R_PAYLOAD_NOT_JSON, "not JSON"},
    {"", AJ_R_PAYLOAD_NOT_JSON, "empty"},
    {"[]", AJ_R_PAYLOAD_NOT_OBJECT, "an empty array"},
    {"[{\"sub\":\"x\"}]", AJ_R_PAYLOAD_NOT_OBJECT, "claims inside an array"},
    {"\"sub\"", AJ_R_PAYLOAD_NOT_OBJECT, "a string"},
    {"1", AJ_R_PAYLOAD_NOT_OBJECT, "a number"},
    {"null", AJ_R_PAYLOAD_NOT_OBJECT, "null"},
    {"{\"sub\":\"alice\",\"sub\":\"admin\"}", AJ_R_PAYLOAD_DUPLICATE, "sub twice"},
    {"{\"aud\":\"x\",\"\\u0061ud\":\"y\"}", AJ_R_PAYLOAD_DUPLICATE, "aud twice, once escaped"},
    {"{\"exp\":1,\"exp\":99999999999}", AJ_R_PAYLOAD_DUPLICATE, "exp twice"},
    {"{\"x\":{\"scope\":\"a\",\"scope\":\"b\"}}", AJ_R_PAYLOAD_DUPLICATE,
     "a duplicate in a nested object"},
    {"{\"sub\":\"x\",}", AJ_R_PAYLOAD_NOT_JSON, "a trailing comma"},
    {"{\"exp\":NaN}", AJ_R_PAYLOAD_NOT_JSON, "NaN"},
    {"{\"exp\":Infinity}", AJ_R_PAYLOAD_NOT_JSON, "Infinity"},
    {"{\"exp\":1e999}", AJ_R_PAYLOAD_NOT_JSON, "a real out of range"},
    /* jansson refuses integers beyond 64 bits: a valid JSON text, refused as not JSON */
    {"{\"exp\":100000000000000000000}", AJ_R_PAYLOAD_NOT_JSON, "an integer beyond 64 bits"},
    {"{\"sub\":\"a\\u0000b\"}", AJ_R_PAYLOAD_NOT_JSON, "an escaped NUL"},
    {"{\"sub\":\"\\udc00\"}", AJ_R_PAYLOAD_NOT_JSON, "a lone low surrogate escape"},
    {"{\"sub\":\"\xff\"}", AJ_R_PAYLOAD_UTF8, "a 0xff byte"},
    {"{\"sub\":\"\xc0\xaf\"}", AJ_R_PAYLOAD_UTF8, "an overlong '/'"},
    {"{\"sub\":\"\xed\xa0\x80\"}", AJ_R_PAYLOAD_UTF8, "an encoded surrogate"},
    {"{\"sub\":\"\xe2\x82\"}", AJ_R_PAYLOAD_UTF8, "a truncated sequence"},
    {"{\"sub\":\"\xf4\x90\x80\x80\"}", AJ_R_PAYLOAD_UTF8, "beyond U+10FFFF"},
    {"{\"s\xffub\":\"x\"}", AJ_R_PAYLOAD_UTF8, "invalid UTF-8 in a member name"},
};

START_TEST(format_payload_json)
{
    ck_assert_reason(check(hs(HEADER, payload_cases[_i].payload)), payload_cases[_i].want,
                     payload_cases[_i].why);
}
END_TEST

START_TEST(format_payload_depth)
{
    char *at_limit = apr_psprintf(unit_pool, "{\"x\":%s}", nested("[", "]", AJ_JSON_MAX_DEPTH - 1));
    char *over = apr_psprintf(unit_pool, "{\"x\":%s}", nested("[", "]", AJ_JSON_MAX_DEPTH));
    char *objects = "{\"a\":1}";
    char *bomb = apr_palloc(unit_pool, 100001);

    for (int i = 1; i <= AJ_JSON_MAX_DEPTH; i++) {
        objects = apr_psprintf(unit_pool, "{\"a\":%s}", objects);
    }
    memset(bomb, '[', 100000);
    bomb[100000] = '\0';
    ck_assert_reason(check(hs(HEADER, at_limit)), AJ_OK, "nesting exactly at the bound");
    ck_assert_reason(check(hs(HEADER, over)), AJ_R_PAYLOAD_TOO_DEEP, "one level more");
    ck_assert_reason(check(hs(HEADER, objects)), AJ_R_PAYLOAD_TOO_DEEP, "33 nested objects");
    ck_assert_reason(
        check(hs(HEADER, apr_psprintf(unit_pool, "{\"x\":\"%s\"}", nested("{", "", 200)))), AJ_OK,
        "braces inside a string");
    /* 100000 '[' make a token over 16 KiB: the depth rule is checked on the payload directly */
    {
        json_t *out;
        ck_assert_int_eq(aj_json_parse_object(&out, unit_pool, bomb, strlen(bomb)),
                         AJ_JSON_TOO_DEEP);
    }
}
END_TEST

/*
 * Raw NUL bytes in the decoded JSON: a C-string parser would stop at the NUL
 * and judge a different document than the one signed.
 */
static char *hs_raw(const char *header, apr_size_t hlen, const char *payload, apr_size_t plen)
{
    char *input =
        apr_pstrcat(unit_pool, aj_b64url_encode(unit_pool, (const unsigned char *)header, hlen),
                    ".", aj_b64url_encode(unit_pool, (const unsigned char *)payload, plen), NULL);
    unsigned char mac[32];
    size_t mac_len = 0;

    ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, unit_secret(32), 32,
                                    (const unsigned char *)input, strlen(input), mac, sizeof(mac),
                                    &mac_len));
    return apr_pstrcat(unit_pool, input, ".", aj_b64url_encode(unit_pool, mac, mac_len), NULL);
}

START_TEST(format_raw_nul)
{
    static const char header_tail[] = HEADER "\0{\"alg\":\"none\"}";
    static const char header_in_string[] = "{\"alg\":\"HS256\",\"kid\":\"k1\0\"}";
    static const char payload_tail[] = "{\"sub\":\"alice\"}\0{\"sub\":\"admin\"}";
    static const char payload_in_string[] = "{\"sub\":\"alice\0admin\"}";

    ck_assert_reason(check(hs_raw(HEADER, strlen(HEADER), "{}", 2)), AJ_OK,
                     "the raw builder works");
    ck_assert_reason(check(hs_raw(header_tail, sizeof(header_tail) - 1, "{}", 2)),
                     AJ_R_HEADER_NOT_JSON, "a second header after a NUL");
    ck_assert_reason(check(hs_raw(header_in_string, sizeof(header_in_string) - 1, "{}", 2)),
                     AJ_R_HEADER_NOT_JSON, "a NUL inside the kid");
    ck_assert_reason(check(hs_raw(HEADER, strlen(HEADER), payload_tail, sizeof(payload_tail) - 1)),
                     AJ_R_PAYLOAD_NOT_JSON, "a second claims set after a NUL");
    ck_assert_reason(
        check(hs_raw(HEADER, strlen(HEADER), payload_in_string, sizeof(payload_in_string) - 1)),
        AJ_R_PAYLOAD_NOT_JSON, "a NUL inside sub");
}
END_TEST

Suite *suite_attack_format(void)
{
    Suite *s = suite_create("attack_format");
    TCase *tc = tcase_create("format");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, format_base64_each_segment, 0, (int)UNIT_N(b64_cases));
    tcase_add_test(tc, format_nul_inside);
    tcase_add_test(tc, format_segments);
    tcase_add_test(tc, format_size);
    tcase_add_loop_test(tc, format_header_json, 0, (int)UNIT_N(header_cases));
    tcase_add_test(tc, format_header_depth);
    tcase_add_loop_test(tc, format_payload_json, 0, (int)UNIT_N(payload_cases));
    tcase_add_test(tc, format_payload_depth);
    tcase_add_test(tc, format_raw_nul);
    suite_add_tcase(s, tc);
    return s;
}
