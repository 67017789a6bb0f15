/*
 * mod_auth0_jwt_authz.h: the auth0-scope, auth0-permission and auth0-claim
 * authorization providers for Require (mod_auth0_jwt_authz.c).
 */
#ifndef MOD_AUTH0_JWT_AUTHZ_H
#define MOD_AUTH0_JWT_AUTHZ_H

#include <apr_pools.h>

void auth0_jwt_register_authz(apr_pool_t *p);

#endif
