/*
 * aj_http.h: an incremental parser for one HTTP/1.1 response, as the JWKS
 * fetcher reads it: status line, headers, then a body delimited by
 * Content-Length, chunked transfer coding, or the end of the connection.
 *
 * Bytes go in as they arrive, in pieces of any size; the parser never reads
 * past what it is given and never buffers more than AJ_HTTP_MAX_HEAD bytes of
 * head or max_body bytes of body. It has no I/O, so it can be fuzzed alone.
 */
#ifndef AJ_HTTP_H
#define AJ_HTTP_H

#include <apr_pools.h>

#define AJ_HTTP_MAX_HEAD 16384

typedef enum {
    AJ_HTTP_MORE = 0,      /* give more bytes (or aj_http_eof) */
    AJ_HTTP_DONE,          /* the response is complete */
    AJ_HTTP_ERR_SYNTAX,    /* not an HTTP/1.x response */
    AJ_HTTP_ERR_HEAD_SIZE, /* status line + headers over AJ_HTTP_MAX_HEAD */
    AJ_HTTP_ERR_BODY_SIZE, /* body over max_body */
    AJ_HTTP_ERR_TRUNCATED, /* the connection ended before the body did */
    AJ_HTTP_ERR_CHUNK      /* malformed chunked coding */
} aj_http_result_e;

typedef struct aj_http_parser aj_http_parser;

/* A parser for one response whose body may be at most max_body bytes. */
aj_http_parser *aj_http_parser_make(apr_pool_t *p, apr_size_t max_body);

/*
 * Feed len bytes. Returns AJ_HTTP_MORE until the response is complete
 * (AJ_HTTP_DONE) or broken (an error). After DONE or an error, further
 * calls return the same result.
 */
aj_http_result_e aj_http_feed(aj_http_parser *hp, const char *data, apr_size_t len);

/*
 * The peer closed the connection cleanly (for TLS: close_notify): DONE for a
 * close-delimited body, else an error. An unclean end is never a clean close:
 * the caller reports AJ_HTTP_ERR_TRUNCATED without asking the parser.
 */
aj_http_result_e aj_http_eof(aj_http_parser *hp);

/* Whether the status line and headers have been read. */
int aj_http_head_done(const aj_http_parser *hp);

/* Status code (0 before the head is read). */
int aj_http_status(const aj_http_parser *hp);

/* A response header (case-insensitive name), or NULL. */
const char *aj_http_header(const aj_http_parser *hp, const char *name);

/* The body so far (NUL-terminated). */
const char *aj_http_body(const aj_http_parser *hp, apr_size_t *len);

/* A short text for a result code. */
const char *aj_http_result_text(aj_http_result_e r);

#endif
