/*
 * fuzz_common.h: what every libFuzzer target shares: APR set up once, a fresh
 * pool per input, and APR pool allocations turned into separate malloc blocks.
 *
 * Why the last point: APR carves pool memory out of 8 KiB blocks and recycles
 * them, so AddressSanitizer cannot see an overflow from one apr_palloc() chunk
 * into the next, nor a use after apr_pool_destroy(). While an input runs,
 * apr_palloc() on the input's pool (including the calls libapr makes itself:
 * apr_pstrdup, apr_array_push, apr_table_add, apr_pstrcat...) returns a malloc
 * block of exactly the size asked, freed when the pool is destroyed, after all
 * other cleanups of the pool. ASan then checks every pool buffer precisely.
 * The global pool (keys made once) gets malloc blocks too, never freed: see
 * apr_palloc() below for why LeakSanitizer needs that.
 * Include this file in exactly one translation unit per target.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

static apr_pool_t *fz_global;     /* lives for the whole run (keys, policies) */
static apr_pool_t *fz_input_pool; /* the pool of the input being run */

typedef struct {
    void **v;
    size_t n, cap;
} fz_blocks_t;
static fz_blocks_t fz_input_blocks;  /* freed when the input's pool goes */
static fz_blocks_t fz_global_blocks; /* kept: also makes them visible to LeakSanitizer */

typedef void *(*fz_palloc_fn)(apr_pool_t *, apr_size_t);

static fz_palloc_fn fz_real_palloc(void)
{
    static fz_palloc_fn real;
    if (real == NULL) {
        real = (fz_palloc_fn)dlsym(RTLD_NEXT, "apr_palloc");
        if (real == NULL) {
            fprintf(stderr, "fuzz: dlsym(apr_palloc) failed\n");
            abort();
        }
    }
    return real;
}

/*
 * Interposes libapr's apr_palloc for the src/ objects and for libapr itself.
 * The global pool's memory goes to malloc too: libapr maps its pool blocks
 * with mmap(), which LeakSanitizer does not scan, so an EVP_PKEY owned by a
 * key in the global pool would otherwise be reported as leaked.
 */
void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    fz_blocks_t *b;
    void *m;

    if (fz_input_pool != NULL && p == fz_input_pool) {
        b = &fz_input_blocks;
    } else if (fz_global != NULL && p == fz_global) {
        b = &fz_global_blocks;
    } else {
        return fz_real_palloc()(p, size);
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        void **grown = realloc(b->v, cap * sizeof(*grown));
        if (grown == NULL) {
            abort();
        }
        b->v = grown;
        b->cap = cap;
    }
    /* malloc(0) may return NULL; a pool never does. */
    m = malloc(size ? size : 1);
    if (m == NULL) {
        abort();
    }
    b->v[b->n++] = m;
    return m;
}

static apr_status_t fz_free_blocks(void *data)
{
    (void)data;
    for (size_t i = 0; i < fz_input_blocks.n; i++) {
        free(fz_input_blocks.v[i]);
    }
    fz_input_blocks.n = 0;
    fz_input_pool = NULL;
    return APR_SUCCESS;
}

static void fz_init(void)
{
    if (fz_global == NULL) {
        apr_initialize();
        if (apr_pool_create(&fz_global, NULL) != APR_SUCCESS) {
            abort();
        }
    }
}

/* A pool for one input. Its first cleanup (so the last to run) frees its blocks. */
static __attribute__((unused)) apr_pool_t *fz_pool_begin(void)
{
    apr_pool_t *p;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        abort();
    }
    apr_pool_cleanup_register(p, NULL, fz_free_blocks, apr_pool_cleanup_null);
    fz_input_pool = p;
    return p;
}

static __attribute__((unused)) void fz_pool_end(apr_pool_t *p)
{
    apr_pool_destroy(p);
}

/* A NUL-terminated copy of the input, in its own malloc block (ASan-checked). */
static __attribute__((unused)) char *fz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL) {
        abort();
    }
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A broken invariant is a bug: report it and crash so libFuzzer saves the input. */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
