/*
 * bench_util.h: what the micro-benchmarks share: a monotonic clock, bounded
 * settings from the environment, a timed loop and medians.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

double bench_now(void);

/* The number in environment variable name, dflt when unset; exits with 2
 * when it is not a number in lo..hi. */
double bench_env(const char *name, double dflt, double lo, double hi);

/* Operations per second of op(arg) over about seconds; -1 as soon as an
 * operation returns 0 (a benchmark never times failures). */
double bench_measure(int (*op)(void *), void *arg, double seconds);

/* The median of v[0..n) (sorts v). */
double bench_median(double *v, int n);

#endif
