/*
 * aj_tcache.c: sharded LRU of verified tokens.
 *
 * Each shard owns a fixed array of entries, allocated once, with buckets of
 * index chains for lookup and a doubly linked list (by index) for recency.
 * Nothing is allocated after creation except what an entry holds: one held
 * block (the view's values, claims, kid, ath), whose references are counted
 * atomically, so a hit takes a reference and copies nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include <apr_thread_mutex.h>
#include "aj_siphash.h"
#include "aj_tcache.h"

#define SHARDS 16
#define NONE   0xffffffffu

typedef struct {
    unsigned char name[AJ_TCACHE_NAME];
    unsigned char thumbprint[32];
    aj_tcache_held_t *hold; /* NULL: a free entry */
    const aj_alg_t *alg;
    double exp;
    apr_uint32_t chain;      /* next entry in the bucket */
    apr_uint32_t prev, next; /* recency list, most recent at head */
} entry_t;

typedef struct {
    apr_thread_mutex_t *lock;
    entry_t *entries;
    apr_uint32_t *buckets;
    apr_uint32_t capacity, nbuckets, used;
    apr_uint32_t head, tail, free_list;
    apr_uint64_t hits, misses, inserts, evictions;
} shard_t;

struct aj_tcache {
    shard_t shards[SHARDS];
    unsigned int capacity;
};

/* ---- the held block ------------------------------------------------------- */

/* text (n bytes, or none) copied to *at with a NUL after it; its start, or NULL */
static const char *tail_copy(char **at, const char *text, apr_size_t n)
{
    char *s = *at;

    if (text == NULL) {
        return NULL;
    }
    memcpy(s, text, n);
    s[n] = '\0';
    *at = s + n + 1;
    return s;
}

aj_tcache_held_t *aj_tcache_held_make(json_t *payload, aj_claims_view_t *view, const char *claims,
                                      apr_size_t claims_len, const char *kid, apr_size_t kid_len,
                                      const char *ath, apr_size_t ath_len)
{
    aj_tcache_held_t *h = malloc(sizeof(*h) + claims_len + kid_len + ath_len + 3);
    char *at;

    if (h == NULL) {
        json_decref(payload);
        aj_claims_view_release(view);
        return NULL;
    }
    h->refs = 1;
    h->payload = payload;
    h->view = *view;
    at = (char *)(h + 1);
    h->claims = tail_copy(&at, claims, claims_len);
    h->kid = tail_copy(&at, kid, kid_len);
    h->ath = tail_copy(&at, ath, ath_len);
    return h;
}

aj_tcache_held_t *aj_tcache_held_ref(aj_tcache_held_t *h)
{
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
    return h;
}

