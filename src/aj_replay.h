/*
 * aj_replay.h: the spent DPoP proofs of one server, in a fixed table that all
 * its processes share (shared memory made by the caller). Each proof is taken
 * once: no lock, only atomic compare-and-swap on 64-bit slots, so a process
 * that dies half-way leaves nothing held.
 *
 * A live entry is never pushed out by a newer one. When both places a proof
 * may go are full of live entries, the proof is not taken (AJ_REPLAY_FULL):
 * the caller refuses it. A full table therefore refuses new proofs until old
 * ones expire; it never lets a spent proof through.
 *
 * How long an entry lives: from the proof's iat, the largest window any
 * caller has asked for so far (the table's horizon), so that a scope with a
 * longer proof lifetime than the one that recorded a proof still finds it.
 * When a caller raises the horizon, entries recorded before keep their
 * shorter life; the table remembers the raise, and a proof that may have been
 * recorded before it is refused once it is older than the horizon of then.
 */
#ifndef AJ_REPLAY_H
#define AJ_REPLAY_H

#include <apr.h>

typedef struct aj_replay_table aj_replay_table_t;

typedef enum {
    AJ_REPLAY_FIRST = 1, /* not seen before: now recorded until its expiry */
    AJ_REPLAY_SEEN = 0,  /* seen before, and still live: a replay */
    AJ_REPLAY_FULL = -1  /* no room: not recorded, so not taken */
} aj_replay_e;

#define AJ_REPLAY_MIN 64u        /* proofs: the smallest table */
#define AJ_REPLAY_MAX 67108864u  /* proofs: the largest (512 MiB of memory) */

/* The bytes of a table for capacity proofs (rounded up to whole buckets). */
apr_size_t aj_replay_size(apr_uint32_t capacity);

/* Format mem (size bytes, from aj_replay_size()) as an empty table. */
aj_replay_table_t *aj_replay_init(void *mem, apr_size_t size);

/* The table already in mem, or NULL when mem holds no table of this size and layout. */
aj_replay_table_t *aj_replay_attach(void *mem, apr_size_t size);

/*
 * Take the proof named by id (32 bytes, a digest of its key and jti), issued
 * at iat (seconds since the epoch), which the caller accepts for window
 * seconds after iat (lifetime plus skew, and the skew once more for clocks
 * ahead). now: seconds since the epoch. Two processes taking the same proof
 * at the same time never both get AJ_REPLAY_FIRST (both may get
 * AJ_REPLAY_SEEN). AJ_REPLAY_SEEN also for a proof that may have been taken
 * before the horizon last grew and is older than the horizon of then.
 */
aj_replay_e aj_replay_take(aj_replay_table_t *t, const unsigned char id[32], double iat,
                           apr_uint32_t window, apr_uint32_t now);

/* Forget the proof id took (the caller could not finish recording it
 * elsewhere, and refused it): it may be taken again. */
void aj_replay_release(aj_replay_table_t *t, const unsigned char id[32]);

/* The horizon: the longest window asked for so far, in seconds. */
apr_uint32_t aj_replay_horizon(const aj_replay_table_t *t);

/* How many proofs the table holds at most, and how many are live at now:
 * counted exactly up to AJ_REPLAY_COUNT_MAX slots, estimated from that many
 * evenly spread slots beyond (*exact says which). */
#define AJ_REPLAY_COUNT_MAX 1048576u
apr_uint32_t aj_replay_capacity(const aj_replay_table_t *t);
apr_uint32_t aj_replay_live(aj_replay_table_t *t, apr_uint32_t now, int *exact);

#endif
