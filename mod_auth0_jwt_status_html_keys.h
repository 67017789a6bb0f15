/*
 * mod_auth0_jwt_status_html_keys.h: the key-source part of the HTML status
 * page (mod_auth0_jwt_status_html.c draws the rest): a health line per source
 * and one table of its keys.
 */
#ifndef MOD_AUTH0_JWT_STATUS_HTML_KEYS_H
#define MOD_AUTH0_JWT_STATUS_HTML_KEYS_H

#include <httpd.h>
#include <jansson.h>

/*
 * A span of seconds as a person reads it: "42 s", "7 min", "2 h 5 min",
 * "3 d 4 h" (two units at most, a zero second unit left out). Negative
 * spans are drawn as 0 s.
 */
const char *auth0_jwt_html_duration(apr_pool_t *p, apr_int64_t seconds);

/* One section per entry of the report's key_sources array (docs/status.md):
 * its health badge and line, its failure if any, and a table of its keys.
 * Every text taken from the report is escaped. */
void auth0_jwt_status_html_sources(request_rec *r, const json_t *sources);

#endif
