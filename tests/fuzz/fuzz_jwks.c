/*
 * fuzz_jwks.c: aj_jwks_parse(), a fetched JWK Set turned into OpenSSL keys.
 *
 * Input: the document, exactly as received (not NUL-terminated: the parser is
 * given a length). Then, on every key that parsed, the work the module does
 * with a set: aj_key_fits and aj_jwks_select for every algorithm, with no kid
 * and with the key's kid; aj_jwks_find_thumbprint; aj_key_to_jwk (status page,
 * keygen).
 * Checks: no memory error or leak; NULL exactly with a reason; every key has a
 * type, and an EVP_PKEY unless oct; a key's thumbprint finds a key with that
 * thumbprint; a selected key fits; and the public JWK written back parses
 * again to a key with the same RFC 7638 thumbprint (oct keys are never written).
 */
#include "fuzz_common.h"

#include <apr_strings.h>

#include "aj_jwk.h"

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
    const char *why = (const char *)1;
    aj_jwks_t *set;

    memcpy(buf, data, size);
    set = aj_jwks_parse(p, buf, size, &why);
    if (set == NULL) {
        FZ_CHECK(why != NULL);
        goto done;
    }
    FZ_CHECK(why == NULL);
    for (int i = 0; i < set->skipped->nelts; i++) {
        const aj_jwk_skip_t *s = &APR_ARRAY_IDX(set->skipped, i, aj_jwk_skip_t);
        FZ_CHECK(s->why != NULL && s->index >= 0);
    }
    for (int i = 0; i < set->keys->nelts; i++) {
        const aj_key_t *key = APR_ARRAY_IDX(set->keys, i, const aj_key_t *);
        const aj_key_t *found, *sel;

        FZ_CHECK(key->kty >= AJ_KTY_RSA && key->kty <= AJ_KTY_OCT);
        FZ_CHECK(key->kty == AJ_KTY_OCT ? key->pkey == NULL && key->secret_len > 0
                                        : key->pkey != NULL);
        found = aj_jwks_find_thumbprint(set, key->thumbprint);
        FZ_CHECK(found && memcmp(found->thumbprint, key->thumbprint, 32) == 0);
        for (int a = 0; a < AJ_ALG__COUNT; a++) {
            const aj_alg_t *alg = aj_alg_by_id((aj_alg_id_e)a);
            aj_reason_e r = aj_key_fits(key, alg);
            FZ_CHECK(r == AJ_OK || r == key->unusable || r == AJ_R_KEY_ALG_MISMATCH ||
                     r == AJ_R_KEY_TOO_SMALL);
            if (aj_jwks_select(&sel, set, alg, key->kid) == AJ_OK) {
                FZ_CHECK(sel && aj_key_fits(sel, alg) == AJ_OK);
                FZ_CHECK(key->kid == NULL || (sel->kid && strcmp(sel->kid, key->kid) == 0));
            } else {
                FZ_CHECK(sel == NULL);
            }
            if (i == 0 && aj_jwks_select(&sel, set, alg, NULL) == AJ_OK) {
                FZ_CHECK(sel && aj_key_fits(sel, alg) == AJ_OK);
            }
        }
        {
            json_t *jwk = aj_key_to_jwk(p, key);
            char *text;
            FZ_CHECK(jwk != NULL);
            text = json_dumps(jwk, JSON_COMPACT);
            FZ_CHECK(text != NULL);
            free(text);
            if (key->kty != AJ_KTY_OCT) {
                const char *why2 = NULL;
                aj_key_t *again = aj_jwk_parse(p, jwk, &why2);
                if (again == NULL) {
                    fprintf(stderr, "re-parse of a written JWK failed: %s\n", why2);
                }
                FZ_CHECK(again != NULL);
                FZ_CHECK(again->kty == key->kty && again->bits == key->bits);
                FZ_CHECK(memcmp(again->thumbprint, key->thumbprint, 32) == 0);
            }
        }
    }
done:
    fz_pool_end(p);
    free(buf);
    return 0;
}
