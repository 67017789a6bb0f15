/*
 * cli.h: what the files of the auth0-jwt command share: its name, exit codes,
 * helpers for arguments and files, and the commands kept in files of their own.
 */
#ifndef AJ_CLI_H
#define AJ_CLI_H

#include <apr_pools.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "aj_reason.h"

#define EXIT_INVALID 1 /* the token (or proof) is refused */
#define EXIT_USAGE   2 /* usage or I/O error */

extern const char *prog;

/* Print "prog cmd: msg (try ...)" to stderr; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *msg);

/* Read a whole file (or stdin for "-") of at most max bytes into p; NULL on failure. */
char *read_all(apr_pool_t *p, const char *path, apr_size_t *len, apr_size_t max);

/* The token argument: literal text, or "-" for stdin; surrounding whitespace dropped. */
const char *token_arg(apr_pool_t *p, const char *arg, apr_size_t *len);

/* JSON text of j with jansson flags, copied into p. */
char *json_text(apr_pool_t *p, const json_t *j, size_t flags);

/* The JWS alg a private key signs with by default (RS256, ES256/384/512, EdDSA), or NULL. */
const char *default_alg(EVP_PKEY *pkey);

/*
 * The base64url thumbprint of what path holds: a PEM certificate (SHA-256 of
 * its DER: x5t#S256, *is_cert set), or a key (RFC 7638: a PEM private or
 * public key, a JWK, or a JWK Set of one key). NULL when it holds none.
 */
const char *cli_thumbprint(apr_pool_t *p, const char *path, int *is_cert);

/* The commands of cli_jwe.c, and the decryption of verify --decryption-key
 * with the one key of key_file: AJ_OK and *inner, an AJ_R_JWE_* reason, or
 * AJ_R__COUNT with *why when the key file is unusable. */
int cmd_encrypt(apr_pool_t *p, int argc, char **argv);
aj_reason_e cli_jwe_decrypt(apr_pool_t *p, const char *key_file, const char *token,
                            apr_size_t len, const char **inner, apr_size_t *inner_len,
                            const char **why);

/* The commands of cli_dpop.c. */
int cmd_dpop(apr_pool_t *p, int argc, char **argv);
int cmd_thumbprint(apr_pool_t *p, int argc, char **argv);

#endif
