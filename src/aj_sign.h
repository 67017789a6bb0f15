/*
 * aj_sign.h: the issuing side, for the auth0-jwt CLI (keygen, mint) and the
 * tests: key generation, PEM files, and compact JWS signing.
 */
#ifndef AJ_SIGN_H
#define AJ_SIGN_H

#include <apr_pools.h>
#include <openssl/evp.h>

#include "aj_alg.h"
#include "aj_jwk.h" /* aj_key_pool_own */

/*
 * A new private key for alg: RSA of 2048 bits for RS and PS algs (bits 0) or the given
 * size, the alg curve for ES, Ed25519 for EdDSA. Owned by p; NULL on failure.
 */
EVP_PKEY *aj_key_generate(apr_pool_t *p, const aj_alg_t *alg, int bits);

/* Read a PEM private key; owned by p. NULL on failure. */
EVP_PKEY *aj_key_load_pem(apr_pool_t *p, const char *path);

/* The PKCS#8 PEM text of a private key, or NULL. */
char *aj_key_private_pem(apr_pool_t *p, EVP_PKEY *pkey);

/*
 * Sign base64url(header_json) "." base64url(payload_json) with alg, using pkey
 * (asymmetric algs) or secret (HS*). The JSON texts are taken as given, so tests
 * can sign odd documents. Returns the compact token or NULL.
 */
char *aj_jws_sign(apr_pool_t *p, const aj_alg_t *alg, EVP_PKEY *pkey, const unsigned char *secret,
                  apr_size_t secret_len, const char *header_json, const char *payload_json);

#endif
