/*
 * aj_proof_memo.h: DPoP proof headers read once per process.
 *
 * A client signs every proof with the same key, and the header of its proofs
 * ({"typ":"dpop+jwt","alg":...,"jwk":{...}}) is the same text each time. Read
 * afresh, that header costs a JSON parse, a key import, the key's RFC 7638
 * thumbprint and a verify context: together about a tenth of the P-256
 * signature check itself. So a header that passed every check once is
 * remembered by its exact base64url text, with the algorithm it names and its
 * key (public, fitting that algorithm, with its thumbprint and its prepared
 * verify contexts).
 *
 * What is remembered depends on the header text alone: which algorithms a
 * scope allows is checked again on every use, by the caller. The table is small
 * and fixed (256 slots, the newest header wins its slot), split into shards with
 * a lock each, held only to compare the text and take a reference.
 */
#ifndef AJ_PROOF_MEMO_H
#define AJ_PROOF_MEMO_H

#include <apr_pools.h>

#include "aj_alg.h"
#include "aj_jwk.h"

#define AJ_PROOF_MEMO_TEXT_MAX 2048 /* bytes of header text: a longer one is not kept */

typedef struct aj_proof_head aj_proof_head_t;

/* What a remembered header said. */
typedef struct {
    const aj_alg_t *alg; /* the algorithm it names */
    const aj_key_t *key; /* its jwk: public, fitting alg */
} aj_proof_seen_t;

/*
 * The header whose base64url text is exactly text (len bytes), if remembered:
 * 1 with *seen filled, valid until p is cleared (a reference p gives back);
 * 0 when it is not.
 */
int aj_proof_memo_get(aj_proof_seen_t *seen, apr_pool_t *p, const char *text, apr_size_t len);

/*
 * Remember that the header text (len bytes) names alg and carries key (a key
 * that passed every check a proof's key must pass, owned by p). The memo keeps
 * a copy of its own, sharing key's EVP_PKEY; *seen then points at the copy
 * (valid until p is cleared) when it could be made, else stays as it was.
 */
void aj_proof_memo_put(aj_proof_seen_t *seen, apr_pool_t *p, const char *text, apr_size_t len,
                       const aj_alg_t *alg, const aj_key_t *key);

/* In a child process after fork(): the shard locks start unlocked. */
void aj_proof_memo_after_fork(void);

/* For tests: new headers go to the first slots only (1 to 256; else all), so
 * that headers meet in one slot. Never called by the module. */
void aj_proof_memo_squeeze(unsigned int n);

#endif
