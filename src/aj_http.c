/*
 * aj_http.c: incremental HTTP/1.1 response parsing.
 */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "aj_http.h"

typedef enum {
    S_HEAD,
    S_BODY_LENGTH,
    S_BODY_CLOSE,
    S_CHUNK_SIZE,
    S_CHUNK_DATA,
    S_CHUNK_CRLF,
    S_TRAILER,
    S_END
} state_e;

struct aj_http_parser {
    apr_pool_t *pool;
    state_e state;
    aj_http_result_e result; /* sticky once not MORE */
    apr_size_t max_body;
    /* head */
    char *head;
    apr_size_t head_len;
    int status;
    apr_table_t *headers;
    /* body */
    char *body;
    apr_size_t body_len;
    apr_size_t remaining; /* of Content-Length or of the current chunk */
    char line[64];        /* a chunk-size or trailer line being gathered */
    apr_size_t line_len;
    int interim; /* 1xx responses skipped so far */
};

/* 1xx interim responses (100 Continue, 103 Early Hints) skipped before the
 * final one; more than this is a peer playing games. */
#define MAX_INTERIM 4

aj_http_parser *aj_http_parser_make(apr_pool_t *p, apr_size_t max_body)
{
    aj_http_parser *hp = apr_pcalloc(p, sizeof(*hp));

    hp->pool = p;
    hp->max_body = max_body;
    hp->head = apr_palloc(p, AJ_HTTP_MAX_HEAD + 1);
    hp->body = apr_palloc(p, max_body + 1);
    hp->body[0] = '\0';
    hp->headers = apr_table_make(p, 8);
    return hp;
}

static aj_http_result_e fail(aj_http_parser *hp, aj_http_result_e r)
{
    hp->result = r;
    hp->state = S_END;
    return r;
}

/* A decimal number of at most 18 digits (no sign, no spaces); -1 if not. */
static apr_off_t parse_decimal(const char *s)
{
    apr_off_t v = 0;
    int n = 0;

    for (; *s; s++, n++) {
        if (!apr_isdigit(*s) || n >= 18) {
            return -1;
        }
        v = v * 10 + (*s - '0');
    }
    return n ? v : -1;
}

/* Parse the status line and header fields in hp->head (CRLF CRLF excluded). */
static aj_http_result_e parse_head(aj_http_parser *hp)
{
    char *line, *last, *colon, *v, *end;
    const char *te, *cl;
    apr_off_t length;

    hp->head[hp->head_len] = '\0';
    line = apr_strtok(hp->head, "\r\n", &last);
    /* "HTTP/1.x SSS reason": 1.0 and 1.1 both allowed. */
    if (line == NULL || strncmp(line, "HTTP/1.", 7) != 0 || !apr_isdigit(line[7]) ||
        line[8] != ' ' || !apr_isdigit(line[9]) || !apr_isdigit(line[10]) ||
        !apr_isdigit(line[11]) || (line[12] != ' ' && line[12] != '\0')) {
        return fail(hp, AJ_HTTP_ERR_SYNTAX);
    }
    hp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (hp->status < 100) {
        hp->status = 0;
        return fail(hp, AJ_HTTP_ERR_SYNTAX);
    }
    while ((line = apr_strtok(NULL, "\r\n", &last)) != NULL) {
        colon = strchr(line, ':');
        if (colon == NULL || colon == line || apr_isspace(line[0])) {
            return fail(hp, AJ_HTTP_ERR_SYNTAX); /* no obsolete line folding either */
        }
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {
        }
        for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--) {
        }
        *end = '\0';
        if ((strcasecmp(line, "Content-Length") == 0 ||
             strcasecmp(line, "Transfer-Encoding") == 0) &&
            apr_table_get(hp->headers, line)) {
            /* two lengths or two codings: a smuggling shape, never "the first wins" */
            return fail(hp, AJ_HTTP_ERR_SYNTAX);
        }
        apr_table_add(hp->headers, line, v);
    }
    te = apr_table_get(hp->headers, "Transfer-Encoding");
    cl = apr_table_get(hp->headers, "Content-Length");
    if (te) {
        if (strcasecmp(te, "chunked") != 0 || cl) {
            return fail(hp, AJ_HTTP_ERR_SYNTAX);
        }
        hp->state = S_CHUNK_SIZE;
    } else if (cl) {
        length = parse_decimal(cl);
        if (length < 0) {
            return fail(hp, AJ_HTTP_ERR_SYNTAX);
        }
        if ((apr_size_t)length > hp->max_body) {
            return fail(hp, AJ_HTTP_ERR_BODY_SIZE);
        }
        hp->remaining = (apr_size_t)length;
        hp->state = S_BODY_LENGTH;
    } else {
        hp->state = S_BODY_CLOSE;
    }
    if (hp->status >= 100 && hp->status < 200) {
        /* an interim response: the real one follows (101 would switch protocols) */
        if (hp->status == 101 || ++hp->interim > MAX_INTERIM) {
            return fail(hp, AJ_HTTP_ERR_SYNTAX);
        }
        hp->status = 0;
        hp->head_len = 0;
        apr_table_clear(hp->headers);
        hp->state = S_HEAD;
        return hp->result;
    }
    if (hp->status == 204 || hp->status == 304) {
        hp->state = S_END; /* no body by definition */
        hp->result = AJ_HTTP_DONE;
    }
    if (hp->state == S_BODY_LENGTH && hp->remaining == 0) {
        hp->state = S_END;
        hp->result = AJ_HTTP_DONE;
    }
    return hp->result;
}

