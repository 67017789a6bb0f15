/*
 * bench_tcache.c: the two levels of the verified-token cache, timed (issue
 * 17, goal 6: a hit in the shared level costs at most 3 us more than a hit
 * in the process's own cache). Two loops over 256 tokens in rotation, each
 * operation what the access checker does for that kind of hit, the request
 * pool cleared after each as httpd does:
 *
 *   first   the floor: aj_tcache_get of an entry the process's own cache
 *           holds (a cache of 1,024), its hold released with the pool.
 *   shared  a record (Auth0-like payload, 450 to 500 bytes) copied out of
 *           memory under a global mutex (process and thread, APR_LOCK_DEFAULT,
 *           as mod_socache_shmcb's records are under threaded MPMs),
 *           aj_tcache_rec_read (the payload's JSON with every rule a token's
 *           payload meets, the claims view, the hold), then the entry put in
 *           the process's own cache of 16 full entries, so the oldest goes:
 *           the dearest case, the one scripts/bench/cache_scale.py's "levels"
 *           point measures end to end.
 *   shared-fcntl  the same under an fcntl mutex, which `Mutex file:DIR
 *           default` gives every mutex without one of its own (two system
 *           calls a lookup).
 *
 * Left out of both: what they share (the keyed hash of the token, the key
 * choice); left out of "shared": shmcb's search of its own index (about 500
 * instructions by callgrind; scripts/bench/bench.py's shared-level profile).
 *
 * The loops alternate BENCH_TCACHE_REPS times (default 5), BENCH_TCACHE_SECONDS
 * each (default 1); the table gives medians. For callgrind:
 * BENCH_TCACHE_ONLY=first, shared or shared-fcntl with BENCH_TCACHE_COUNT=N runs
 * that loop N times (--toggle-collect=op_first or op_shared: instructions per
 * operation).
 *
 * Build: make tests/bench/bench_tcache   (not built by default)
 * Exit status: 0, or 1 when an operation does not hit (never times failures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_global_mutex.h>
#include <apr_pools.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <openssl/crypto.h>

#include "aj_alg.h"
#include "aj_json.h"
#include "aj_tcache.h"
#include "aj_tcache_rec.h"
#include "bench_util.h"

#define TOKENS  256
#define NOW     1800000000.0
#define EXP     1800086400.0
#define MAX_REPS 99
#define N_LOOPS  3 /* first, shared, shared-fcntl */

typedef struct {
    aj_tcache_t *own;   /* first: holds every token */
    aj_tcache_t *small; /* shared: 16 entries, always full */
    apr_global_mutex_t *lock, *pthread_lock, *fcntl_lock;
    apr_pool_t *req;
    unsigned char names[TOKENS][AJ_TCACHE_NAME];
    unsigned char *recs[TOKENS];
    apr_size_t lens[TOKENS];
    unsigned char copy[AJ_TCACHE_REC_MAX];
    unsigned next;
} bench_t;

static const char *claims_of(apr_pool_t *p, int i)
{
    return apr_psprintf(
        p,
        "{\"iss\":\"https://tenant.example.auth0.com/\",\"sub\":\"auth0|bench-%d\","
        "\"aud\":[\"https://api.example.com/\",\"https://tenant.example.auth0.com/userinfo\"],"
        "\"iat\":1799990000,\"exp\":%.0f,\"azp\":\"kbyuFDidLLm280LIwVFiazOqjO3ty8KH\","
        "\"scope\":\"openid profile read:messages\",\"gty\":\"client-credentials\","
        "\"permissions\":[\"read:messages\",\"write:messages\"]}",
        i, EXP);
}

static int op_first(void *arg)
{
    bench_t *b = arg;
    aj_tcache_hit_t hit;
    int ok = aj_tcache_get(b->own, b->names[b->next], NOW, &hit);

    if (ok) {
        aj_tcache_held_pool_own(b->req, hit.hold);
    }
    apr_pool_clear(b->req);
    b->next = (b->next + 1) % TOKENS;
    return ok;
}

static int op_shared(void *arg)
{
    bench_t *b = arg;
    aj_tcache_hit_t hit;
    apr_size_t n = b->lens[b->next];
    int ok = 0;

    if (apr_global_mutex_lock(b->lock) == APR_SUCCESS) {
        memcpy(b->copy, b->recs[b->next], n);
        apr_global_mutex_unlock(b->lock);
        ok = aj_tcache_rec_read(b->copy, n, NOW, &hit);
    }
    if (ok) {
        aj_tcache_put_held(b->small, b->names[b->next], hit.hold, hit.thumbprint, hit.alg,
                           json_number_value(hit.view.exp));
        aj_tcache_held_pool_own(b->req, hit.hold);
    }
    apr_pool_clear(b->req);
    b->next = (b->next + 1) % TOKENS;
    return ok;
}

/* the same with the mutex `Mutex file:DIR default` gives every mutex (fcntl) */
static int op_shared_fcntl(void *arg)
{
    bench_t *b = arg;
    int ok;

    b->lock = b->fcntl_lock;
    ok = op_shared(b);
    b->lock = b->pthread_lock;
    return ok;
}

