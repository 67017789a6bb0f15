/*
 * aj_json.c: strict JSON parsing with pool ownership.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "aj_json.h"

static apr_status_t json_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *aj_json_pool_own(apr_pool_t *p, json_t *j)
{
    if (j && p) {
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    }
    return j;
}

/*
 * Depth of the deepest array/object nesting, counted outside strings. Stops
 * early once the bound is passed, so hostile input costs one linear scan.
 */
static int nesting_exceeds(const char *buf, apr_size_t len, int max)
{
    int depth = 0, in_string = 0;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\') {
                i++; /* skip the escaped character */
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max) {
                return 1;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

/* ---- the fast path -----------------------------------------------------------
 *
 * A parser for the JSON that tokens hold in practice: objects, arrays,
 * strings (UTF-8, the short escapes), integers, true, false, null. It builds
 * jansson values directly, reading each byte once, about four times faster
 * than jansson's own reader. It only ever says yes to text jansson accepts,
 * with an equal value (tests/unit/test_json.c, the fuzz target json): on
 * anything else (a fraction or an exponent, a \u escape, a duplicate member,
 * any error at all) it gives up, and jansson reads the text again and has the
 * last word, error codes included.
 */
typedef struct {
    const unsigned char *p, *end;
} reader;

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) {
        r->p++;
    }
}

/* The length of the UTF-8 sequence at s (1 to 4), or 0 when it is not valid:
 * overlong forms, surrogates and code points past U+10FFFF are not. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned int c = s[0], cp;
    size_t n;

    if (c < 0x80) {
        return 1;
    }
    if (c < 0xc2 || c > 0xf4) {
        return 0;
    }
    n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if ((size_t)(end - s) < n) {
        return 0;
    }
    cp = c & (0x3fu >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

int aj_json_utf8_valid(const char *s, apr_size_t n)
{
    const unsigned char *at = (const unsigned char *)s, *end = at + n;

    while (at < end) {
        size_t k = utf8_len(at, end);
        if (k == 0) {
            return 0;
        }
        at += k;
    }
    return 1;
}

/*
 * Whether any of the 8 bytes in x needs a look of its own in a string: a
 * control character (below 0x20), a quote, a backslash, or a byte of a
 * multi-byte UTF-8 sequence (0x80 and up). Exact, with no false answer either
 * way: each test is the classic "some byte is zero" (or "below n", n <= 128)
 * on the word, and bytes with the high bit set are caught before they could
 * mislead the others.
 */
static int needs_look8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');

    return ((x & highs) | ((x - ones * 0x20) & ~x & highs) | ((quote - ones) & ~quote & highs) |
            ((backslash - ones) & ~backslash & highs)) != 0;
}

/* Whether any of the 8 bytes in x is a control character, a backslash or
 * 0x80 and up: the same exact tests as needs_look8, for a span known to
 * hold no quote. */
static int plain8_not(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t backslash = x ^ (ones * '\\');

    return ((x & highs) | ((x - ones * 0x20) & ~x & highs) |
            ((backslash - ones) & ~backslash & highs)) != 0;
}

/* The common string, with no escape and only printable ASCII: up to its
 * closing quote (found by memchr), copied in one go. 0 when it is not one
 * (nothing read then: read_string takes it byte by byte). */
static int plain_string(reader *r, char *buf, size_t *len)
{
    const unsigned char *q = memchr(r->p, '"', (size_t)(r->end - r->p)), *s = r->p;

    if (q == NULL) {
        return 0;
    }
    for (; q - s >= 8; s += 8) {
        uint64_t x;
        memcpy(&x, s, 8);
        if (plain8_not(x)) {
            return 0;
        }
    }
    for (; s < q; s++) {
        if (*s < 0x20 || *s >= 0x80 || *s == '\\') {
            return 0;
        }
    }
    *len = (size_t)(q - r->p);
    memcpy(buf, r->p, *len);
    r->p = q + 1;
    return 1;
}

/* A string after its opening quote: its bytes (unescaped) into buf, of size
 * at least the text left, and their length into *len. 0 to give up. */