/* Take bytes of head; returns how many were consumed. */
static apr_size_t feed_head(aj_http_parser *hp, const char *data, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (hp->head_len >= AJ_HTTP_MAX_HEAD) {
            fail(hp, AJ_HTTP_ERR_HEAD_SIZE);
            return i;
        }
        if (data[i] == '\0') {
            fail(hp, AJ_HTTP_ERR_SYNTAX); /* it would hide the header fields after it */
            return i;
        }
        hp->head[hp->head_len++] = data[i];
        if (hp->head_len >= 4 && memcmp(hp->head + hp->head_len - 4, "\r\n\r\n", 4) == 0) {
            hp->head_len -= 4;
            parse_head(hp);
            return i + 1;
        }
    }
    return len;
}

static int append_body(aj_http_parser *hp, const char *data, apr_size_t n)
{
    if (n > hp->max_body - hp->body_len) {
        fail(hp, AJ_HTTP_ERR_BODY_SIZE);
        return 0;
    }
    memcpy(hp->body + hp->body_len, data, n);
    hp->body_len += n;
    hp->body[hp->body_len] = '\0';
    return 1;
}

/* Take what is left of a counted stretch (Content-Length, or one chunk); bytes consumed. */
static apr_size_t take_counted(aj_http_parser *hp, const char *data, apr_size_t len)
{
    apr_size_t n = len < hp->remaining ? len : hp->remaining;

    if (!append_body(hp, data, n)) {
        return len; /* failed: the state is S_END now */
    }
    hp->remaining -= n;
    return n;
}

/* Gather one CRLF-terminated line of at most sizeof(hp->line) - 1 bytes; 1 when complete. */
static int gather_line(aj_http_parser *hp, char c)
{
    if (c == '\n') {
        if (hp->line_len == 0 || hp->line[hp->line_len - 1] != '\r') {
            fail(hp, AJ_HTTP_ERR_CHUNK);
            return 0;
        }
        hp->line[--hp->line_len] = '\0';
        return 1;
    }
    if (hp->line_len >= sizeof(hp->line) - 1) {
        fail(hp, AJ_HTTP_ERR_CHUNK);
        return 0;
    }
    hp->line[hp->line_len++] = c;
    return 0;
}

/* chunk-size [ ; ext ] in hex; -1 if malformed. */
static apr_off_t chunk_size(const char *line)
{
    apr_off_t v = 0;
    int n = 0;

    for (; apr_isxdigit(*line); line++, n++) {
        if (n >= 15) {
            return -1;
        }
        v = v * 16 + (apr_isdigit(*line) ? *line - '0' : (apr_tolower(*line) - 'a' + 10));
    }
    if (n == 0 || (*line != '\0' && *line != ';' && *line != ' ' && *line != '\t')) {
        return -1;
    }
    return v;
}

