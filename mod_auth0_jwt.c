/*
 * mod_auth0_jwt.c: the httpd module. Reads top to bottom in the order httpd
 * meets it: helpers shared by the glue, hook registration, the module record.
 */
#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "mod_auth0_jwt.h"

int auth0_jwt_send_json(request_rec *r, int status, const char *json)
{
    apr_size_t len = strlen(json);

    r->status = status;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(json, (int)len, r);
    }
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_handler(auth0_jwt_demo_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(auth0_jwt) = {
    STANDARD20_MODULE_STUFF,
    NULL,          /* per-directory config creator */
    NULL,          /* per-directory config merger */
    NULL,          /* server config creator */
    NULL,          /* server config merger */
    NULL,          /* command table */
    register_hooks, /* hook registration */
    AP_MODULE_FLAG_NONE
};
