/*
 * mod_auth0_jwt_shared_layout.h: the layouts of what processes share about a
 * key source: a slot in shared memory, a record in the socache (and on disk).
 * Only the files that read or write their fields include this.
 */
#ifndef MOD_AUTH0_JWT_SHARED_LAYOUT_H
#define MOD_AUTH0_JWT_SHARED_LAYOUT_H

#include <apr.h>
#include <apr_time.h>

#include "mod_auth0_jwt_shared.h"

/* One per key source, in shared memory: every process of the server sees it. */
struct auth0_jwt_slot {
    volatile apr_uint64_t lease;      /* apr_time_t until which a refresh runs; 0: none */
    volatile apr_uint64_t forced;     /* apr_time_t: the last refresh an unknown kid forced,
                                       * by any process (also when its set was not stored) */
    volatile apr_uint32_t used;       /* 0 free, 1 being claimed, 2 in use,
                                       * 3 abandoned (claimer died) */
    volatile apr_uint32_t generation; /* bumped whenever a new key set is stored */
    volatile apr_uint32_t unshared;   /* announcements of sets the socache could not take:
                                       * a refresh's moves it to the next even value, a
                                       * catch-up's answer from an even value to the odd
                                       * one after it (once per refresh's) */
    volatile apr_uint32_t spare;
    volatile apr_uint64_t digest[2];  /* of the set announced last, by parity of unshared */
    unsigned char id[16];
};

/* The socache record of one key source; body_len bytes of JWKS follow it. */
struct auth0_jwt_rec {
    apr_uint32_t magic;
    apr_uint32_t body_len;
    apr_time_t fetched_at;   /* when the body was fetched; 0: never */
    apr_time_t last_attempt; /* last fetch attempt */
    apr_time_t last_forced;  /* last refresh forced by an unknown kid */
    apr_uint32_t failures;   /* fetches failed since the last success */
    apr_uint32_t err;        /* aj_fetch_err_e of the last failure */
    char detail[200];        /* its description */
};

#endif
