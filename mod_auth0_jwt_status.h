/*
 * mod_auth0_jwt_status.h: counters shared by every child process, and the
 * auth0-jwt-status handler (mod_auth0_jwt_status.c; docs/status.md).
 */
#ifndef MOD_AUTH0_JWT_STATUS_H
#define MOD_AUTH0_JWT_STATUS_H

#include <httpd.h>

#include "aj_reason.h"

void auth0_jwt_count(aj_reason_e outcome); /* AJ_OK counts an accepted token */
void auth0_jwt_count_cache(int hit);
void auth0_jwt_count_cache_entries(unsigned int entries); /* after a change */
void auth0_jwt_count_cache_shared(int hit); /* a look in the shared level */
void auth0_jwt_status_tcache_shared(apr_size_t bytes); /* its size, 0 when off */
int auth0_jwt_counters_post_config(apr_pool_t *pconf, server_rec *s);
void auth0_jwt_counters_child_init(apr_pool_t *pchild, unsigned int cache_capacity);
int auth0_jwt_status_handler(request_rec *r);
/* The key-source lines of mod_status's page (server-status). */
void auth0_jwt_status_register(void);

#endif
