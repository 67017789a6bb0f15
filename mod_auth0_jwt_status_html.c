/*
 * mod_auth0_jwt_status_html.c: the status report (mod_auth0_jwt_status.c) as
 * an HTML page, for a person with a browser.
 */
#include "mod_auth0_jwt_private.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "aj_json.h"
#include "mod_auth0_jwt_status_html.h"

static void html_value(request_rec *r, const json_t *v)
{
    char *text;

    if (json_is_string(v)) {
        ap_rputs(ap_escape_html(r->pool, json_string_value(v)), r);
        return;
    }
    text = aj_json_compact(r->pool, v);
    ap_rputs(ap_escape_html(r->pool, text ? text : ""), r);
}

static void html_object(request_rec *r, const json_t *obj)
{
    const char *k;
    json_t *v;

    ap_rputs("<table>\n", r);
    json_object_foreach((json_t *)obj, k, v)
    {
        ap_rvputs(r, "<tr><th>", ap_escape_html(r->pool, k), "</th><td>", NULL);
        if (json_is_object(v)) {
            html_object(r, v);
        } else if (json_is_array(v) && json_array_size(v) && json_is_object(json_array_get(v, 0))) {
            for (size_t i = 0; i < json_array_size(v); i++) {
                html_object(r, json_array_get(v, i));
            }
        } else {
            html_value(r, v);
        }
        ap_rputs("</td></tr>\n", r);
    }
    ap_rputs("</table>\n", r);
}

void auth0_jwt_status_html(request_rec *r, json_t *rep)
{
    ap_rputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
             "<title>mod_auth0_jwt status</title>"
             "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
             "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;"
             "vertical-align:top}</style></head><body>\n"
             "<h1>mod_auth0_jwt status</h1>\n",
             r);
    html_object(r, rep);
    ap_rputs("</body></html>\n", r);
}
