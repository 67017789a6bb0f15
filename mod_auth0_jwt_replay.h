/*
 * mod_auth0_jwt_replay.h: the DPoP replay store (mod_auth0_jwt_replay.c): each
 * proof is accepted once within its window, by every process of the server
 * (and, with Auth0Cache redis or memcache, of the fleet).
 */
#ifndef MOD_AUTH0_JWT_REPLAY_H
#define MOD_AUTH0_JWT_REPLAY_H

#include <httpd.h>

void auth0_jwt_replay_pre_config(void);
/* spec: the Auth0Cache provider[:args] (NULL: shmcb); capacity: proofs. */
int auth0_jwt_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec, unsigned int capacity);

/*
 * Whether the proof named by id (a digest of its key thumbprint and jti),
 * issued at iat and accepted for lifetime seconds with skew seconds of
 * leeway, is seen for the first time: 1 (it is now recorded for as long as
 * any scope of the server accepts it), 0 (seen before: a replay), -1 (the
 * store cannot take it: full, or its socache cannot be asked; the caller
 * refuses with 503, and the proof is not spent).
 */
int auth0_jwt_replay_first(request_rec *r, const unsigned char id[32], double iat, int lifetime,
                           int skew);

/* The table's size, live proofs (*exact: counted, not estimated) and horizon
 * (seconds), for the status page; 0 when there is none. */
int auth0_jwt_replay_usage(unsigned int *capacity, unsigned int *live, int *exact,
                           unsigned int *horizon);

#endif