static int read_string(reader *r, char *buf, size_t *len)
{
    size_t n = 0;

    if (plain_string(r, buf, len)) {
        return 1;
    }

    while (r->p < r->end) {
        unsigned char c;
        /* plain ASCII goes eight bytes at a time; the rest one by one */
        while (r->end - r->p >= 8) {
            uint64_t x;
            memcpy(&x, r->p, 8);
            if (needs_look8(x)) {
                break;
            }
            memcpy(buf + n, r->p, 8);
            n += 8;
            r->p += 8;
        }
        if (r->p >= r->end) {
            break;
        }
        c = *r->p;
        if (c == '"') {
            r->p++;
            *len = n;
            return 1;
        }
        if (c < 0x20) {
            return 0; /* control characters are never in a JSON string */
        }
        if (c == '\\') {
            static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
            const char *e;
            if (r->p + 1 >= r->end || (e = memchr(esc_in, r->p[1], 8)) == NULL || r->p[1] == 0) {
                return 0; /* \u and anything else: jansson's */
            }
            buf[n++] = esc_out[e - esc_in];
            r->p += 2;
        } else if (c < 0x80) {
            buf[n++] = (char)c;
            r->p++;
        } else {
            size_t k = utf8_len(r->p, r->end);
            if (k == 0) {
                return 0;
            }
            memcpy(buf + n, r->p, k);
            n += k;
            r->p += k;
        }
    }
    return 0;
}

/* An integer as jansson reads one: -?(0|[1-9][0-9]*), no fraction, no exponent,
 * within 18 digits (far inside json_int_t), into *out. 0 to give up. */
static int scan_integer(reader *r, json_int_t *out)
{
    int neg = 0, digits = 0;
    json_int_t v = 0;

    if (*r->p == '-') {
        neg = 1;
        r->p++;
    }
    if (r->p >= r->end || *r->p < '0' || *r->p > '9' ||
        (*r->p == '0' && r->p + 1 < r->end && r->p[1] >= '0' && r->p[1] <= '9')) {
        return 0;
    }
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        if (++digits > 18) {
            return 0;
        }
        v = v * 10 + (*r->p++ - '0');
    }
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E')) {
        return 0; /* a real: jansson's */
    }
    *out = neg ? -v : v;
    return 1;
}

static json_t *read_integer(reader *r)
{
    json_int_t v;

    return scan_integer(r, &v) ? json_integer(v) : NULL;
}

static json_t *read_value(reader *r, char *buf, int depth);

static int literal(reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) >= n && memcmp(r->p, word, n) == 0) {
        r->p += n;
        return 1;
    }
    return 0;
}

/* What follows a member or an element in a container closed by closer. */
enum { ITEM_BAD, ITEM_NEXT, ITEM_CLOSED };

/* After an item: ITEM_NEXT past a comma (and the whitespace after it),
 * ITEM_CLOSED past the closer, else ITEM_BAD. */
static int after_item(reader *r, unsigned char closer)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
        r->p++;
        skip_ws(r);
        return ITEM_NEXT;
    }
    if (r->p < r->end && *r->p == closer) {
        r->p++;
        return ITEM_CLOSED;
    }
    return ITEM_BAD;
}

/* At a container's start: 1 when it closes at once (then past the closer). */
static int empty_container(reader *r, unsigned char closer)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == closer) {
        r->p++;
        return 1;
    }
    return 0;
}

/* A member's key (unescaped into buf, its length into *len) and the colon
 * after it, with the whitespace after the colon. 0 to give up. */
static int read_key(reader *r, char *buf, size_t *len)
{
    if (r->p >= r->end || *r->p != '"') {
        return 0;
    }
    r->p++;
    if (!read_string(r, buf, len)) {
        return 0;
    }
    skip_ws(r);
    if (r->p >= r->end || *r->p != ':') {
        return 0;
    }
    r->p++;
    skip_ws(r);
    return 1;
}

static json_t *read_object(reader *r, char *buf, int depth)
{
    json_t *obj = json_object();
    size_t klen;
    int next;

    if (empty_container(r, '}')) {
        return obj;
    }
    while (obj) {
        json_t *v;
        size_t before = json_object_size(obj);
        char *key = buf;
        if (!read_key(r, key, &klen)) {
            break;
        }
        /* the key is in buf: the value is read into the space after it */
        if ((v = read_value(r, buf + klen, depth)) == NULL ||
            json_object_setn_new_nocheck(obj, key, klen, v) != 0 ||
            json_object_size(obj) != before + 1) {
            break; /* (a duplicate member replaced the first: jansson says so) */
        }
        if ((next = after_item(r, '}')) != ITEM_NEXT) {
            if (next == ITEM_CLOSED) {
                return obj;
            }
            break;
        }
    }
    json_decref(obj);
    return NULL;
}

