/*
 * aj_tcache_rec.h: a verified token as one run of bytes, for the cache level
 * that other processes read (Auth0TokenCacheShared): no pointers, so it can
 * sit in shared memory, and read back by each reader as an entry of its own.
 *
 *   "AJT3" | alg id (1) | key thumbprint (32) | kid mark (2, big-endian: 0 for
 *   no kid, else its length + 1, so an empty kid stays an empty kid) | ath
 *   length (1: 0 for none, else 43) | kid | ath | payload as compact JSON
 *
 * ath is the base64url SHA-256 of the token that a DPoP proof names, kept so
 * that the proofs of a cached token cost no hash of the token.
 */
#ifndef AJ_TCACHE_REC_H
#define AJ_TCACHE_REC_H

#include <apr_pools.h>

#include "aj_alg.h"
#include "aj_tcache.h"

#define AJ_TCACHE_REC_MAX 4096 /* the largest record; a bigger token stays in its process */

/*
 * The record of a verified token into rec (AJ_TCACHE_REC_MAX bytes): its
 * length, or 0 when it would not fit. kid may be NULL (none); ath is kept
 * only when it is 43 characters; claims is the payload as compact JSON.
 */
apr_size_t aj_tcache_rec_make(unsigned char rec[AJ_TCACHE_REC_MAX], const aj_alg_t *alg,
                              const unsigned char thumbprint[32], const char *kid,
                              const char *ath, const char *claims);

/*
 * A record read back as a cache hit: 1 with hit filled (the caller owns
 * hit->hold), or 0 with nothing to release when the record is not whole (a
 * length past its end, an unknown algorithm, another magic), holds what no
 * writer makes (a kid with a NUL, an ath that is not base64url), its payload
 * breaks a rule a token's payload meets (JSON object, no member twice, depth,
 * UTF-8), or its exp is missing or not after now by the reader's clock. The
 * reader trusts nothing the writer said beyond what it re-checks.
 */
int aj_tcache_rec_read(const unsigned char *rec, apr_size_t n, double now, aj_tcache_hit_t *hit);

#endif
