/*
 * aj_b64.h: strict base64url (RFC 7515 section 2, RFC 4648 section 5).
 *
 * Strict means: only A-Z a-z 0-9 '-' '_', no '=' padding, no whitespace, a
 * length that is not 1 modulo 4, and the unused low bits of the last character
 * zero (so every byte string has exactly one accepted encoding).
 */
#ifndef AJ_B64_H
#define AJ_B64_H

#include <apr_pools.h>

/* Decoded size of a well-formed encoding of len characters. */
#define AJ_B64_DECODED_LEN(len) (((len) / 4) * 3 + ((len) % 4 ? (len) % 4 - 1 : 0))

/*
 * Decode len characters into a buffer from p (NUL-terminated for convenience).
 * Returns 0 on success, -1 when the input is not strict base64url; *out is
 * NULL then.
 */
int aj_b64url_decode(unsigned char **out, apr_size_t *out_len, apr_pool_t *p, const char *in,
                     apr_size_t len);

/* Same check without decoding: 1 if strict base64url, else 0. */
int aj_b64url_valid(const char *in, apr_size_t len);

/* Encode without padding into a NUL-terminated string from p. */
char *aj_b64url_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len);

#endif