static json_t *read_array(reader *r, char *buf, int depth)
{
    json_t *arr = json_array();
    int next;

    if (empty_container(r, ']')) {
        return arr;
    }
    while (arr) {
        json_t *v = read_value(r, buf, depth);
        if (v == NULL || json_array_append_new(arr, v) != 0) {
            break;
        }
        if ((next = after_item(r, ']')) != ITEM_NEXT) {
            if (next == ITEM_CLOSED) {
                return arr;
            }
            break;
        }
    }
    json_decref(arr);
    return NULL;
}

/* One value at r (whitespace before it skipped), inside depth containers; buf
 * has room for every string the rest of the text can hold. Past
 * AJ_JSON_MAX_DEPTH it gives up (the caller's depth rule then answers). */
static json_t *read_value(reader *r, char *buf, int depth)
{
    size_t n;

    if (r->p >= r->end) {
        return NULL;
    }
    switch (*r->p) {
    case '{':
        r->p++;
        return depth < AJ_JSON_MAX_DEPTH ? read_object(r, buf, depth + 1) : NULL;
    case '[':
        r->p++;
        return depth < AJ_JSON_MAX_DEPTH ? read_array(r, buf, depth + 1) : NULL;
    case '"':
        r->p++;
        return read_string(r, buf, &n) ? json_stringn_nocheck(buf, n) : NULL;
    case 't':
        return literal(r, "true", 4) ? json_true() : NULL;
    case 'f':
        return literal(r, "false", 5) ? json_false() : NULL;
    case 'n':
        return literal(r, "null", 4) ? json_null() : NULL;
    default:
        return read_integer(r);
    }
}

/*
 * A value checked by the same rules as read_value without building it, for a
 * member nobody picked. An object is still built and let go: its no-member-
 * twice rule is jansson's table's to check. 0 to give up.
 */
static int skip_value(reader *r, char *buf, int depth)
{
    json_int_t i;
    json_t *v;
    size_t n;
    int next;

    if (r->p >= r->end) {
        return 0;
    }
    switch (*r->p) {
    case '{':
        if ((v = read_value(r, buf, depth)) == NULL) {
            return 0;
        }
        json_decref(v);
        return 1;
    case '[':
        r->p++;
        if (depth >= AJ_JSON_MAX_DEPTH) {
            return 0;
        }
        if (empty_container(r, ']')) {
            return 1;
        }
        do {
            if (!skip_value(r, buf, depth + 1)) {
                return 0;
            }
        } while ((next = after_item(r, ']')) == ITEM_NEXT);
        return next == ITEM_CLOSED;
    case '"':
        r->p++;
        return read_string(r, buf, &n);
    case 't':
        return literal(r, "true", 4);
    case 'f':
        return literal(r, "false", 5);
    case 'n':
        return literal(r, "null", 4);
    default:
        return scan_integer(r, &i);
    }
}

json_t *aj_json_fast_object(const char *buf, apr_size_t len)
{
    reader r = {(const unsigned char *)buf, (const unsigned char *)buf + len};
    char stack[2048], *space = len < sizeof(stack) ? stack : malloc(len + 1);
    json_t *obj = NULL;

    if (space == NULL) {
        return NULL;
    }
    skip_ws(&r);
    if (r.p < r.end && *r.p == '{') {
        r.p++;
        obj = read_object(&r, space, 1);
        skip_ws(&r);
        if (obj && r.p != r.end) { /* only whitespace may follow */
            json_decref(obj);
            obj = NULL;
        }
    }
    if (space != stack) {
        free(space);
    }
    return obj;
}

/*
 * The top level of an object, picking members: each member's key goes to
 * pick, and the value of a member it gives a slot for is built into that
 * slot (a new reference); any other member's value is only read. Every rule
 * of aj_json_fast_object holds for the whole text, and no key may come twice
 * (compared as unescaped bytes, as jansson compares them).
 */
