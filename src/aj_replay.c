/*
 * aj_replay.c: the spent-proof table (aj_replay.h).
 *
 * Layout: a 64-byte header, then buckets of 8 slots (one 64-byte cache line
 * each). A slot is one 64-bit word: the second the entry expires (high 32
 * bits) and a tag (32 bits of the proof's id). A slot whose second has passed
 * is free; an empty slot is 0, so it is free too. A proof may live in either
 * of two buckets, both chosen by other bits of its id, so a table stays
 * usable until it is nearly full, and a proof is taken only when neither
 * bucket holds its tag live.
 *
 * Taking a proof, with no lock:
 *   1. read the 16 slots: a live one with this tag is a replay; else note the
 *      first free one (none: the table is full here);
 *   2. compare-and-swap that slot from the value read to ours; if another
 *      process changed it meanwhile, start again;
 *   3. read the other 15 slots again: a live one with this tag means another
 *      process took the same proof at the same time, so this one is a replay.
 * Of two processes racing with one proof, the one whose swap came second sees
 * the first one's entry in step 3 (entries are never overwritten while live),
 * so at most one of them is told AJ_REPLAY_FIRST.
 */
#include <string.h>

#include <apr_atomic.h>

#include "aj_replay.h"

#define BUCKET 8u /* slots */
#define MAGIC 0x416a5270u /* "AjRp" */
#define VERSION 1u
#define TRIES 16 /* swaps lost to other processes before giving up (FULL) */

struct aj_replay_table {
    apr_uint32_t magic;
    apr_uint32_t version;
    apr_uint32_t buckets;
    apr_uint32_t reserved[13]; /* the slots start on a cache line */
    volatile apr_uint64_t slots[];
};

#define EXPIRES(v) ((apr_uint32_t)((v) >> 32))
#define TAG(v) ((apr_uint32_t)(v))

static apr_uint32_t le32(const unsigned char *b)
{
    return (apr_uint32_t)b[0] | (apr_uint32_t)b[1] << 8 | (apr_uint32_t)b[2] << 16 |
           (apr_uint32_t)b[3] << 24;
}

static apr_uint32_t buckets_for(apr_uint32_t capacity)
{
    if (capacity < AJ_REPLAY_MIN) {
        capacity = AJ_REPLAY_MIN;
    }
    if (capacity > AJ_REPLAY_MAX) {
        capacity = AJ_REPLAY_MAX;
    }
    return (capacity + BUCKET - 1) / BUCKET;
}

apr_size_t aj_replay_size(apr_uint32_t capacity)
{
    return sizeof(aj_replay_table_t) +
           (apr_size_t)buckets_for(capacity) * BUCKET * sizeof(apr_uint64_t);
}

aj_replay_table_t *aj_replay_init(void *mem, apr_size_t size)
{
    aj_replay_table_t *t = mem;
    apr_size_t n;

    if (mem == NULL || size < aj_replay_size(AJ_REPLAY_MIN)) {
        return NULL;
    }
    n = (size - sizeof(*t)) / (BUCKET * sizeof(apr_uint64_t));
    memset(mem, 0, size);
    t->magic = MAGIC;
    t->version = VERSION;
    t->buckets = (apr_uint32_t)(n > AJ_REPLAY_MAX / BUCKET ? AJ_REPLAY_MAX / BUCKET : n);
    return t;
}

aj_replay_table_t *aj_replay_attach(void *mem, apr_size_t size)
{
    aj_replay_table_t *t = mem;

    if (mem == NULL || size < sizeof(*t) || t->magic != MAGIC || t->version != VERSION ||
        t->buckets < AJ_REPLAY_MIN / BUCKET ||
        size < sizeof(*t) + (apr_size_t)t->buckets * BUCKET * sizeof(apr_uint64_t)) {
        return NULL;
    }
    return t;
}

apr_uint32_t aj_replay_capacity(const aj_replay_table_t *t)
{
    return t->buckets * BUCKET;
}

apr_uint32_t aj_replay_live(aj_replay_table_t *t, apr_uint32_t now)
{
    apr_uint32_t i, live = 0, n = t->buckets * BUCKET;

    for (i = 0; i < n; i++) {
        live += EXPIRES(apr_atomic_read64(&t->slots[i])) > now;
    }
    return live;
}

/* The i-th of the 16 slots a proof may use: bucket b1's 8, then b2's. */
static volatile apr_uint64_t *slot_of(aj_replay_table_t *t, apr_uint32_t b1, apr_uint32_t b2,
                                      unsigned int i)
{
    return &t->slots[(apr_size_t)(i < BUCKET ? b1 : b2) * BUCKET + i % BUCKET];
}

/* Whether a slot other than mine holds this tag, live at now. */
static int tag_live(aj_replay_table_t *t, apr_uint32_t b1, apr_uint32_t b2, apr_uint32_t tag,
                    apr_uint32_t now, volatile apr_uint64_t *mine)
{
    unsigned int i;
    apr_uint64_t v;

    for (i = 0; i < 2 * BUCKET; i++) {
        if (slot_of(t, b1, b2, i) == mine) {
            continue;
        }
        v = apr_atomic_read64(slot_of(t, b1, b2, i));
        if (EXPIRES(v) > now && TAG(v) == tag) {
            return 1;
        }
    }
    return 0;
}

aj_replay_e aj_replay_take(aj_replay_table_t *t, const unsigned char id[32], apr_uint32_t expires,
                           apr_uint32_t now)
{
    apr_uint32_t b1 = le32(id) % t->buckets, b2 = le32(id + 4) % t->buckets;
    apr_uint32_t tag = le32(id + 8);
    apr_uint64_t mine, seen = 0, v;
    volatile apr_uint64_t *free;
    unsigned int i;
    int tries;

    if (b2 == b1) {
        b2 = (b1 + 1) % t->buckets;
    }
    if (expires <= now) {
        expires = now + 1;
    }
    mine = (apr_uint64_t)expires << 32 | tag;
    for (tries = 0; tries < TRIES; tries++) {
        free = NULL;
        for (i = 0; i < 2 * BUCKET; i++) {
            v = apr_atomic_read64(slot_of(t, b1, b2, i));
            if (EXPIRES(v) > now) {
                if (TAG(v) == tag) {
                    return AJ_REPLAY_SEEN;
                }
            } else if (free == NULL) {
                free = slot_of(t, b1, b2, i);
                seen = v;
            }
        }
        if (free == NULL) {
            return AJ_REPLAY_FULL;
        }
        if (apr_atomic_cas64(free, mine, seen) != seen) {
            continue; /* another process took that slot first: read again */
        }
        return tag_live(t, b1, b2, tag, now, free) ? AJ_REPLAY_SEEN : AJ_REPLAY_FIRST;
    }
    return AJ_REPLAY_FULL;
}
