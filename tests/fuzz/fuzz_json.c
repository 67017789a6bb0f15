/*
 * fuzz_json.c: the fast JSON reader (aj_json_fast_object) against jansson.
 *
 * Input: JSON text (not NUL-terminated: the reader is given a length).
 * Checks: whenever the fast reader gives an object, json_loadb with
 * JSON_REJECT_DUPLICATES accepts the same bytes and gives an equal value (the
 * fast reader may give up on anything, never disagree, and never goes past
 * the depth bound); aj_json_parse_object succeeds exactly when jansson gives
 * an object within the depth bound; aj_json_fast_pick (keys of even length
 * picked, the others only checked) takes a text only when the fast reader
 * takes it, and each value it built equals jansson's member of that name.
 */
#include "fuzz_common.h"

#include "aj_json.h"

typedef struct {
    const json_t *ref;      /* jansson's object, or NULL */
    json_t *got[64];        /* what fast_pick built */
    const json_t *want[64]; /* jansson's member of the same name */
    int n;
} picks_t;

static json_t **pick_even(void *ctx, const char *key, size_t len)
{
    picks_t *pk = ctx;

    if (len % 2 || pk->n == 64) {
        return NULL;
    }
    pk->want[pk->n] = pk->ref ? json_object_getn(pk->ref, key, len) : NULL;
    return &pk->got[pk->n++];
}

static void check_pick(const char *buf, size_t size, int fast_took, const json_t *ref)
{
    picks_t pk;
    int took;

    memset(&pk, 0, sizeof(pk));
    pk.ref = ref;
    took = aj_json_fast_pick(buf, size, pick_even, &pk);
    FZ_CHECK(!took || fast_took);
    /* it takes whatever the fast reader takes, up to its 64 members */
    FZ_CHECK(took || !fast_took || json_object_size(ref) > 64);
    for (int i = 0; i < pk.n; i++) {
        FZ_CHECK(!took || json_equal(pk.got[i], pk.want[i]));
        json_decref(pk.got[i]);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fz_pool_begin();
    char *buf = malloc(size ? size : 1); /* exact size: a read past the end is caught */
    json_error_t err;
    json_t *fast, *ref, *out = NULL;
    aj_json_err_e rv;

    memcpy(buf, data, size);
    rv = aj_json_parse_object(&out, p, buf, size);
    ref = json_loadb(buf, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (rv != AJ_JSON_TOO_DEEP) {
        FZ_CHECK((rv == AJ_JSON_OK) == (ref != NULL && json_is_object(ref)));
        FZ_CHECK(rv != AJ_JSON_OK || json_equal(out, ref));
    }
    fast = aj_json_fast_object(buf, size);
    if (fast) {
        FZ_CHECK(rv == AJ_JSON_OK); /* within the depth bound, as the full parse says */
        FZ_CHECK(ref != NULL && json_equal(fast, ref));
    }
    check_pick(buf, size, fast != NULL, ref);
    json_decref(fast);
    json_decref(ref);
    fz_pool_end(p);
    free(buf);
    return 0;
}
