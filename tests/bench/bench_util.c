/*
 * bench_util.c: see bench_util.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_env(const char *name, double dflt, double lo, double hi)
{
    const char *v = getenv(name);
    char *end;
    double d;

    if (v == NULL || *v == '\0') {
        return dflt;
    }
    d = strtod(v, &end);
    if (*end != '\0' || d < lo || d > hi) {
        fprintf(stderr, "%s=%s is out of range (%g..%g)\n", name, v, lo, hi);
        exit(2);
    }
    return d;
}

double bench_measure(int (*op)(void *), void *arg, double seconds)
{
    unsigned long done = 0, batch = 1;
    double start = bench_now(), elapsed = 0;

    while (elapsed < seconds) {
        for (unsigned long i = 0; i < batch; i++) {
            if (!op(arg)) {
                return -1;
            }
        }
        done += batch;
        elapsed = bench_now() - start;
        if (elapsed < seconds / 20 && batch < (1ul << 20)) {
            batch *= 2; /* check the clock about 20+ times per run, no more */
        }
    }
    return (double)done / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
