/*
 * mod_auth0_jwt.h: what the httpd glue files share with each other.
 * Nothing in src/ includes this file.
 */
#ifndef MOD_AUTH0_JWT_H
#define MOD_AUTH0_JWT_H

#include <httpd.h>
#include <http_config.h>

#define AUTH0_JWT_VERSION "0.1.0"

extern module AP_MODULE_DECLARE_DATA auth0_jwt_module;

/*
 * Send a complete JSON response with the given status (headers included,
 * Content-Length set so HEAD works) and return OK for a handler to return.
 */
int auth0_jwt_send_json(request_rec *r, int status, const char *json);

/* The auth0-demo content handler (mod_auth0_jwt_demo.c). */
int auth0_jwt_demo_handler(request_rec *r);

#endif