void aj_tcache_held_release(aj_tcache_held_t *h)
{
    if (h == NULL || __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    json_decref(h->payload);
    aj_claims_view_release(&h->view);
    free(h);
}

static apr_status_t held_cleanup(void *data)
{
    aj_tcache_held_release(data);
    return APR_SUCCESS;
}

void aj_tcache_held_pool_own(apr_pool_t *p, aj_tcache_held_t *h)
{
    if (h) {
        apr_pool_cleanup_register(p, h, held_cleanup, apr_pool_cleanup_null);
    }
}

static apr_status_t cache_cleanup(void *data)
{
    aj_tcache_t *c = data;

    for (int s = 0; s < SHARDS; s++) {
        for (apr_uint32_t i = 0; i < c->shards[s].capacity; i++) {
            aj_tcache_held_release(c->shards[s].entries[i].hold);
            c->shards[s].entries[i].hold = NULL;
        }
    }
    return APR_SUCCESS;
}

aj_tcache_t *aj_tcache_create(apr_pool_t *p, unsigned int capacity)
{
    aj_tcache_t *c;

    if (capacity == 0) {
        return NULL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    c->capacity = capacity;
    for (int s = 0; s < SHARDS; s++) {
        shard_t *sh = &c->shards[s];
        sh->capacity = (capacity + SHARDS - 1) / SHARDS;
        sh->nbuckets = sh->capacity * 2;
        sh->entries = apr_pcalloc(p, sizeof(entry_t) * sh->capacity);
        sh->buckets = apr_palloc(p, sizeof(apr_uint32_t) * sh->nbuckets);
        for (apr_uint32_t i = 0; i < sh->nbuckets; i++) {
            sh->buckets[i] = NONE;
        }
        for (apr_uint32_t i = 0; i < sh->capacity; i++) { /* all entries start free */
            sh->entries[i].chain = i + 1 < sh->capacity ? i + 1 : NONE;
        }
        sh->free_list = 0;
        sh->head = sh->tail = NONE;
        apr_thread_mutex_create(&sh->lock, APR_THREAD_MUTEX_DEFAULT, p);
    }
    apr_pool_cleanup_register(p, c, cache_cleanup, apr_pool_cleanup_null);
    return c;
}

apr_size_t aj_tcache_policy(unsigned char rec[AJ_TCACHE_POLICY_MAX], unsigned int algs, int jwe,
                            const unsigned char *source_tag, const unsigned char *secret_tag,
                            const unsigned char *jwe_keys_tag)
{
    const unsigned char *tags[3] = {source_tag, secret_tag, jwe_keys_tag};
    unsigned char *at = rec, flags = jwe ? AJ_TCACHE_IS_JWE : 0;

    for (int i = 0; i < 3; i++) {
        if (tags[i]) {
            flags |= (unsigned char)(1u << i); /* AJ_TCACHE_HAS_SOURCE, _SECRET, _JWE_KEYS */
            memcpy(at, tags[i], 16);
            at += 16;
        }
    }
    for (int i = 0; i < 4; i++) {
        *at++ = (unsigned char)(algs >> (8 * i));
    }
    *at++ = flags;
    return (apr_size_t)(at - rec);
}

void aj_tcache_name(unsigned char name[AJ_TCACHE_NAME], const unsigned char prf_key[16],
                    const char *token, apr_size_t len, const void *policy, apr_size_t policy_len)
{
    aj_siphash_t h;

    aj_siphash_init(&h, prf_key);
    aj_siphash_update(&h, token, len);
    aj_siphash_update(&h, policy, policy_len);
    aj_siphash_final(&h, name);
}

static shard_t *shard_of(aj_tcache_t *c, const unsigned char *name)
{
    return &c->shards[name[0] % SHARDS];
}

static apr_uint32_t bucket_of(const shard_t *sh, const unsigned char *name)
{
    apr_uint32_t h;
    memcpy(&h, name + 4, sizeof(h));
    return h % sh->nbuckets;
}

static void list_unlink(shard_t *sh, apr_uint32_t i)
{
    entry_t *e = &sh->entries[i];

    if (e->prev != NONE) {
        sh->entries[e->prev].next = e->next;
    } else {
        sh->head = e->next;
    }
    if (e->next != NONE) {
        sh->entries[e->next].prev = e->prev;
    } else {
        sh->tail = e->prev;
    }
}

static void list_push_front(shard_t *sh, apr_uint32_t i)
{
    entry_t *e = &sh->entries[i];

    e->prev = NONE;
    e->next = sh->head;
    if (sh->head != NONE) {
        sh->entries[sh->head].prev = i;
    }
    sh->head = i;
    if (sh->tail == NONE) {
        sh->tail = i;
    }
}

/* Index of the entry for name, or NONE; *link points at the chain slot that leads to it. */
static apr_uint32_t find(shard_t *sh, const unsigned char *name, apr_uint32_t **link)
{
    apr_uint32_t *l = &sh->buckets[bucket_of(sh, name)];

    while (*l != NONE && memcmp(sh->entries[*l].name, name, AJ_TCACHE_NAME) != 0) {
        l = &sh->entries[*l].chain;
    }
    *link = l;
    return *l;
}

/* Drop entry i (found through link): out of its bucket and the list, onto the free list. */
static aj_tcache_held_t *drop(shard_t *sh, apr_uint32_t i, apr_uint32_t *link)
{
    entry_t *e = &sh->entries[i];
    aj_tcache_held_t *hold = e->hold;

    *link = e->chain;
    list_unlink(sh, i);
    e->hold = NULL;
    e->chain = sh->free_list;
    sh->free_list = i;
    sh->used--;
    return hold; /* released by the caller, outside the lock */
}

int aj_tcache_get(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME], double now,
                  aj_tcache_hit_t *hit)
{
    shard_t *sh = shard_of(c, name);
    apr_uint32_t *link, i;
    aj_tcache_held_t *expired = NULL;
    int found = 0;

    apr_thread_mutex_lock(sh->lock);
    i = find(sh, name, &link);
    if (i != NONE && now >= sh->entries[i].exp) {
        expired = drop(sh, i, link);
    } else if (i != NONE) {
        entry_t *e = &sh->entries[i];
        if (sh->head != i) { /* a hot entry is at the front already */
            list_unlink(sh, i);
            list_push_front(sh, i);
        }
        hit->hold = aj_tcache_held_ref(e->hold);
        memcpy(hit->thumbprint, e->thumbprint, 32);
        hit->alg = e->alg;
        found = 1;
    }
    if (found) {
        sh->hits++;
    } else {
        sh->misses++;
    }
    apr_thread_mutex_unlock(sh->lock);
    aj_tcache_held_release(expired);
    if (found) { /* the block never changes once made (but for its payload, set once when a
                    request first needs it: aj_token_claim): read it outside the lock */
        hit->payload = __atomic_load_n(&hit->hold->payload, __ATOMIC_ACQUIRE);
        hit->view = hit->hold->view;
        hit->claims = hit->hold->claims;
        hit->kid = hit->hold->kid;
        hit->ath = hit->hold->ath;
    }
    return found;
}

void aj_tcache_put(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME], json_t *payload,
                   const char *claims, const aj_claims_view_t *view,
                   const unsigned char thumbprint[32], const aj_alg_t *alg, const char *kid,
                   const char *ath, double exp)
{
    aj_claims_view_t own = *view;
    aj_tcache_held_t *hold;

    /* the block's own references, made outside the lock */
    json_incref(payload);
    aj_claims_view_hold(&own);
    hold = aj_tcache_held_make(payload, &own, claims, claims ? strlen(claims) : 0, kid,
                               kid ? strlen(kid) : 0, ath, ath ? strlen(ath) : 0);
    if (hold == NULL) {
        return; /* out of memory: not cached */
    }
    aj_tcache_put_held(c, name, hold, thumbprint, alg, exp);
    aj_tcache_held_release(hold);
}

