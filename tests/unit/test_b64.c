/* test_b64.c: strict base64url, the first gate every token segment passes. */
#include <string.h>

#include "unit.h"
#include "aj_b64.h"

static const struct {
    const char *in;
    const char *out; /* NULL: must be refused */
    const char *why;
} cases[] = {
    {"", "", "empty segment decodes to nothing"},
    {"Zg", "f", "one byte, no padding"},
    {"Zm8", "fo", "two bytes, no padding"},
    {"Zm9v", "foo", "three bytes"},
    {"-_8", "\xfb\xff", "url-safe alphabet"},
    {"Zg==", NULL, "padding is not base64url"},
    {"Zm8=", NULL, "padding is not base64url"},
    {"+_8", NULL, "'+' belongs to standard base64"},
    {"-/8", NULL, "'/' belongs to standard base64"},
    {"Zm 9v", NULL, "embedded whitespace"},
    {"Zm9v\n", NULL, "trailing newline"},
    {"Z", NULL, "length 1 mod 4 cannot be an encoding"},
    {"Zh", NULL, "non-canonical trailing bits (1 byte)"},
    {"Zm9", NULL, "non-canonical trailing bits (2 bytes)"},
    {"Zm9v\x80", NULL, "non-ASCII byte"},
};

START_TEST(decode_table)
{
    unsigned char *out;
    apr_size_t len;
    int rv = aj_b64url_decode(&out, &len, unit_pool, cases[_i].in, strlen(cases[_i].in));

    if (cases[_i].out) {
        ck_assert_msg(rv == 0, "refused: %s", cases[_i].why);
        ck_assert_uint_eq(len, strlen(cases[_i].out));
        ck_assert_mem_eq(out, cases[_i].out, len);
    } else {
        ck_assert_msg(rv == -1, "accepted: %s", cases[_i].why);
        ck_assert_ptr_null(out);
    }
}
END_TEST

START_TEST(round_trip_every_length)
{
    unsigned char buf[64];
    for (size_t n = 0; n < sizeof(buf); n++) {
        unsigned char *out;
        apr_size_t len;
        buf[n] = (unsigned char)(n * 37 + 11);
        char *enc = aj_b64url_encode(unit_pool, buf, n);
        ck_assert_int_eq(aj_b64url_decode(&out, &len, unit_pool, enc, strlen(enc)), 0);
        ck_assert_uint_eq(len, n);
        ck_assert_mem_eq(out, buf, n);
    }
}
END_TEST

Suite *suite_b64(void)
{
    Suite *s = suite_create("b64");
    TCase *tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, decode_table, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, round_trip_every_length);
    suite_add_tcase(s, tc);
    return s;
}
