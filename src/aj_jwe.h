/*
 * aj_jwe.h: encrypted access tokens (RFC 7516 compact JWE, as Auth0 issues them
 * to an API with JSON Web Encryption on): the signed token, encrypted to the
 * API's RSA key. Decryption gives the inner JWS text, which the caller then
 * validates as any token (docs/validation.md).
 *
 * Accepted: alg RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384, RSA-OAEP-512; enc
 * A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512; cty
 * absent or JWT. Refused: zip, crit, every other alg (RSA1_5, dir, ECDH-ES,
 * PBES2, key wrap) and enc, a plaintext that is not a compact JWS.
 *
 * No oracle: a key that does not unwrap the content key is replaced by a
 * random one and the content is checked all the same, so that a bad wrapped
 * key, a bad tag and a bad ciphertext cost the same work and give errors that
 * the caller answers alike. For AES-CBC-HMAC the tag is checked, in constant
 * time, before any byte is decrypted.
 */
#ifndef AJ_JWE_H
#define AJ_JWE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "aj_reason.h"

/* The longest compact JWE read: a JWS of the longest allowed, encrypted. */
#define AJ_JWE_MAX_LEN 24576

/* A decryption key: an RSA private key of at least 2048 bits, with its kid. */
typedef struct {
    const char *kid; /* NULL: none */
    EVP_PKEY *pkey;
} aj_jwe_key_t;

/* Whether token has the five segments of a compact JWE (four dots). */
int aj_jwe_is_compact(const char *token, apr_size_t len);

/*
 * Decrypt a compact JWE with one of keys (aj_jwe_key_t: the one the header's
 * kid names; else the only one, when the header names none or that key was
 * given without a kid). On AJ_OK *plain
 * (NUL-terminated, owned by p) is the inner compact JWS. header, when not
 * NULL, receives the parsed protected header (owned by p) as soon as it is
 * read, also on later failures. Reasons: AJ_R_JWE_MALFORMED, _ALG, _ENC, _ZIP,
 * _CTY, _KEY, _UNWRAP, _TAG, _NESTED.
 */
aj_reason_e aj_jwe_decrypt(const char **plain, apr_size_t *plain_len, json_t **header,
                           apr_pool_t *p, const char *token, apr_size_t len,
                           const apr_array_header_t *keys);

/* The same without the last rule: *plain is whatever was encrypted (any
 * bytes, NUL-terminated). For the RFC examples, whose plaintexts are prose. */
aj_reason_e aj_jwe_open(const unsigned char **plain, apr_size_t *plain_len, json_t **header,
                        apr_pool_t *p, const char *token, apr_size_t len,
                        const apr_array_header_t *keys);

/*
 * The content step alone (RFC 7518 5.2 and 5.3), for enc by name: open
 * ciphertext ct with the content key cek, the additional data aad, iv and tag.
 * AJ_OK and *out (owned by p); AJ_R_JWE_ENC for an unknown enc or a key, IV or
 * tag of the wrong size; AJ_R_JWE_TAG when the tag does not match.
 */
aj_reason_e aj_jwe_content_open(unsigned char **out, apr_size_t *out_len, apr_pool_t *p,
                                const char *enc, const unsigned char *cek, apr_size_t cek_len,
                                const unsigned char *aad, apr_size_t aad_len,
                                const unsigned char *iv, apr_size_t iv_len,
                                const unsigned char *ct, apr_size_t ct_len,
                                const unsigned char *tag, apr_size_t tag_len);

/* And the other way: *ct (owned by p) and tag (room for 32 bytes, *tag_len set). */
aj_reason_e aj_jwe_content_seal(unsigned char **ct, apr_size_t *ct_len, unsigned char *tag,
                                apr_size_t *tag_len, apr_pool_t *p, const char *enc,
                                const unsigned char *cek, apr_size_t cek_len,
                                const unsigned char *aad, apr_size_t aad_len,
                                const unsigned char *iv, apr_size_t iv_len,
                                const unsigned char *pt, apr_size_t pt_len);

/*
 * Encrypt plaintext to the RSA public key pub (the CLI's encrypt command and
 * the tests): alg and enc by name, kid NULL or the header's kid. The compact
 * JWE, owned by p; NULL (and *why) when alg or enc is not one of ours, or
 * OpenSSL fails.
 */
char *aj_jwe_encrypt(apr_pool_t *p, EVP_PKEY *pub, const char *kid, const char *alg,
                     const char *enc, const char *plaintext, apr_size_t len, const char **why);

/* An RSA private key (PEM) fit for decryption: NULL and *why when not (not
 * RSA, not private, under 2048 or over 4096 bits). The key is freed with p. */
EVP_PKEY *aj_jwe_read_key(apr_pool_t *p, const char *pem, apr_size_t len, const char **why);

#endif