void aj_tcache_put_held(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME],
                        aj_tcache_held_t *hold, const unsigned char thumbprint[32],
                        const aj_alg_t *alg, double exp)
{
    shard_t *sh = shard_of(c, name);
    apr_uint32_t *link, i;
    aj_tcache_held_t *old = NULL;
    entry_t *e;

    apr_thread_mutex_lock(sh->lock);
    i = find(sh, name, &link);
    if (i != NONE) {
        old = drop(sh, i, link); /* replaced below */
    }
    if (sh->free_list == NONE) { /* full: evict the least recently used */
        apr_uint32_t victim = sh->tail, *vlink;
        find(sh, sh->entries[victim].name, &vlink);
        aj_tcache_held_release(old);
        old = drop(sh, victim, vlink);
        sh->evictions++;
    }
    i = sh->free_list;
    e = &sh->entries[i];
    sh->free_list = e->chain;
    memcpy(e->name, name, AJ_TCACHE_NAME);
    memcpy(e->thumbprint, thumbprint, 32);
    e->hold = aj_tcache_held_ref(hold);
    e->alg = alg;
    e->exp = exp;
    link = &sh->buckets[bucket_of(sh, name)];
    e->chain = *link;
    *link = i;
    list_push_front(sh, i);
    sh->used++;
    sh->inserts++;
    apr_thread_mutex_unlock(sh->lock);
    aj_tcache_held_release(old);
}

void aj_tcache_remove(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME])
{
    shard_t *sh = shard_of(c, name);
    apr_uint32_t *link, i;
    aj_tcache_held_t *old = NULL;

    apr_thread_mutex_lock(sh->lock);
    i = find(sh, name, &link);
    if (i != NONE) {
        old = drop(sh, i, link);
    }
    apr_thread_mutex_unlock(sh->lock);
    aj_tcache_held_release(old);
}

void aj_tcache_stats(aj_tcache_t *c, aj_tcache_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    if (c == NULL) {
        return;
    }
    st->capacity = c->capacity;
    for (int s = 0; s < SHARDS; s++) {
        shard_t *sh = &c->shards[s];
        apr_thread_mutex_lock(sh->lock);
        st->hits += sh->hits;
        st->misses += sh->misses;
        st->inserts += sh->inserts;
        st->evictions += sh->evictions;
        st->entries += sh->used;
        apr_thread_mutex_unlock(sh->lock);
    }
}

unsigned int aj_tcache_entries(const aj_tcache_t *c)
{
    unsigned int n = 0;

    for (int s = 0; c && s < SHARDS; s++) {
        n += *(volatile const apr_uint32_t *)&c->shards[s].used;
    }
    return n;
}