#define PICK_MAX_MEMBERS 64

typedef struct {
    size_t off, len; /* of a key, in the reader's space */
} key_span;

static int key_seen(const char *space, const key_span *keys, int n, const char *key, size_t len)
{
    for (int i = 0; i < n; i++) {
        if (keys[i].len == len && memcmp(space + keys[i].off, key, len) == 0) {
            return 1;
        }
    }
    return 0;
}

static int pick_members(reader *r, char *space, aj_json_pick_fn pick, void *ctx)
{
    key_span keys[PICK_MAX_MEMBERS];
    int n = 0;
    size_t used = 0; /* keys so far, one after another at the start of space */

    int next;

    if (empty_container(r, '}')) {
        return 1;
    }
    do {
        json_t **slot, *v;
        char *key = space + used;
        size_t klen;
        if (n == PICK_MAX_MEMBERS || !read_key(r, key, &klen) ||
            key_seen(space, keys, n, key, klen)) {
            return 0; /* (a member twice: jansson says which error) */
        }
        keys[n].off = used;
        keys[n++].len = klen;
        used += klen;
        /* a value's strings go after the keys; a value not picked is only
         * checked (skip_value holds read_value's every rule) */
        if ((slot = pick(ctx, key, klen)) == NULL) {
            if (!skip_value(r, space + used, 1)) {
                return 0;
            }
        } else if ((v = read_value(r, space + used, 1)) == NULL) {
            return 0;
        } else {
            *slot = v;
        }
    } while ((next = after_item(r, '}')) == ITEM_NEXT);
    return next == ITEM_CLOSED;
}

int aj_json_fast_pick(const char *buf, apr_size_t len, aj_json_pick_fn pick, void *ctx)
{
    reader r = {(const unsigned char *)buf, (const unsigned char *)buf + len};
    char stack[2048], *space = len < sizeof(stack) ? stack : malloc(len + 1);
    int ok = 0;

    if (space == NULL) {
        return 0;
    }
    skip_ws(&r);
    if (r.p < r.end && *r.p == '{') {
        r.p++;
        ok = pick_members(&r, space, pick, ctx);
        skip_ws(&r);
        ok = ok && r.p == r.end; /* only whitespace may follow */
    }
    if (space != stack) {
        free(space);
    }
    return ok;
}

aj_json_err_e aj_json_parse_object(json_t **out, apr_pool_t *p, const char *buf, apr_size_t len)
{
    json_error_t err;
    json_t *j;

    memset(&err, 0, sizeof(err)); /* out of memory, jansson may leave it unset */
    *out = NULL;
    /* (an object the fast reader takes is within the depth bound: it counts) */
    if ((j = aj_json_fast_object(buf, len)) != NULL) {
        *out = aj_json_pool_own(p, j);
        return AJ_JSON_OK;
    }
    if (nesting_exceeds(buf, len, AJ_JSON_MAX_DEPTH)) {
        return AJ_JSON_TOO_DEEP;
    }
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (j == NULL) {
        switch (json_error_code(&err)) {
        case json_error_duplicate_key:
            return AJ_JSON_DUPLICATE;
        case json_error_invalid_utf8:
            return AJ_JSON_UTF8;
        default:
            return AJ_JSON_SYNTAX;
        }
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return AJ_JSON_NOT_OBJECT;
    }
    *out = aj_json_pool_own(p, j);
    return AJ_JSON_OK;
}

const char *aj_json_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

char *aj_json_compact(apr_pool_t *p, const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    char *copy;

    if (s == NULL) {
        return NULL;
    }
    copy = apr_pstrdup(p, s);
    free(s);
    return copy;
}

json_t *aj_json_text(apr_pool_t *p, const char *s)
{
    const unsigned char *in = (const unsigned char *)s, *end = in + strlen(s);
    char *out = apr_palloc(p, 3 * (size_t)(end - in) + 1), *o = out;

    while (in < end) {
        size_t n = utf8_len(in, end);
        if (n == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            in++;
            continue;
        }
        memcpy(o, in, n);
        o += n;
        in += n;
    }
    *o = '\0';
    return json_string(out);
}
