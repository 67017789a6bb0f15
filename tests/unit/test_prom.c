/*
 * test_prom.c: label values for Prometheus' text format (src/aj_prom.c). A key
 * source's path or URI goes into a label; whatever bytes it holds, the value
 * must stay inside its quotes and read back as the same string.
 */
#include <string.h>

#include "unit.h"
#include "aj_prom.h"

START_TEST(prom_label_plain_is_unchanged)
{
    ck_assert_str_eq(aj_prom_label(unit_pool, "https://tenant.auth0.com/.well-known/jwks.json"),
                     "https://tenant.auth0.com/.well-known/jwks.json");
    ck_assert_str_eq(aj_prom_label(unit_pool, ""), "");
    ck_assert_str_eq(aj_prom_label(unit_pool, NULL), "");
}
END_TEST

START_TEST(prom_label_escapes_quote_backslash_newline)
{
    ck_assert_str_eq(aj_prom_label(unit_pool, "a\"b"), "a\\\"b");
    ck_assert_str_eq(aj_prom_label(unit_pool, "a\\b"), "a\\\\b");
    ck_assert_str_eq(aj_prom_label(unit_pool, "a\nb"), "a\\nb");
    /* an injection attempt: close the quote, add a label, start a new sample */
    ck_assert_str_eq(aj_prom_label(unit_pool, "x\"} 1\nevil{a=\"\\"), "x\\\"} 1\\nevil{a=\\\"\\\\");
}
END_TEST

START_TEST(prom_label_never_leaves_a_bare_quote_or_newline)
{
    /* every byte value, in every position of a short string */
    char in[4];
    for (int c = 1; c < 256; c++) {
        in[0] = (char)c;
        in[1] = 'x';
        in[2] = (char)c;
        in[3] = '\0';
        const char *out = aj_prom_label(unit_pool, in);
        for (const char *o = out; *o; o++) {
            ck_assert_msg(*o != '\n', "byte 0x%02x: a raw newline", c);
            if (*o == '\\') {
                o++;
                ck_assert_msg(*o == '\\' || *o == '"' || *o == 'n', "byte 0x%02x: \\%c", c, *o);
            } else {
                ck_assert_msg(*o != '"', "byte 0x%02x: a bare quote", c);
            }
        }
    }
}
END_TEST

Suite *suite_prom(void)
{
    Suite *s = suite_create("prom");
    TCase *tc = tcase_create("label");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_test(tc, prom_label_plain_is_unchanged);
    tcase_add_test(tc, prom_label_escapes_quote_backslash_newline);
    tcase_add_test(tc, prom_label_never_leaves_a_bare_quote_or_newline);
    suite_add_tcase(s, tc);
    return s;
}
