/*
 * test_http.c: the key fetcher's HTTP/1.1 response parser (src/aj_http.c) on
 * the shapes a hostile or broken key host (or whoever sits between) may send:
 * interim responses, smuggling shapes, bytes that hide headers. Each response
 * is fed whole and then byte by byte: both must agree.
 */
#include <string.h>

#include "unit.h"
#include "aj_http.h"

#define JWKS "{\"keys\":[]}"

static const struct {
    const char *raw;
    apr_size_t len; /* 0: strlen(raw) */
    int eof;        /* the peer closes cleanly after the bytes */
    aj_http_result_e want;
    int status;       /* expected, when want is DONE */
    const char *body; /* expected, when want is DONE */
    const char *why;
} cases[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" JWKS, 0, 0, AJ_HTTP_DONE, 200, JWKS,
     "Content-Length"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n" JWKS "\r\n0\r\n\r\n", 0, 0,
     AJ_HTTP_DONE, 200, JWKS, "chunked"},
    {"HTTP/1.1 200 OK\r\n\r\n" JWKS, 0, 1, AJ_HTTP_DONE, 200, JWKS,
     "close-delimited, closed cleanly"},
    /* interim responses are skipped */
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" JWKS, 0, 0,
     AJ_HTTP_DONE, 200, JWKS, "100 Continue, then the response"},
    {"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" JWKS,
     0, 0, AJ_HTTP_DONE, 200, JWKS, "103 Early Hints: its headers are not the response's"},
    {"HTTP/1.1 103 Early Hints\r\nContent-Length: 3\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" JWKS,
     0, 0, AJ_HTTP_DONE, 200, JWKS, "a Content-Length on an interim response counts for nothing"},
    {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0, 0, AJ_HTTP_ERR_SYNTAX, 0, NULL,
     "101: no protocol switch for a key fetch"},
    {"HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 B\r\n\r\nHTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 D\r\n\r\n"
     "HTTP/1.1 100 E\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" JWKS,
     0, 0, AJ_HTTP_ERR_SYNTAX, 0, NULL, "endless interim responses"},
    {"HTTP/1.1 100 Continue\r\n\r\n", 0, 1, AJ_HTTP_ERR_SYNTAX, 0, NULL,
     "closed after an interim response: no response at all"},
    /* smuggling shapes: never "the first one wins" */
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"
     "b\r\n" JWKS "\r\n0\r\n\r\n",
     0, 0, AJ_HTTP_ERR_SYNTAX, 0, NULL, "two Transfer-Encoding fields"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n"
     "b\r\n" JWKS "\r\n0\r\n\r\n",
     0, 0, AJ_HTTP_ERR_SYNTAX, 0, NULL, "two Transfer-Encoding fields, even equal ones"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nContent-Length: 11\r\n\r\n" JWKS, 0, 0,
     AJ_HTTP_ERR_SYNTAX, 0, NULL, "two Content-Length fields"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 11\r\n\r\n" JWKS, 0, 0,
     AJ_HTTP_ERR_SYNTAX, 0, NULL, "chunked and a length"},
    /* a NUL would end the header block early for a C string parser */
    {"HTTP/1.1 200 OK\r\nX-A: a\0b\r\nTransfer-Encoding: chunked\r\nContent-Length: "
     "11\r\n\r\n" JWKS,
     sizeof("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nTransfer-Encoding: chunked\r\nContent-Length: "
            "11\r\n\r\n" JWKS) -
         1,
     0, AJ_HTTP_ERR_SYNTAX, 0, NULL, "a NUL hiding a Transfer-Encoding after it"},
    {"HTTP/1.1 200 OK\0\r\nContent-Length: 11\r\n\r\n" JWKS,
     sizeof("HTTP/1.1 200 OK\0\r\nContent-Length: 11\r\n\r\n" JWKS) - 1, 0, AJ_HTTP_ERR_SYNTAX, 0,
     NULL, "a NUL in the status line"},
    /* truncation */
    {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"keys\"", 0, 1, AJ_HTTP_ERR_TRUNCATED, 0, NULL,
     "closed before Content-Length was reached"},
};

static aj_http_result_e run(aj_http_parser *hp, const char *raw, apr_size_t len, int eof,
                            int bytewise)
{
    aj_http_result_e r = AJ_HTTP_MORE;

    if (bytewise) {
        for (apr_size_t i = 0; i < len && r == AJ_HTTP_MORE; i++) {
            r = aj_http_feed(hp, raw + i, 1);
        }
    } else {
        r = aj_http_feed(hp, raw, len);
    }
    if (r == AJ_HTTP_MORE && eof) {
        r = aj_http_eof(hp);
    }
    return r;
}

START_TEST(http_table)
{
    apr_size_t len = cases[_i].len ? cases[_i].len : strlen(cases[_i].raw);

    for (int bytewise = 0; bytewise <= 1; bytewise++) {
        aj_http_parser *hp = aj_http_parser_make(unit_pool, 1 << 20);
        aj_http_result_e r = run(hp, cases[_i].raw, len, cases[_i].eof, bytewise);
        ck_assert_msg(r == cases[_i].want, "%s (%s): got %s, want %s", cases[_i].why,
                      bytewise ? "byte by byte" : "whole", aj_http_result_text(r),
                      aj_http_result_text(cases[_i].want));
        if (r == AJ_HTTP_DONE) {
            apr_size_t blen;
            const char *body = aj_http_body(hp, &blen);
            ck_assert_int_eq(aj_http_status(hp), cases[_i].status);
            ck_assert_str_eq(body, cases[_i].body);
            ck_assert_ptr_null(aj_http_header(hp, "Link")); /* an interim response's */
        }
    }
}
END_TEST

Suite *suite_http(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("responses");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_add_loop_test(tc, http_table, 0, (int)UNIT_N(cases));
    suite_add_tcase(s, tc);
    return s;
}
