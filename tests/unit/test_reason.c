/*
 * test_reason.c: the refusal table every log line, response and counter reads.
 * Its descriptions go to clients in WWW-Authenticate, so they must stay within
 * what RFC 6750 3 allows in error_description.
 */
#include <string.h>

#include "unit.h"

START_TEST(reason_rows)
{
    const aj_reason_t *row = aj_reason((aj_reason_e)_i);
    const char *c;

    ck_assert_int_eq(row->code, _i);
    ck_assert_msg(row->name && *row->name, "code %d has no name", _i);
    ck_assert_msg(row->log && *row->log, "%s has no log text", row->name);
    ck_assert_msg(row->description && *row->description, "%s has no description", row->name);
    for (c = row->name; *c; c++) {
        ck_assert_msg((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_',
                      "name %s: '%c'", row->name, *c);
    }
    /* RFC 6750 3: error_description is %x20-21 / %x23-5B / %x5D-7E */
    for (c = row->description; *c; c++) {
        ck_assert_msg(*c >= 0x20 && *c <= 0x7e && *c != '"' && *c != '\\',
                      "%s: description byte 0x%02x", row->name, (unsigned char)*c);
    }
    ck_assert_int_eq(aj_reason_by_name(row->name), _i);
    ck_assert_str_eq(aj_reason_name((aj_reason_e)_i), row->name);
    ck_assert_str_eq(aj_reason_description((aj_reason_e)_i), row->description);
    /* names are unique */
    for (int j = 0; j < _i; j++) {
        ck_assert_str_ne(aj_reason_name((aj_reason_e)j), row->name);
    }
}
END_TEST

START_TEST(reason_out_of_range)
{
    ck_assert_str_eq(aj_reason_name(AJ_OK), "ok");
    ck_assert_str_eq(aj_reason_name(AJ_R__COUNT), "unknown");
    ck_assert_str_eq(aj_reason_name((aj_reason_e)-1), "unknown");
    ck_assert_str_eq(aj_reason_name((aj_reason_e)100000), "unknown");
    ck_assert_ptr_nonnull(aj_reason_description(AJ_R__COUNT));
    ck_assert_int_eq(aj_reason_by_name("no_such_reason"), AJ_R__COUNT);
    ck_assert_int_eq(aj_reason_by_name(""), AJ_R__COUNT);
    ck_assert_int_eq(aj_reason_by_name("EXPIRED"), AJ_R__COUNT);
}
END_TEST

Suite *suite_reason(void)
{
    Suite *s = suite_create("reason");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, reason_rows, 0, AJ_R__COUNT);
    tcase_add_test(tc, reason_out_of_range);
    suite_add_tcase(s, tc);
    return s;
}
