/*
 * aj_json.c: strict JSON parsing with pool ownership.
 */
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
    if (j) {
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

aj_json_err_e aj_json_parse_object(json_t **out, apr_pool_t *p, const char *buf, apr_size_t len)
{
    json_error_t err;
    json_t *j;

    *out = NULL;
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
