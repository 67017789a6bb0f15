/*
 * aj_prom.c: label values for Prometheus' text exposition format
 * (aj_prom.h).
 */
#include <apr_strings.h>

#include "aj_prom.h"

char *aj_prom_label(apr_pool_t *p, const char *value)
{
    apr_size_t extra = 0, len;
    const char *s;
    char *out, *o;

    if (value == NULL) {
        return apr_pstrdup(p, "");
    }
    for (s = value; *s; s++) {
        extra += *s == '\\' || *s == '"' || *s == '\n';
    }
    len = (apr_size_t)(s - value);
    out = o = apr_palloc(p, len + extra + 1);
    for (s = value; *s; s++) {
        if (*s == '\\' || *s == '"') {
            *o++ = '\\';
            *o++ = *s;
        } else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}