aj_http_result_e aj_http_feed(aj_http_parser *hp, const char *data, apr_size_t len)
{
    apr_size_t i = 0, n;
    apr_off_t size;

    while (i < len && hp->state != S_END) {
        switch (hp->state) {
        case S_HEAD:
            i += feed_head(hp, data + i, len - i);
            break;
        case S_BODY_LENGTH:
        case S_CHUNK_DATA:
            n = take_counted(hp, data + i, len - i);
            i += n;
            if (hp->remaining == 0 && hp->state == S_BODY_LENGTH) {
                hp->state = S_END;
                hp->result = AJ_HTTP_DONE;
            } else if (hp->remaining == 0 && hp->state == S_CHUNK_DATA) {
                hp->state = S_CHUNK_CRLF;
            }
            break;
        case S_BODY_CLOSE:
            if (append_body(hp, data + i, len - i)) {
                i = len;
            }
            break;
        case S_CHUNK_SIZE:
            if (gather_line(hp, data[i++])) {
                size = chunk_size(hp->line);
                hp->line_len = 0;
                if (size < 0) {
                    fail(hp, AJ_HTTP_ERR_CHUNK);
                } else if ((apr_size_t)size > hp->max_body - hp->body_len) {
                    fail(hp, AJ_HTTP_ERR_BODY_SIZE);
                } else {
                    hp->remaining = (apr_size_t)size;
                    hp->state = size ? S_CHUNK_DATA : S_TRAILER;
                }
            }
            break;
        case S_CHUNK_CRLF:
            if (gather_line(hp, data[i++])) {
                if (hp->line_len != 0) {
                    fail(hp, AJ_HTTP_ERR_CHUNK); /* final: the state stays S_END */
                    break;
                }
                hp->line_len = 0;
                hp->state = S_CHUNK_SIZE;
            }
            break;
        case S_TRAILER: /* trailer fields are read and ignored up to the empty line */
            if (gather_line(hp, data[i++])) {
                if (hp->line_len == 0) {
                    hp->state = S_END;
                    hp->result = AJ_HTTP_DONE;
                }
                hp->line_len = 0;
            }
            break;
        case S_END:
            break;
        }
    }
    return hp->result;
}

aj_http_result_e aj_http_eof(aj_http_parser *hp)
{
    if (hp->state == S_END) {
        return hp->result;
    }
    if (hp->state == S_BODY_CLOSE) {
        hp->state = S_END;
        return hp->result = AJ_HTTP_DONE;
    }
    return fail(hp, hp->state == S_HEAD && hp->head_len == 0 ? AJ_HTTP_ERR_SYNTAX
                                                             : AJ_HTTP_ERR_TRUNCATED);
}

int aj_http_head_done(const aj_http_parser *hp)
{
    return hp->status != 0;
}

int aj_http_status(const aj_http_parser *hp)
{
    return hp->status;
}

const char *aj_http_header(const aj_http_parser *hp, const char *name)
{
    return apr_table_get(hp->headers, name);
}

const char *aj_http_body(const aj_http_parser *hp, apr_size_t *len)
{
    *len = hp->body_len;
    return hp->body;
}

const char *aj_http_result_text(aj_http_result_e r)
{
    static const char *const text[] = {
        [AJ_HTTP_MORE] = "incomplete response",
        [AJ_HTTP_DONE] = "complete",
        [AJ_HTTP_ERR_SYNTAX] = "malformed HTTP response",
        [AJ_HTTP_ERR_HEAD_SIZE] = "response headers too large",
        [AJ_HTTP_ERR_BODY_SIZE] = "response body over the size limit",
        [AJ_HTTP_ERR_TRUNCATED] = "connection closed before the response ended",
        [AJ_HTTP_ERR_CHUNK] = "malformed chunked encoding",
    };
    return ((int)r >= 0 && r <= AJ_HTTP_ERR_CHUNK) ? text[r] : "unknown";
}
