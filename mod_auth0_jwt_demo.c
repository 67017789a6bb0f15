/*
 * mod_auth0_jwt_demo.c: `SetHandler auth0-demo`, the three endpoints of Auth0's
 * API quickstart with their exact bodies. Authentication is not done here: the
 * handler only answers, whatever <Location> rules protect it.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "mod_auth0_jwt_demo.h"
#include "mod_auth0_jwt_request.h"

#define DEMO_ALLOW "GET, HEAD, OPTIONS"

static const struct {
    const char *suffix;
    const char *body;
} endpoints[] = {
    {"/api/public", "{\"message\":\"Hello from a public endpoint! You don't need to be "
                    "authenticated to see this.\"}"},
    {"/api/private", "{\"message\":\"Hello from a private endpoint! You need to be "
                     "authenticated to see this.\"}"},
    {"/api/private-scoped", "{\"message\":\"Hello from a private endpoint! You need to be "
                            "authenticated and have a scope of read:messages to see this.\"}"},
};

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int auth0_jwt_demo_handler(request_rec *r)
{
    const char *body = NULL;
    size_t i;

    if (!r->handler || strcmp(r->handler, "auth0-demo") != 0) {
        return DECLINED;
    }
    for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
        if (ends_with(r->uri, endpoints[i].suffix)) {
            body = endpoints[i].body;
            break;
        }
    }
    if (body == NULL) {
        return auth0_jwt_send_json(r, HTTP_NOT_FOUND,
                                   "{\"error\":\"not_found\","
                                   "\"error_description\":\"No such endpoint\"}");
    }
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", DEMO_ALLOW);
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    if (r->method_number != M_GET) { /* HEAD arrives as M_GET with r->header_only */
        apr_table_setn(r->headers_out, "Allow", DEMO_ALLOW);
        return auth0_jwt_send_json(r, HTTP_METHOD_NOT_ALLOWED,
                                   "{\"error\":\"method_not_allowed\","
                                   "\"error_description\":\"Allowed methods: " DEMO_ALLOW "\"}");
    }
    return auth0_jwt_send_json(r, HTTP_OK, body);
}
