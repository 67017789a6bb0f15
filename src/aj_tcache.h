/*
 * aj_tcache.h: the verified-token cache (docs/validation.md, "The verified-token cache").
 *
 * Per process, bounded, least-recently-used, keyed by a name that only this
 * server can compute: SipHash-2-4-128, keyed by 16 random bytes per server
 * start, of the token and of the scope's key policy (never the token, never a
 * plain hash of it). An entry holds the parsed payload, the thumbprint of the
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
#include "aj_claims.h"

typedef struct aj_tcache aj_tcache_t;

/*
 * What a cache entry holds of a verified token, shared by the entry and every
 * request that took a hit of it: one allocation, its references counted
 * atomically; it never changes once made, but for payload. payload is NULL
 * when only the view was read (a record of the shared level read the quick
 * way) until a reader that needs a claim the view does not keep parses
 * claims and sets it, once (aj_token_claim).
 */
typedef struct aj_tcache_held {
    apr_uint32_t refs;
    json_t *payload;       /* a reference of its own, or NULL until a request needs a claim the
                              view does not keep: then set once, atomically (aj_token_claim) */
    aj_claims_view_t view; /* a reference of its own to each value */
    const char *claims;    /* the payload as compact JSON (in the block), or NULL */
    const char *kid;       /* the token header's kid (in the block), or NULL */
    const char *ath;       /* aj_dpop_ath() of the token (in the block), or NULL */
} aj_tcache_held_t;

/*
 * A held block that takes over the caller's references to payload (may be
 * NULL) and to each value of view, with copies of claims, kid and ath (each
 * may be NULL; each given with its length). NULL when out of memory, and
 * then those references are let go.
 */
aj_tcache_held_t *aj_tcache_held_make(json_t *payload, aj_claims_view_t *view, const char *claims,
                                      apr_size_t claims_len, const char *kid, apr_size_t kid_len,
                                      const char *ath, apr_size_t ath_len);
aj_tcache_held_t *aj_tcache_held_ref(aj_tcache_held_t *h);
void aj_tcache_held_release(aj_tcache_held_t *h); /* NULL is fine */
/* Release h when p is cleared or destroyed. */
void aj_tcache_held_pool_own(apr_pool_t *p, aj_tcache_held_t *h);

typedef struct {
    aj_tcache_held_t *hold;       /* a reference the caller owns (aj_tcache_held_release) */
    json_t *payload;              /* the verified payload, or NULL (hold->payload) */
    const char *claims;           /* the payload as compact JSON, or NULL */
    aj_claims_view_t view;        /* of payload */
    unsigned char thumbprint[32]; /* of the verifying key */
    const aj_alg_t *alg;
    const char *kid; /* the token header's kid, or NULL */
    const char *ath; /* aj_dpop_ath() of the token, when it was known at put time; else NULL */
} aj_tcache_hit_t;

typedef struct {
    apr_uint64_t hits, misses, inserts, evictions;
    unsigned int entries, capacity;
} aj_tcache_stats_t;

/* A cache of at most capacity entries (NULL for 0). Memory and locks belong to p. */
aj_tcache_t *aj_tcache_create(apr_pool_t *p, unsigned int capacity);

#define AJ_TCACHE_NAME 16 /* bytes in a token's name */

/*
 * A token's name in the caches: SipHash-2-4-128 under prf_key of the token
 * followed by policy (the scope's key policy, a record the caller builds so
 * that its own last bytes tell its length: token and policy never run
 * together). The only form in which a token is kept.
 */
/*
 * A scope's key policy as the record aj_tcache_name() hashes after the token:
 * the 16-byte tag of each part there is (key source, shared secret,
 * decryption keys; NULL for none), in that order, then the allowed
 * algorithms (4 bytes, little-endian) and last a byte of flags saying which
 * parts came before and whether the token is a JWE. Read from its end the
 * record tells its own length, so a token and a policy never run together.
 * Returns the record's length (at most AJ_TCACHE_POLICY_MAX).
 */
#define AJ_TCACHE_POLICY_MAX (3 * 16 + 4 + 1)
enum {
    AJ_TCACHE_HAS_SOURCE = 1,
    AJ_TCACHE_HAS_SECRET = 2,
    AJ_TCACHE_HAS_JWE_KEYS = 4,
    AJ_TCACHE_IS_JWE = 8
};
apr_size_t aj_tcache_policy(unsigned char rec[AJ_TCACHE_POLICY_MAX], unsigned int algs, int jwe,
                            const unsigned char *source_tag, const unsigned char *secret_tag,
                            const unsigned char *jwe_keys_tag);

void aj_tcache_name(unsigned char name[AJ_TCACHE_NAME], const unsigned char prf_key[16],
                    const char *token, apr_size_t len, const void *policy, apr_size_t policy_len);

/*
 * Look a name up. 1 on a hit that has not expired at now (hit filled, the
 * entry moves to the front); 0 on a miss. An expired entry is dropped.
 */
int aj_tcache_get(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME], double now,
                  aj_tcache_hit_t *hit);

/*
 * Remember a verified token until exp (its exp claim), with its payload as
 * compact JSON (claims, may be NULL), its view (of payload) and its header's
 * kid (may be NULL), evicting the oldest entry if full. A hit hands out the
 * same payload, shared (jansson counts references atomically): no copy.
 */
void aj_tcache_put(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME], json_t *payload,
                   const char *claims, const aj_claims_view_t *view,
                   const unsigned char thumbprint[32], const aj_alg_t *alg, const char *kid,
                   const char *ath, double exp);

/* The same with a held block already made (the entry takes a reference of its own). */
void aj_tcache_put_held(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME],
                        aj_tcache_held_t *hold, const unsigned char thumbprint[32],
                        const aj_alg_t *alg, double exp);

/* Forget one name (its key left the key set). */
void aj_tcache_remove(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME]);

void aj_tcache_stats(aj_tcache_t *c, aj_tcache_stats_t *st);

/* Entries held now, read without locks: a snapshot that may be a moment old. */
unsigned int aj_tcache_entries(const aj_tcache_t *c);

#endif
