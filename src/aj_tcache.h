/*
 * aj_tcache.h: the verified-token cache (docs/validation.md, "The verified-token cache").
 *
 * Per process, bounded, least-recently-used, keyed by the SHA-256 of the token
 * (never the token). An entry holds the parsed payload, the thumbprint of the
 * key that verified it, the algorithm and the expiry. A hit skips base64, JSON
 * and signature work; the caller still chooses the key in its own key set by
 * the token's alg and kid, as a miss would, and takes the hit only when that
 * choice is the key that verified the token; then it runs the claim checks.
 *
 * The cache is split into shards, each with its own lock, so concurrent
 * threads rarely meet and no lock covers the whole cache.
 */
#ifndef AJ_TCACHE_H
#define AJ_TCACHE_H

#include <apr_pools.h>
#include <jansson.h>

#include "aj_alg.h"

typedef struct aj_tcache aj_tcache_t;

typedef struct {
    json_t *payload;              /* a reference the caller owns (json_decref it) */
    const char *claims;           /* the payload as compact JSON (a copy in p), or NULL */
    unsigned char thumbprint[32]; /* of the verifying key */
    const aj_alg_t *alg;
    const char *kid; /* the token header's kid (a copy in p), or NULL */
} aj_tcache_hit_t;

typedef struct {
    apr_uint64_t hits, misses, inserts, evictions;
    unsigned int entries, capacity;
} aj_tcache_stats_t;

/* A cache of at most capacity entries (NULL for 0). Memory and locks belong to p. */
aj_tcache_t *aj_tcache_create(apr_pool_t *p, unsigned int capacity);

/* SHA-256 of the token text: the only form in which a token is kept. 1 on
 * success; 0 when OpenSSL failed (digest zeroed: the caller must not use the
 * cache for this token). */
int aj_tcache_digest(unsigned char digest[32], const char *token, apr_size_t len);

/*
 * Look a digest up. 1 on a hit that has not expired at now (hit filled, the
 * entry moves to the front); 0 on a miss. An expired entry is dropped.
 */
int aj_tcache_get(aj_tcache_t *c, const unsigned char digest[32], double now, aj_tcache_hit_t *hit,
                  apr_pool_t *p);

/*
 * Remember a verified token until exp (its exp claim), with its payload as
 * compact JSON (claims, may be NULL) and its header's kid (may be NULL),
 * evicting the oldest entry if full.
 */
void aj_tcache_put(aj_tcache_t *c, const unsigned char digest[32], json_t *payload,
                   const char *claims, const unsigned char thumbprint[32], const aj_alg_t *alg,
                   const char *kid, double exp);

/* Forget one digest (its key left the key set). */
void aj_tcache_remove(aj_tcache_t *c, const unsigned char digest[32]);

void aj_tcache_stats(aj_tcache_t *c, aj_tcache_stats_t *st);

/* Entries held now, read without locks: a snapshot that may be a moment old. */
unsigned int aj_tcache_entries(const aj_tcache_t *c);

#endif
