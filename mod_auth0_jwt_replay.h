/*
 * mod_auth0_jwt_replay.h: the DPoP replay store (mod_auth0_jwt_replay.c): each
 * proof is accepted once within its window, by every process of the server
 * (and, with Auth0Cache redis or memcache, of the fleet).
 */
#ifndef MOD_AUTH0_JWT_REPLAY_H
#define MOD_AUTH0_JWT_REPLAY_H

#include <httpd.h>

int auth0_jwt_replay_pre_config(apr_pool_t *pconf);
int auth0_jwt_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec);
void auth0_jwt_replay_child_init(apr_pool_t *p, server_rec *s);

/*
 * Whether the proof named by id (a digest of its key thumbprint and jti) is
 * seen for the first time: 1 (it is now recorded until expiry), 0 (seen
 * before: a replay), -1 (no store to ask: the caller refuses).
 */
int auth0_jwt_replay_first(request_rec *r, const unsigned char id[32], apr_time_t expiry);

#endif
