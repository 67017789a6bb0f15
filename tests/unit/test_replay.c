/*
 * test_replay.c: the spent-proof table (src/aj_replay.c). Attacks: a proof
 * replayed while live; a flood that fills the table so that an old proof is
 * pushed out and accepted again; the same proof sent to several processes at
 * once so that two of them take it.
 */
#include <string.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "unit.h"
#include "aj_replay.h"

#define NOW 1781724900u

/* The id of proof n: a SHA-256, as the module makes them. */
static void id_of(unsigned char id[32], unsigned int n)
{
    char text[32];
    snprintf(text, sizeof(text), "proof-%u", n);
    SHA256((const unsigned char *)text, strlen(text), id);
}

static aj_replay_table_t *table_of(apr_uint32_t capacity)
{
    apr_size_t size = aj_replay_size(capacity);
    void *mem = apr_palloc(unit_pool, size);
    aj_replay_table_t *t = aj_replay_init(mem, size);

    ck_assert_ptr_nonnull(t);
    return t;
}

/* Replay while live: the second take of a proof is refused until it expires. */
START_TEST(replay_second_take_refused)
{
    aj_replay_table_t *t = table_of(1024);
    unsigned char a[32], b[32];

    id_of(a, 1);
    id_of(b, 2);
    int exact;

    ck_assert_int_eq(aj_replay_take(t, a, NOW, 300, NOW), AJ_REPLAY_FIRST);
    ck_assert_int_eq(aj_replay_take(t, a, NOW, 300, NOW), AJ_REPLAY_SEEN);
    ck_assert_int_eq(aj_replay_take(t, a, NOW, 300, NOW + 300), AJ_REPLAY_SEEN);
    ck_assert_int_eq(aj_replay_take(t, b, NOW, 300, NOW), AJ_REPLAY_FIRST);
    ck_assert_uint_eq(aj_replay_live(t, NOW, &exact), 2);
    ck_assert(exact);
    /* an entry outlives the window by more than a second, whatever the
     * fraction of iat: the caller's iat check refuses the proof before */
    ck_assert_int_eq(aj_replay_take(t, b, NOW + 0.999, 300, NOW + 301), AJ_REPLAY_SEEN);
    /* past its expiry the entry is gone (the proof's iat check refuses it by then) */
    ck_assert_int_eq(aj_replay_take(t, a, NOW, 300, NOW + 302), AJ_REPLAY_FIRST);
    ck_assert_uint_eq(aj_replay_live(t, NOW + 302, &exact), 1);
    /* a proof taken, then released (its recording failed elsewhere), may be taken again */
    aj_replay_release(t, b);
    ck_assert_int_eq(aj_replay_take(t, b, NOW, 300, NOW + 1), AJ_REPLAY_FIRST);
}
END_TEST

/* Flood to push a spent proof out: a full table refuses new proofs and keeps
 * every spent one. */
START_TEST(replay_full_table_keeps_every_entry)
{
    aj_replay_table_t *t = table_of(AJ_REPLAY_MIN);
    unsigned char id[32];
    unsigned int n, taken = 0, full = 0;
    int exact;
    static unsigned char first[4 * AJ_REPLAY_MIN];

    ck_assert_uint_eq(aj_replay_capacity(t), AJ_REPLAY_MIN);
    for (n = 0; n < 4 * AJ_REPLAY_MIN; n++) {
        id_of(id, n);
        switch (aj_replay_take(t, id, NOW, 300, NOW)) {
        case AJ_REPLAY_FIRST:
            first[n] = 1;
            taken++;
            break;
        case AJ_REPLAY_FULL:
            full++;
            break;
        default:
            ck_abort_msg("proof %u was never taken, yet is seen", n);
        }
    }
    ck_assert_uint_le(taken, AJ_REPLAY_MIN);
    ck_assert_uint_ge(taken, AJ_REPLAY_MIN * 3 / 4); /* two choices fill it nearly up */
    ck_assert_uint_eq(taken + full, 4 * AJ_REPLAY_MIN);
    ck_assert_uint_eq(aj_replay_live(t, NOW, &exact), taken);
    for (n = 0; n < 4 * AJ_REPLAY_MIN; n++) {
        id_of(id, n);
        ck_assert_int_eq(aj_replay_take(t, id, NOW, 300, NOW + 100),
                         first[n] ? AJ_REPLAY_SEEN : AJ_REPLAY_FULL);
    }
    /* once the entries expire, there is room again */
    id_of(id, 0);
    ck_assert_int_eq(aj_replay_take(t, id, NOW + 400, 300, NOW + 400), AJ_REPLAY_FIRST);
}
END_TEST

START_TEST(replay_attach_checks_layout)
{
    apr_size_t size = aj_replay_size(1000);
    void *mem = apr_palloc(unit_pool, size);
    aj_replay_table_t *t = aj_replay_init(mem, size);
    unsigned char id[32];

    ck_assert_uint_ge(aj_replay_capacity(t), 1000);
    ck_assert_uint_lt(aj_replay_capacity(t), 1000 + 8);
    id_of(id, 7);
    ck_assert_int_eq(aj_replay_take(t, id, NOW, 60, NOW), AJ_REPLAY_FIRST);
    /* a graceful restart attaches to the same table: the proof stays spent */
    t = aj_replay_attach(mem, size);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(aj_replay_take(t, id, NOW, 60, NOW + 1), AJ_REPLAY_SEEN);
    ck_assert_ptr_null(aj_replay_attach(mem, 64)); /* smaller than its slots */
    ck_assert_ptr_null(aj_replay_init(mem, 64));
    memset(mem, 0, 4);
    ck_assert_ptr_null(aj_replay_attach(mem, size)); /* not a table */
    ck_assert_ptr_null(aj_replay_attach(NULL, size));
}
END_TEST

