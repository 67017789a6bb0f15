/*
 * aj_pkey_memo.c: the per-process memo of public keys (aj_pkey_memo.h).
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aj_pkey_memo.h"

#define SLOTS 1024 /* keys per process */
#define SHARDS 64  /* locks: slot i is guarded by lock i % SHARDS */

typedef struct {
    unsigned char digest[32];
    EVP_PKEY *pkey; /* NULL: empty */
} slot_t;

static slot_t slots[SLOTS];
static pthread_mutex_t locks[SHARDS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_locks(void)
{
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&locks[i], NULL);
    }
}

static unsigned int slot_of(const unsigned char digest[32])
{
    return ((unsigned int)digest[0] | (unsigned int)digest[1] << 8) % SLOTS;
}

EVP_PKEY *aj_pkey_memo_get(unsigned char digest[32], const char *type,
                           const unsigned char *const *parts, const size_t *lens, int n)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char len[4];
    unsigned int i, dlen = 0;
    EVP_PKEY *pkey = NULL;
    int ok;

    /* type, then each part with its length in front: no two inputs share a digest */
    ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
         EVP_DigestUpdate(md, type, strlen(type) + 1);
    for (int k = 0; ok && k < n; k++) {
        len[0] = (unsigned char)(lens[k] >> 24);
        len[1] = (unsigned char)(lens[k] >> 16);
        len[2] = (unsigned char)(lens[k] >> 8);
        len[3] = (unsigned char)lens[k];
        ok = EVP_DigestUpdate(md, len, sizeof(len)) && EVP_DigestUpdate(md, parts[k], lens[k]);
    }
    ok = ok && EVP_DigestFinal_ex(md, digest, &dlen) && dlen == 32;
    EVP_MD_CTX_free(md);
    if (!ok) {
        memset(digest, 0, 32);
        return NULL;
    }
    pthread_once(&once, init_locks);
    i = slot_of(digest);
    pthread_mutex_lock(&locks[i % SHARDS]);
    if (slots[i].pkey && CRYPTO_memcmp(slots[i].digest, digest, 32) == 0 &&
        EVP_PKEY_up_ref(slots[i].pkey)) {
        pkey = slots[i].pkey;
    }
    pthread_mutex_unlock(&locks[i % SHARDS]);
    return pkey;
}

void aj_pkey_memo_put(const unsigned char digest[32], EVP_PKEY *pkey)
{
    static const unsigned char none[32];
    EVP_PKEY *old;
    unsigned int i = slot_of(digest);

    if (pkey == NULL || memcmp(digest, none, 32) == 0 || !EVP_PKEY_up_ref(pkey)) {
        return;
    }
    pthread_once(&once, init_locks);
    pthread_mutex_lock(&locks[i % SHARDS]);
    old = slots[i].pkey;
    memcpy(slots[i].digest, digest, 32);
    slots[i].pkey = pkey;
    pthread_mutex_unlock(&locks[i % SHARDS]);
    EVP_PKEY_free(old); /* others holding it keep their references */
}

void aj_pkey_memo_after_fork(void)
{
    pthread_once(&once, init_locks);
    init_locks();
}
