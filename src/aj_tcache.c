/*
 * aj_tcache.c: sharded LRU of verified tokens.
 *
 * Each shard owns a fixed array of entries, allocated once, with buckets of
 * index chains for lookup and a doubly linked list (by index) for recency.
 * Nothing is allocated after creation except what an entry holds: one JSON
 * array [payload, claims, kid], which jansson counts atomically, so a hit
 * takes a reference and copies nothing.
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
    json_t *hold; /* [payload, claims or null, kid or null, ath or null]; NULL: free entry */
    aj_claims_view_t view;
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

static apr_status_t cache_cleanup(void *data)
{
    aj_tcache_t *c = data;

    for (int s = 0; s < SHARDS; s++) {
        for (apr_uint32_t i = 0; i < c->shards[s].capacity; i++) {
            json_decref(c->shards[s].entries[i].hold);
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
static json_t *drop(shard_t *sh, apr_uint32_t i, apr_uint32_t *link)
{
    entry_t *e = &sh->entries[i];
    json_t *hold = e->hold;

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
    json_t *expired = NULL;
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
        hit->hold = json_incref(e->hold);
        hit->view = e->view;
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
    json_decref(expired);
    if (found) { /* the array never changes once made: read it outside the lock */
        hit->payload = json_array_get(hit->hold, 0);
        hit->claims = json_string_value(json_array_get(hit->hold, 1));
        hit->kid = json_string_value(json_array_get(hit->hold, 2));
        hit->ath = json_string_value(json_array_get(hit->hold, 3));
    }
    return found;
}

void aj_tcache_put(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME], json_t *payload,
                   const char *claims, const aj_claims_view_t *view,
                   const unsigned char thumbprint[32], const aj_alg_t *alg, const char *kid,
                   const char *ath, double exp)
{
    json_t *hold = json_array(); /* made outside the lock */

    if (hold == NULL || json_array_append(hold, payload) != 0 ||
        json_array_append_new(hold, claims ? json_string(claims) : json_null()) != 0 ||
        json_array_append_new(hold, kid ? json_string(kid) : json_null()) != 0 ||
        json_array_append_new(hold, ath ? json_string(ath) : json_null()) != 0) {
        json_decref(hold); /* out of memory, or text that is not UTF-8: not cached */
        return;
    }
    aj_tcache_put_held(c, name, hold, view, thumbprint, alg, exp);
    json_decref(hold);
}

void aj_tcache_put_held(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME], json_t *hold,
                        const aj_claims_view_t *view, const unsigned char thumbprint[32],
                        const aj_alg_t *alg, double exp)
{
    shard_t *sh = shard_of(c, name);
    apr_uint32_t *link, i;
    json_t *old = NULL;
    entry_t *e;

    apr_thread_mutex_lock(sh->lock);
    i = find(sh, name, &link);
    if (i != NONE) {
        old = drop(sh, i, link); /* replaced below */
    }
    if (sh->free_list == NONE) { /* full: evict the least recently used */
        apr_uint32_t victim = sh->tail, *vlink;
        find(sh, sh->entries[victim].name, &vlink);
        json_decref(old);
        old = drop(sh, victim, vlink);
        sh->evictions++;
    }
    i = sh->free_list;
    e = &sh->entries[i];
    sh->free_list = e->chain;
    memcpy(e->name, name, AJ_TCACHE_NAME);
    memcpy(e->thumbprint, thumbprint, 32);
    e->hold = json_incref(hold);
    e->view = *view;
    e->alg = alg;
    e->exp = exp;
    link = &sh->buckets[bucket_of(sh, name)];
    e->chain = *link;
    *link = i;
    list_push_front(sh, i);
    sh->used++;
    sh->inserts++;
    apr_thread_mutex_unlock(sh->lock);
    json_decref(old);
}

void aj_tcache_remove(aj_tcache_t *c, const unsigned char name[AJ_TCACHE_NAME])
{
    shard_t *sh = shard_of(c, name);
    apr_uint32_t *link, i;
    json_t *old = NULL;

    apr_thread_mutex_lock(sh->lock);
    i = find(sh, name, &link);
    if (i != NONE) {
        old = drop(sh, i, link);
    }
    apr_thread_mutex_unlock(sh->lock);
    json_decref(old);
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
