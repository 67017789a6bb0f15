/*
 * aj_proof_memo.c: the per-process memo of DPoP proof headers (aj_proof_memo.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "aj_proof_memo.h"
#include "aj_siphash.h"

#define SLOTS 256 /* headers per process */
#define SHARDS 16 /* locks: slot i is guarded by lock i % SHARDS */

struct aj_proof_head {
    unsigned int refs; /* the table's, and one per pool using it; atomic */
    const aj_alg_t *alg;
    aj_key_t key; /* no kid; crv and alg point into text[] */
    apr_size_t len;
    char text[]; /* the header text, then crv and the JWK's alg, each ended by NUL */
};

static aj_proof_head_t *slots[SLOTS];
static pthread_mutex_t locks[SHARDS];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static unsigned char slot_key[16]; /* spreads headers over slots; no one else knows it */
static int usable, inited;
static unsigned int in_use = SLOTS; /* aj_proof_memo_squeeze() */

static void init(void)
{
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&locks[i], NULL);
    }
    usable = RAND_bytes(slot_key, sizeof(slot_key)) == 1;
    __atomic_store_n(&inited, 1, __ATOMIC_RELEASE);
}

/* The slot of a header: a keyed hash of its length and its last 48 bytes,
 * which hold the end of its key's numbers (a header differs from another
 * there or in its length, nearly always; the whole text is compared anyway). */
static unsigned int slot_of(const char *text, apr_size_t len)
{
    unsigned char h[16];
    apr_size_t tail = len < 48 ? len : 48;
    aj_siphash_t s;
    unsigned char n[4] = {(unsigned char)len, (unsigned char)(len >> 8), 0, 0};

    aj_siphash_init(&s, slot_key);
    aj_siphash_update(&s, n, sizeof(n));
    aj_siphash_update(&s, text + len - tail, tail);
    aj_siphash_final(&s, h);
    return ((unsigned int)h[0] | (unsigned int)h[1] << 8) % in_use;
}

static void release(aj_proof_head_t *h)
{
    if (h && __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        for (int i = 0; i < AJ_ALG_HS256; i++) {
            EVP_MD_CTX_free(h->key.verify_ctx[i]);
        }
        EVP_PKEY_free(h->key.pkey);
        free(h);
    }
}

static apr_status_t release_cleanup(void *data)
{
    release(data);
    return APR_SUCCESS;
}

static void lend(aj_proof_seen_t *seen, apr_pool_t *p, aj_proof_head_t *h)
{
    apr_pool_cleanup_register(p, h, release_cleanup, apr_pool_cleanup_null);
    seen->alg = h->alg;
    seen->key = &h->key;
}

int aj_proof_memo_get(aj_proof_seen_t *seen, apr_pool_t *p, const char *text, apr_size_t len)
{
    aj_proof_head_t *h;
    unsigned int i;

    if (len == 0 || len > AJ_PROOF_MEMO_TEXT_MAX || pthread_once(&once, init) != 0 || !usable) {
        return 0;
    }
    i = slot_of(text, len);
    pthread_mutex_lock(&locks[i % SHARDS]);
    h = slots[i];
    if (h && h->len == len && memcmp(h->text, text, len) == 0) {
        __atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
    } else {
        h = NULL;
    }
    pthread_mutex_unlock(&locks[i % SHARDS]);
    if (h == NULL) {
        return 0;
    }
    lend(seen, p, h);
    return 1;
}

/* s copied to *at (NUL and all), which moves past it; NULL stays NULL. */
static const char *keep(char **at, const char *s)
{
    char *copy = *at;

    if (s == NULL) {
        return NULL;
    }
    strcpy(copy, s);
    *at += strlen(s) + 1;
    return copy;
}

void aj_proof_memo_put(aj_proof_seen_t *seen, apr_pool_t *p, const char *text, apr_size_t len,
                       const aj_alg_t *alg, const aj_key_t *key)
{
    apr_size_t crv_len = key->crv ? strlen(key->crv) + 1 : 0;
    apr_size_t alg_len = key->alg ? strlen(key->alg) + 1 : 0;
    aj_proof_head_t *h, *old;
    unsigned int i;
    char *at;

    if (len == 0 || len > AJ_PROOF_MEMO_TEXT_MAX || key->pkey == NULL || key->secret ||
        pthread_once(&once, init) != 0 || !usable) {
        return;
    }
    if ((h = malloc(sizeof(*h) + len + crv_len + alg_len)) == NULL) {
        return;
    }
    if (!EVP_PKEY_up_ref(key->pkey)) {
        free(h);
        return;
    }
    h->refs = 2; /* the table's and p's */
    h->alg = alg;
    h->len = len;
    memcpy(h->text, text, len);
    h->key = *key;
    at = h->text + len;
    h->key.kid = NULL; /* a proof's key is named by its thumbprint alone */
    h->key.crv = keep(&at, key->crv);
    h->key.alg = keep(&at, key->alg);
    memset(h->key.verify_ctx, 0, sizeof(h->key.verify_ctx));
    h->key.prepared = 1; /* it serves many proofs: its verify contexts are kept */
    i = slot_of(text, len);
    pthread_mutex_lock(&locks[i % SHARDS]);
    old = slots[i];
    slots[i] = h;
    pthread_mutex_unlock(&locks[i % SHARDS]);
    release(old); /* requests still using it keep their references */
    lend(seen, p, h);
}

void aj_proof_memo_after_fork(void)
{
    if (!__atomic_load_n(&inited, __ATOMIC_ACQUIRE)) {
        pthread_once(&once, init); /* never used before the fork: made here, once */
        return;
    }
    for (int i = 0; i < SHARDS; i++) { /* a lock the parent held stays held no more */
        pthread_mutex_init(&locks[i], NULL);
    }
}

void aj_proof_memo_squeeze(unsigned int n)
{
    in_use = n >= 1 && n <= SLOTS ? n : SLOTS;
}
