/*
 * aj_json.h: the JSON rules every token part and key set must meet.
 *
 * Parsing is jansson's rules, with duplicate members refused, NUL in strings
 * refused, and nesting depth bounded before any parser sees the text. A fast
 * reader of our own takes the common case and gives up on anything else, which
 * jansson then reads. Every json_t handed
 * out here is owned by a pool: it is released when the pool is.
 */
#ifndef AJ_JSON_H
#define AJ_JSON_H

#include <apr_pools.h>
#include <jansson.h>

#define AJ_JSON_MAX_DEPTH 32

typedef enum {
    AJ_JSON_OK = 0,
    AJ_JSON_SYNTAX,     /* not JSON at all */
    AJ_JSON_NOT_OBJECT, /* JSON, but not an object */
    AJ_JSON_DUPLICATE,  /* an object has the same member twice */
    AJ_JSON_TOO_DEEP,   /* more than AJ_JSON_MAX_DEPTH nested arrays/objects */
    AJ_JSON_UTF8        /* invalid UTF-8 */
} aj_json_err_e;

/*
 * Parse len bytes that must hold exactly one JSON object. On success *out is
 * the object, owned by p (p NULL: a reference the caller owns); on failure
 * *out is NULL and the code says why.
 */
aj_json_err_e aj_json_parse_object(json_t **out, apr_pool_t *p, const char *buf, apr_size_t len);

/*
 * The fast reader alone: the object len bytes hold, built with jansson values
 * (the caller owns it), when the text is one object of objects, arrays,
 * strings (UTF-8, no \u escapes), integers of up to 18 digits, true, false and
 * null, with no member twice; else NULL, and jansson must decide. Whenever it
 * gives an object, json_loadb(JSON_REJECT_DUPLICATES) gives an equal one.
 * It gives up past AJ_JSON_MAX_DEPTH nested arrays and objects.
 */
json_t *aj_json_fast_object(const char *buf, apr_size_t len);

/*
 * The fast reader over one object's members, building only those picked:
 * pick(ctx, key, key_len) gives the slot a member's value goes to (a new
 * reference the caller then owns), or NULL to have the value only checked.
 * 1 when the whole text meets the fast reader's rules (as
 * aj_json_fast_object: then json_loadb(JSON_REJECT_DUPLICATES) gives an
 * object whose picked members equal the values given); 0 to give up, with
 * the values already put in slots still the caller's to release. At most 64
 * members, and no key twice.
 */
typedef json_t **(*aj_json_pick_fn)(void *ctx, const char *key, size_t key_len);
int aj_json_fast_pick(const char *buf, apr_size_t len, aj_json_pick_fn pick, void *ctx);

/* Whether n bytes at s are UTF-8 (no overlong forms, no surrogates). */
int aj_json_utf8_valid(const char *s, apr_size_t n);

/* Tie j to p: json_decref(j) runs when p is cleared or destroyed (p NULL:
 * nothing is tied). Returns j. */
json_t *aj_json_pool_own(apr_pool_t *p, json_t *j);

/* The string value of member key of obj, or NULL if absent or not a string. */
const char *aj_json_string(const json_t *obj, const char *key);

/* A JSON string of s, which may not be UTF-8 (a path from the configuration,
 * an error text): each byte that does not start a valid sequence becomes
 * U+FFFD, so the string is always made. */
json_t *aj_json_text(apr_pool_t *p, const char *s);

/* Serialize compactly into p (members in stored order). NULL on failure. */
char *aj_json_compact(apr_pool_t *p, const json_t *j);

#endif
