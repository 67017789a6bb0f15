/*
 * mod_auth0_jwt_status_html.h: the status report (a jansson object made by
 * mod_auth0_jwt_status.c, fields in docs/status.md) as an HTML page. It
 * writes the body only: the handler has set the status, the headers and the
 * content type.
 */
#ifndef MOD_AUTH0_JWT_STATUS_HTML_H
#define MOD_AUTH0_JWT_STATUS_HTML_H

#include <httpd.h>
#include <jansson.h>

/* An HTML page for a person (mod_auth0_jwt_status_html.c). */
void auth0_jwt_status_html(request_rec *r, json_t *rep);

#endif
