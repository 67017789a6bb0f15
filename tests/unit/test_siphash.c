/*
 * test_siphash.c: the keyed function that names tokens in the caches
 * (src/aj_siphash.c) against the reference vectors, whole and in pieces, and
 * keyed: another key, or one more byte, gives another name.
 */
#include <string.h>

#include "unit.h"
#include "aj_siphash.h"

static char *vectors; /* the file, read into unit_pool by each test */

static const char *vector(int i)
{
    apr_size_t len;
    const char *line;

    if (vectors == NULL) {
        vectors = unit_source_file("tests/vectors/siphash/siphash-2-4-128.txt", &len);
        ck_assert_uint_eq(len, 64 * 33);
    }
    line = vectors + i * 33; /* 32 hex digits and a newline per line */
    ck_assert_int_eq(line[32], '\n');
    return line;
}

static void setup(void)
{
    unit_pool_setup();
    vectors = NULL;
}

static void hex16(char out[33], const unsigned char *b)
{
    for (int i = 0; i < 16; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
}

static unsigned char key[16], msg[64];

static void setup_inputs(void)
{
    for (int i = 0; i < 16; i++) {
        key[i] = (unsigned char)i;
    }
    for (int i = 0; i < 64; i++) {
        msg[i] = (unsigned char)i;
    }
}

START_TEST(siphash_reference_vectors)
{
    unsigned char out[16];
    char hex[33];

    setup_inputs();
    for (int n = 0; n < 64; n++) {
        aj_siphash128(out, key, msg, (size_t)n);
        hex16(hex, out);
        ck_assert_msg(strncmp(hex, vector(n), 32) == 0, "length %d: %s", n, hex);
    }
}
END_TEST

/* Fed in pieces of every size, including empty ones, the result is the same. */
START_TEST(siphash_streaming_equals_one_call)
{
    unsigned char out[16];
    char hex[33];

    setup_inputs();
    for (int n = 0; n < 64; n++) {
        for (size_t step = 1; step <= 9; step++) {
            aj_siphash_t s;
            aj_siphash_init(&s, key);
            for (size_t off = 0; off < (size_t)n; off += step) {
                size_t take = (size_t)n - off < step ? (size_t)n - off : step;
                aj_siphash_update(&s, msg + off, take);
                aj_siphash_update(&s, msg, 0);
            }
            aj_siphash_final(&s, out);
            hex16(hex, out);
            ck_assert_msg(strncmp(hex, vector(n), 32) == 0, "length %d step %zu", n, step);
        }
    }
}
END_TEST

/* Without the key nobody computes the name: one key bit changes it all. */
START_TEST(siphash_keyed)
{
    unsigned char a[16], b[16], other[16];

    setup_inputs();
    memcpy(other, key, 16);
    other[15] ^= 0x80;
    aj_siphash128(a, key, msg, 40);
    aj_siphash128(b, other, msg, 40);
    ck_assert(memcmp(a, b, 16) != 0);
    aj_siphash128(b, key, msg, 41);
    ck_assert(memcmp(a, b, 16) != 0);
}
END_TEST

Suite *suite_siphash(void)
{
    Suite *s = suite_create("siphash");
    TCase *tc = tcase_create("siphash");
    tcase_add_checked_fixture(tc, setup, unit_pool_teardown);
    tcase_add_test(tc, siphash_reference_vectors);
    tcase_add_test(tc, siphash_streaming_equals_one_call);
    tcase_add_test(tc, siphash_keyed);
    suite_add_tcase(s, tc);
    return s;
}
