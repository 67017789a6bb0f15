/*
 * aj_siphash.h: SipHash-2-4 with a 128-bit output (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF"), the keyed function that names a token
 * in the verified-token caches (docs/validation.md, "The verified-token
 * cache"). Keyed by 16 random bytes per server start, its output cannot be
 * computed, or turned back into the token, by anyone without the key.
 *
 * Streaming: init, any number of updates, final. No allocation, no lock.
 */
#ifndef AJ_SIPHASH_H
#define AJ_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t v[4];
    uint64_t tail;  /* bytes not yet absorbed, little-endian */
    unsigned ntail; /* how many (0..7) */
    uint64_t total; /* bytes absorbed so far */
} aj_siphash_t;

void aj_siphash_init(aj_siphash_t *s, const unsigned char key[16]);
void aj_siphash_update(aj_siphash_t *s, const void *data, size_t len);
void aj_siphash_final(aj_siphash_t *s, unsigned char out[16]);

/* One call: out = SipHash-2-4-128(key, data). */
void aj_siphash128(unsigned char out[16], const unsigned char key[16], const void *data,
                   size_t len);

#endif
