/*
 * mod_auth0_jwt_jwe.h: encrypted tokens on the request path and at start-up
 * (mod_auth0_jwt_jwe.c): which scopes take them (Auth0TokenEncryption), their
 * decryption with the server's Auth0DecryptionKeyFile keys (src/aj_jwe.c), and
 * the checks on the key files.
 */
#ifndef MOD_AUTH0_JWT_JWE_H
#define MOD_AUTH0_JWT_JWE_H

#include <httpd.h>

#include "aj_reason.h"
#include "mod_auth0_jwt_config.h"

/*
 * Whether this scope takes token as it came: AJ_OK (and *jwe: 1 for a compact
 * JWE to decrypt, 0 for a token to check as it is; where encryption is Off, a
 * JWE is checked as it is, and refused for its five segments), or
 * AJ_R_JWE_REQUIRED (no JWE where encryption is Required).
 */
aj_reason_e auth0_jwt_jwe_rule(request_rec *r, const auth0_jwt_dir_conf *c, const char *token,
                               apr_size_t len, int *jwe);

/* The signed token inside the JWE token, decrypted with r's server's keys:
 * AJ_OK and *inner (owned by r->pool), or the AJ_R_JWE_* reason. */
aj_reason_e auth0_jwt_jwe_decrypt(request_rec *r, const char *token, apr_size_t len,
                                  const char **inner, apr_size_t *inner_len);

/*
 * The identity of r's server's decryption keys (32 bytes), or NULL when it
 * has none: part of a JWE token's cache name, so that a token decrypted in
 * one virtual host is never a cache hit in another that has other keys.
 */
const unsigned char *auth0_jwt_jwe_keys_id(request_rec *r);

/* At start-up and in configtest: refuse key files that the server user could
 * read or replace (asked of the kernel as that user, along the whole real
 * path). OK or HTTP_INTERNAL_SERVER_ERROR (logged). */
int auth0_jwt_jwe_check_files(apr_pool_t *ptemp, server_rec *s);

/* In each child: with a decryption key in memory, no core dumps or tracing
 * by the server user. */
void auth0_jwt_jwe_child_init(server_rec *s);

#endif
