/*
 * aj_require.c: splitting require lines into words.
 */
#include <string.h>

#include "aj_require.h"

apr_array_header_t *aj_require_words(apr_pool_t *p, const char *line, const char **err)
{
    apr_array_header_t *words = apr_array_make(p, 4, sizeof(const char *));
    size_t n = strlen(line);
    char *buf = apr_palloc(p, n + 1), *o;

    *err = NULL;
    while (*line) {
        while (*line == ' ' || *line == '\t') {
            line++;
        }
        if (*line == '\0') {
            break;
        }
        o = buf;
        if (*line == '"' || *line == '\'') {
            char q = *line++;
            while (*line && *line != q) {
                if (*line == '\\' && line[1]) {
                    line++;
                }
                *o++ = *line++;
            }
            if (*line != q) {
                *err = "a quoted word is not closed";
                return NULL;
            }
            line++;
        } else {
            while (*line && *line != ' ' && *line != '\t') {
                *o++ = *line++;
            }
        }
        *o++ = '\0';
        APR_ARRAY_PUSH(words, const char *) = buf;
        buf = o;
    }
    return words;
}
