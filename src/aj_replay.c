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
 *
 * The horizon and its raises live in the header. Raising it is rare (a scope
 * with a longer window than any before), so it takes a spin lock on a header
 * word, and readers of the raise history check a sequence number around
 * their reading (odd: a raise is being written; changed: read again). A
 * process that dies holding the lock leaves the horizon as it is: later
 * raises give up after a bounded wait and refuse (AJ_REPLAY_FULL).
 */
#include <string.h>

#include <apr_atomic.h>

#include "aj_replay.h"

#define BUCKET 8u /* slots */
#define MAGIC 0x416a5270u /* "AjRp" */
#define VERSION 2u
#define TRIES 16 /* swaps lost to other processes before giving up (FULL) */
#define RAISES 16 /* raises of the horizon remembered */
#define SPIN 1000000 /* lock attempts before a raise gives up */

typedef struct {
    apr_uint32_t at;   /* when the horizon grew (seconds since the epoch) */
    apr_uint32_t prev; /* the horizon before that (seconds) */
} raise_t;

struct aj_replay_table {
    apr_uint32_t magic;
    apr_uint32_t version;
    apr_uint32_t buckets;
    volatile apr_uint32_t horizon; /* seconds */
    volatile apr_uint32_t lock;    /* 1 while a raise is written */
    volatile apr_uint32_t seq;     /* odd while a raise is written */
    apr_uint32_t nraises;
    raise_t raises[RAISES];
    apr_uint32_t reserved[9]; /* the slots start on a cache line */
    volatile apr_uint64_t slots[];
};

_Static_assert(sizeof(struct aj_replay_table) % 64 == 0, "the slots start on a cache line");

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

apr_uint32_t aj_replay_live(aj_replay_table_t *t, apr_uint32_t now, int *exact)
{
    apr_uint32_t n = t->buckets * BUCKET, step = n > AJ_REPLAY_COUNT_MAX ? n / AJ_REPLAY_COUNT_MAX : 1;
    apr_uint64_t live = 0, seen = 0;

    for (apr_uint32_t i = 0; i < n; i += step, seen++) {
        live += EXPIRES(apr_atomic_read64(&t->slots[i])) > now;
    }
    *exact = step == 1;
    return (apr_uint32_t)(live * n / (seen ? seen : 1));
}

apr_uint32_t aj_replay_horizon(const aj_replay_table_t *t)
{
    return t->horizon;
}

/* ---- the horizon ------------------------------------------------------------ */

/* Record that the horizon grows to window at now (unless it already has). 0
 * when the lock could not be had. */
static int raise_horizon(aj_replay_table_t *t, apr_uint32_t window, apr_uint32_t now)
{
    apr_uint32_t old, keep = 0;
    long spins = 0;

    while (apr_atomic_cas32(&t->lock, 1, 0) != 0) {
        if (++spins > SPIN) {
            return 0;
        }
    }
    old = apr_atomic_read32(&t->horizon);
    if (window > old && old == 0) { /* the first take: nothing recorded before */
        apr_atomic_set32(&t->horizon, window);
    } else if (window > old) {
        apr_atomic_inc32(&t->seq); /* odd: readers wait */
        /* a raise matters to proofs issued before it, for as long as any
         * scope accepts them: drop those past the new horizon */
        for (apr_uint32_t i = 0; i < t->nraises; i++) {
            if ((apr_uint64_t)t->raises[i].at + t->raises[i].prev + window > now) {
                t->raises[keep++] = t->raises[i];
            }
        }
        if (keep == RAISES) { /* merge the two oldest: the later time, the shorter life */
            t->raises[1].prev = t->raises[0].prev < t->raises[1].prev ? t->raises[0].prev
                                                                       : t->raises[1].prev;
            memmove(&t->raises[0], &t->raises[1], sizeof(raise_t) * (RAISES - 1));
            keep--;
        }
        t->raises[keep].at = now;
        t->raises[keep].prev = old;
        t->nraises = keep + 1;
        apr_atomic_set32(&t->horizon, window);
        apr_atomic_inc32(&t->seq); /* even again */
    }
    apr_atomic_set32(&t->lock, 0);
    return 1;
}

/* Whether a proof issued at iat may have been recorded before a raise, under
 * the shorter horizon of then, and be past it at now. -1 when the history
 * could not be read steadily (the caller refuses). */
static int older_than_a_raise(aj_replay_table_t *t, double iat, apr_uint32_t now)
{
    for (int tries = 0; tries < 1000; tries++) {
        apr_uint32_t seq = apr_atomic_read32(&t->seq), n;
        int older = 0;

        if (seq & 1) {
            continue;
        }
        n = t->nraises < RAISES ? t->nraises : RAISES;
        for (apr_uint32_t i = 0; i < n; i++) {
            raise_t r = t->raises[i];
            /* issued before the raise (plus that horizon, for clocks ahead),
             * and older than the horizon its entry was kept for */
            if (iat < (double)r.at + r.prev && (double)now >= iat + r.prev) {
                older = 1;
            }
        }
        if (apr_atomic_read32(&t->seq) == seq) {
            return older;
        }
    }
    return -1;
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

/* The two buckets of id, and its tag. */
static void place(const aj_replay_table_t *t, const unsigned char id[32], apr_uint32_t *b1,
                  apr_uint32_t *b2, apr_uint32_t *tag)
{
    *b1 = le32(id) % t->buckets;
    *b2 = le32(id + 4) % t->buckets;
    if (*b2 == *b1) {
        *b2 = (*b1 + 1) % t->buckets;
    }
    *tag = le32(id + 8);
}

aj_replay_e aj_replay_take(aj_replay_table_t *t, const unsigned char id[32], double iat,
                           apr_uint32_t window, apr_uint32_t now)
{
    apr_uint32_t b1, b2, tag, horizon, expires;
    apr_uint64_t mine, seen = 0, v, until;
    volatile apr_uint64_t *free;
    unsigned int i;
    int tries, older;

    place(t, id, &b1, &b2, &tag);
    if (!(iat >= 0 && iat < 4294967295.0)) {
        return AJ_REPLAY_SEEN; /* the caller's iat check never lets such a proof this far */
    }
    if (window > apr_atomic_read32(&t->horizon) && !raise_horizon(t, window, now)) {
        return AJ_REPLAY_FULL;
    }
    if ((older = older_than_a_raise(t, iat, now)) != 0) {
        return older > 0 ? AJ_REPLAY_SEEN : AJ_REPLAY_FULL;
    }
    horizon = apr_atomic_read32(&t->horizon);
    /* the whole second after iat's, the horizon, and one more second */
    until = (apr_uint64_t)iat + 1 + (horizon > window ? horizon : window) + 1;
    expires = until > 0xffffffffu ? 0xffffffffu : (apr_uint32_t)until;
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

void aj_replay_release(aj_replay_table_t *t, const unsigned char id[32])
{
    apr_uint32_t b1, b2, tag;

    place(t, id, &b1, &b2, &tag);
    for (unsigned int i = 0; i < 2 * BUCKET; i++) {
        volatile apr_uint64_t *slot = slot_of(t, b1, b2, i);
        apr_uint64_t v = apr_atomic_read64(slot);
        if (v != 0 && TAG(v) == tag) {
            apr_atomic_cas64(slot, 0, v); /* lost to another writer: it was not ours then */
            return;
        }
    }
}
