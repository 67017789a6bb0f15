/* test_bearer.c: the token out of an Authorization header (docs/validation.md section 1, RFC 6750 2.1). */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static const struct {
    const char *value; /* the header value; NULL: no header */
    aj_reason_e want;
    const char *token; /* the token found, when want is AJ_OK */
    const char *why;
} cases[] = {
    {NULL, AJ_R_NO_TOKEN, NULL, "no Authorization header"},
    {"", AJ_R_NO_TOKEN, NULL, "empty header"},
    {"   ", AJ_R_NO_TOKEN, NULL, "blank header"},
    {"\t", AJ_R_NO_TOKEN, NULL, "a tab only"},
    {"Bearer", AJ_R_NO_TOKEN, NULL, "the scheme alone"},
    {"Bearer ", AJ_R_NO_TOKEN, NULL, "the scheme and a space"},
    {"Bearer     ", AJ_R_NO_TOKEN, NULL, "the scheme and spaces"},
    {"Basic xyz", AJ_R_NO_TOKEN, NULL, "another scheme is not ours"},
    {"Basic dXNlcjpwYXNz", AJ_R_NO_TOKEN, NULL, "HTTP basic credentials"},
    {"Bearerabc.def.ghi", AJ_R_NO_TOKEN, NULL, "no separator: another scheme name"},
    {"Bearer: abc.def.ghi", AJ_R_NO_TOKEN, NULL, "a colon after the scheme"},
    {"DPoP abc.def.ghi", AJ_R_NO_TOKEN, NULL, "DPoP-bound tokens are another scheme"},
    {"Bearer abc.def.ghi", AJ_OK, "abc.def.ghi", "the usual form"},
    {"bearer TOKEN", AJ_OK, "TOKEN", "scheme in lower case"},
    {"BEARER  TOKEN  ", AJ_OK, "TOKEN", "upper case, two spaces, trailing spaces"},
    {"BeArEr TOKEN", AJ_OK, "TOKEN", "scheme in mixed case"},
    {"Bearer TOKEN\t", AJ_OK, "TOKEN", "a trailing tab"},
    {"  Bearer TOKEN", AJ_OK, "TOKEN", "leading spaces before the scheme"},
    {"Bearer a-b_c.d~e+f/g", AJ_OK, "a-b_c.d~e+f/g", "every b64token punctuation character"},
    {"Bearer abc.def.ghi=", AJ_OK, "abc.def.ghi=", "'=' padding at the end"},
    {"Bearer abc==", AJ_OK, "abc==", "two '=' at the end"},
    {"Bearer invalidToken abc", AJ_R_HEADER_SYNTAX, NULL, "two words after the scheme"},
    {"Bearer TOKEN, Bearer OTHER", AJ_R_HEADER_SYNTAX, NULL, "two credentials in one header"},
    {"Bearer a,b", AJ_R_HEADER_SYNTAX, NULL, "a ',' inside the token"},
    {"Bearer a=b", AJ_R_HEADER_SYNTAX, NULL, "'=' anywhere but the end"},
    {"Bearer\tTOKEN", AJ_R_HEADER_SYNTAX, NULL, "a tab as the separator"},
    {"Bearer \tTOKEN", AJ_R_HEADER_SYNTAX, NULL, "a tab after the space"},
    {"Bearer \"TOKEN\"", AJ_R_HEADER_SYNTAX, NULL, "a quoted token"},
    {"Bearer TOK%2EEN", AJ_R_HEADER_SYNTAX, NULL, "percent-encoding is not b64token"},
    {"Bearer TOKEN;", AJ_R_HEADER_SYNTAX, NULL, "a trailing ';'"},
    {"Bearer TOKEN\r\nX-Injected: 1", AJ_R_HEADER_SYNTAX, NULL, "header injection after the token"},
    {"Bearer TO\x01KEN", AJ_R_HEADER_SYNTAX, NULL, "a control character"},
    {"Bearer t\xc3\xb6ken", AJ_R_HEADER_SYNTAX, NULL, "non-ASCII bytes"},
    {"Bearer token=abc", AJ_R_HEADER_SYNTAX, NULL, "auth-param syntax instead of a token"},
    /* RFC 6750: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    {"Bearer ====", AJ_R_HEADER_SYNTAX, NULL, "padding without a token before it"},
};

START_TEST(bearer_table)
{
    const char *token = (const char *)1;
    apr_size_t len = 99;
    aj_reason_e r = aj_bearer_parse(&token, &len, cases[_i].value);

    ck_assert_reason(r, cases[_i].want, cases[_i].why);
    if (r == AJ_OK) {
        ck_assert_uint_eq(len, strlen(cases[_i].token));
        ck_assert_mem_eq(token, cases[_i].token, len);
        /* the token points into the header value, nothing is copied */
        ck_assert(token >= cases[_i].value &&
                  token + len <= cases[_i].value + strlen(cases[_i].value));
    } else {
        ck_assert_ptr_null(token);
        ck_assert_uint_eq(len, 0);
    }
}
END_TEST

/*
 * aj_scheme_locate must agree with aj_bearer_parse wherever the parse says
 * yes or "no token", and may say yes only where the parse says "bad syntax"
 * (the caller then parses before anything else). Every row of the table, and
 * 20000 random header values from an alphabet that mixes token bytes,
 * whitespace, "=" and bytes no token may hold.
 */
static void agree(const char *value)
{
    const char *pt, *lt;
    apr_size_t pl, ll;
    aj_reason_e p = aj_bearer_parse(&pt, &pl, value);
    aj_reason_e l = aj_scheme_locate(&lt, &ll, value, "Bearer");

    if (p == AJ_OK || p == AJ_R_NO_TOKEN) {
        ck_assert_msg(l == p, "locate %d, parse %d for [%s]", l, p, value ? value : "(null)");
        ck_assert(p != AJ_OK || (lt == pt && ll == pl));
    } else {
        ck_assert_msg(l == AJ_OK || l == p, "locate %d, parse %d for [%s]", l, p, value);
    }
    if (l == AJ_OK) { /* what it located is never empty and never has edge whitespace */
        ck_assert_uint_gt(ll, 0);
        ck_assert(lt[0] != ' ' && lt[0] != '\t' && lt[ll - 1] != ' ' && lt[ll - 1] != '\t');
    }
}

START_TEST(locate_agrees_with_parse)
{
    static const char alphabet[] = "Bearer bearer \t=.-_~+/aZ09,;\"\\\x01\x7f\xc3\xa9";
    char value[40];
    unsigned int seed = 12345;

    agree(NULL);
    for (size_t i = 0; i < UNIT_N(cases); i++) {
        agree(cases[i].value);
    }
    for (int n = 0; n < 20000; n++) {
        size_t len = (size_t)(rand_r(&seed) % (sizeof(value) - 8)), start = 0;
        if (n % 2) { /* half of them start as a bearer token would */
            memcpy(value, "Bearer ", 7);
            start = 7;
        }
        if (len < start) {
            len = start;
        }
        for (size_t i = start; i < len; i++) {
            value[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
        }
        value[len] = '\0';
        agree(value);
    }
}
END_TEST

Suite *suite_bearer(void)
{
    Suite *s = suite_create("bearer");
    TCase *tc = tcase_create("header");
    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, bearer_table, 0, (int)UNIT_N(cases));
    tcase_add_test(tc, locate_agrees_with_parse);
    suite_add_tcase(s, tc);
    return s;
}
