/*
 * mod_auth0_jwt_demo.h: the auth0-demo content handler (mod_auth0_jwt_demo.c):
 * the three endpoints of Auth0's API quickstart, for trying the module (README.md).
 */
#ifndef MOD_AUTH0_JWT_DEMO_H
#define MOD_AUTH0_JWT_DEMO_H

#include <httpd.h>

int auth0_jwt_demo_handler(request_rec *r);

#endif