/*
 * A proof recorded by a scope with a short window, replayed to a scope with a
 * longer one (another <Location>, an <If>, a reload that raised
 * Auth0DPoPProofLifetime) once the short entry would have expired: the
 * table's horizon grows with the longest window, and a proof recorded before
 * that is refused once it is older than the horizon of then.
 */
START_TEST(replay_longer_window_elsewhere_still_refused)
{
    aj_replay_table_t *t = table_of(1024);
    unsigned char a[32], b[32], c[32];

    id_of(a, 1);
    id_of(b, 2);
    id_of(c, 3);
    ck_assert_int_eq(aj_replay_take(t, a, NOW, 2, NOW), AJ_REPLAY_FIRST); /* window 2 s */
    ck_assert_uint_eq(aj_replay_horizon(t), 2);
    /* 10 s later, where proofs are good for 60 s: a replay, whatever the short entry did */
    ck_assert_int_eq(aj_replay_take(t, a, NOW, 60, NOW + 10), AJ_REPLAY_SEEN);
    ck_assert_uint_eq(aj_replay_horizon(t), 60);
    /* a proof never seen but issued before the raise, older than the horizon of
     * then: it may have been recorded and forgotten, so it is refused too */
    ck_assert_int_eq(aj_replay_take(t, b, NOW, 60, NOW + 11), AJ_REPLAY_SEEN);
    /* proofs issued after the raise are recorded for the new horizon: a replay
     * 50 s later, from the short scope's side, is still caught */
    ck_assert_int_eq(aj_replay_take(t, c, NOW + 20, 2, NOW + 20), AJ_REPLAY_FIRST);
    ck_assert_int_eq(aj_replay_take(t, c, NOW + 20, 60, NOW + 70), AJ_REPLAY_SEEN);
}
END_TEST

/* Wait until both racers reach proof n. */
static void barrier(volatile unsigned int *arrived, unsigned int n)
{
    __atomic_add_fetch(&arrived[n], 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&arrived[n], __ATOMIC_SEQ_CST) < 2) {
        sched_yield();
    }
}

/*
 * The same proof sent to two processes at the same moment, each taken at most
 * once, over memory shared the way httpd's children share it. The racers run
 * in lock step, one proof at a time, and a second boundary falls between
 * them: the table is half full of entries that expire at NOW + 1, live for
 * the first racer and free for the second, so the two pick different slots
 * and both swaps succeed. Only the re-read after the swap stops the second
 * one.
 */
START_TEST(replay_racing_processes_take_once)
{
    enum { PROOFS = 20000, FILLER = 1u << 20 };
    apr_size_t size = aj_replay_size(4 * PROOFS);
    apr_size_t extra = PROOFS + PROOFS * sizeof(unsigned int);
    unsigned char *mem = mmap(NULL, size + extra, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unsigned char *firsts = mem + size, id[32];
    unsigned int *arrived = (unsigned int *)(mem + size + PROOFS);
    aj_replay_table_t *t;
    unsigned int n, total = 0, twice = 0;
    int p, status, exact;
    pid_t pids[2];

    ck_assert_ptr_ne(mem, MAP_FAILED);
    t = aj_replay_init(mem, size);
    ck_assert_ptr_nonnull(t);
    for (n = 0, total = 0; total < aj_replay_capacity(t) / 2; n++) {
        id_of(id, FILLER + n);
        total += aj_replay_take(t, id, NOW - 2.0, 1, NOW) == AJ_REPLAY_FIRST;
    }
    total = 0;
    for (p = 0; p < 2; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            for (n = 0; n < PROOFS; n++) {
                id_of(id, n);
                barrier(arrived, n);
                if (aj_replay_take(t, id, NOW, 1, NOW + (apr_uint32_t)p) == AJ_REPLAY_FIRST) {
                    __atomic_add_fetch(&firsts[n], 1, __ATOMIC_SEQ_CST);
                }
            }
            _exit(0);
        }
    }
    for (p = 0; p < 2; p++) {
        ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    for (n = 0; n < PROOFS; n++) {
        twice += firsts[n] > 1;
        total += firsts[n] != 0;
    }
    ck_assert_msg(twice == 0, "%u of %u proofs were taken by both processes", twice, PROOFS);
    /* both racers may be told "seen"; that refuses, never lets through */
    ck_assert_uint_ge(total, PROOFS / 2);
    /* every taken proof is in the table (a racer told "seen" may leave a twin) */
    ck_assert_uint_ge(aj_replay_live(t, NOW + 1, &exact), total);
    munmap(mem, size + extra);
}
END_TEST

Suite *suite_replay(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("table");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    /* the racing test's 20,000 two-process barriers take seconds under ASan on
     * a loaded 2-core machine (4 s, Check's default, was seen to run out) */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, replay_second_take_refused);
    tcase_add_test(tc, replay_full_table_keeps_every_entry);
    tcase_add_test(tc, replay_attach_checks_layout);
    tcase_add_test(tc, replay_longer_window_elsewhere_still_refused);
    tcase_add_test(tc, replay_racing_processes_take_once);
    suite_add_tcase(s, tc);
    return s;
}
