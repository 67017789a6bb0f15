/*
 * mod_auth0_jwt_private.h: the module record as every glue file sees it. Each
 * glue file includes this first: the record's declaration (for its per-server,
 * per-directory and per-request slots) and APLOG_USE_MODULE, so that its log
 * lines carry the module's name and obey `LogLevel auth0_jwt:LEVEL`.
 * Nothing in src/ includes it.
 */
#ifndef MOD_AUTH0_JWT_PRIVATE_H
#define MOD_AUTH0_JWT_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

/* The version is AC_INIT's (configure.ac); the build passes it on the command line. */
#ifndef AUTH0_JWT_VERSION
#error "AUTH0_JWT_VERSION is not defined: build with make (it comes from configure.ac)"
#endif

extern module AP_MODULE_DECLARE_DATA auth0_jwt_module;
APLOG_USE_MODULE(auth0_jwt);

#endif