static int setup(bench_t *b, apr_pool_t *p)
{
    static const unsigned char thumb[32] = {7};
    const aj_alg_t *alg = aj_alg_by_id(AJ_ALG_RS256);
    unsigned char key[16], policy[AJ_TCACHE_POLICY_MAX];
    apr_size_t policy_len;
    const char *tmp = NULL;

    memset(b, 0, sizeof(*b));
    for (int i = 0; i < 16; i++) {
        key[i] = (unsigned char)(i * 37 + 11);
    }
    policy_len = aj_tcache_policy(policy, AJ_ALG_BIT(AJ_ALG_RS256), 0, key, NULL, NULL);
    if (apr_temp_dir_get(&tmp, p) != APR_SUCCESS ||
        apr_global_mutex_create(&b->pthread_lock, NULL, APR_LOCK_DEFAULT, p) != APR_SUCCESS ||
        apr_global_mutex_create(&b->fcntl_lock,
                                apr_psprintf(p, "%s/bench_tcache.%ld", tmp, (long)getpid()),
                                APR_LOCK_FCNTL, p) != APR_SUCCESS ||
        apr_pool_create(&b->req, p) != APR_SUCCESS) {
        return 0;
    }
    b->lock = b->pthread_lock;
    b->own = aj_tcache_create(p, 1024);
    b->small = aj_tcache_create(p, 16);
    for (int i = 0; i < TOKENS; i++) {
        const char *claims = claims_of(p, i), *token = apr_psprintf(p, "token-%d", i);
        json_t *payload = json_loads(claims, 0, NULL);
        aj_claims_view_t view;

        if (payload == NULL) {
            return 0;
        }
        aj_tcache_name(b->names[i], key, token, strlen(token), policy, policy_len);
        b->recs[i] = apr_palloc(p, AJ_TCACHE_REC_MAX);
        b->lens[i] = aj_tcache_rec_make(b->recs[i], alg, thumb, "bench-key", NULL, claims);
        aj_claims_view(&view, payload);
        aj_tcache_put(b->own, b->names[i], payload, claims, &view, thumb, alg, "bench-key", NULL,
                      EXP);
        json_decref(payload);
        if (b->lens[i] == 0) {
            return 0;
        }
    }
    /* the small cache starts full of other tokens, as a busy child's does */
    for (int i = 0; i < 16; i++) {
        b->next = (unsigned)(TOKENS - 16 + i);
        if (!op_shared(b)) {
            return 0;
        }
    }
    b->next = 0;
    return 1;
}

int main(int argc, const char *const *argv)
{
    static const struct {
        const char *name, *label;
        int (*op)(void *);
    } loops[] = {
        {"first", "first: own cache holds the token", op_first},
        {"shared", "shared: record read, own cache of 16", op_shared},
        {"shared-fcntl", "shared, fcntl mutex (`Mutex file:DIR default`)", op_shared_fcntl},
    };
    double seconds = bench_env("BENCH_TCACHE_SECONDS", 1.0, 0.01, 3600);
    int reps = (int)bench_env("BENCH_TCACHE_REPS", 5, 1, MAX_REPS);
    const char *only = getenv("BENCH_TCACHE_ONLY"), *count = getenv("BENCH_TCACHE_COUNT");
    double runs[N_LOOPS][MAX_REPS], med[N_LOOPS];
    apr_pool_t *p;
    bench_t *b;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    b = apr_palloc(p, sizeof(*b));
    if (!setup(b, p)) {
        fprintf(stderr, "bench_tcache: cannot set up\n");
        return 1;
    }
    if (only && *only) {
        long n = count ? atol(count) : 0, ok = 0;
        size_t l = 0;
        while (l < N_LOOPS && strcmp(loops[l].name, only) != 0) {
            l++;
        }
        if (l == N_LOOPS) {
            fprintf(stderr, "bench_tcache: BENCH_TCACHE_ONLY is first, shared or shared-fcntl\n");
            return 2;
        }
        for (long i = 0; i < n; i++) {
            ok += loops[l].op(b) != 0;
        }
        printf("%s: %ld operations, %ld hits\n", only, n, ok);
        return ok != n;
    }
    for (size_t l = 0; l < N_LOOPS; l++) { /* warm-up */
        if (bench_measure(loops[l].op, b, seconds / 10) < 0) {
            fprintf(stderr, "bench_tcache: a lookup did not hit\n");
            return 1;
        }
    }
    for (int r = 0; r < reps; r++) {
        for (size_t l = 0; l < N_LOOPS; l++) {
            runs[l][r] = bench_measure(loops[l].op, b, seconds);
        }
    }
    printf("Token cache levels micro-benchmark: %d tokens in rotation; %.2g s per loop, %d "
           "repetition%s alternating, medians; one thread.\n\n",
           TOKENS, seconds, reps, reps == 1 ? "" : "s");
    printf("| loop | ops/s (runs) | ns/op |\n|---|---|---:|\n");
    for (size_t l = 0; l < N_LOOPS; l++) {
        char text[1024] = "";
        for (int r = 0; r < reps; r++) {
            apr_snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%.0f",
                         r ? " / " : "", runs[l][r]);
        }
        med[l] = bench_median(runs[l], reps);
        printf("| %s | %.0f (%s) | %.0f |\n", loops[l].label, med[l], text, 1e9 / med[l]);
    }
    printf("\nshared-level hit over first-level hit: %.2f us (%.0f ns against %.0f ns); "
           "with an fcntl mutex: %.2f us\n",
           1e6 / med[1] - 1e6 / med[0], 1e9 / med[1], 1e9 / med[0], 1e6 / med[2] - 1e6 / med[0]);
    return 0;
}
