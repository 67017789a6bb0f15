/*
 * fuzz_dpop.c: aj_dpop_verify() on a DPoP proof, and aj_dpop_htu() on a URI.
 *
 * Input: the bytes (cut at the first NUL), taken as a proof and as a URI.
 * Checks: no memory error; the proof is taken (a seed signs the fixed request
 * below: then it has a jti, and the key its thumbprint) or refused with one of
 * the DPoP reasons; and htu normalization is idempotent and stays an http(s)
 * URI with a path.
 */
#include "fuzz_common.h"

#include "aj_dpop.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_cstr(data, size);
    apr_pool_t *p = fz_pool_begin();
    aj_dpop_check_t check = {AJ_ALG_BIT(AJ_ALG_ES256) | AJ_ALG_BIT(AJ_ALG_EDDSA) |
                                 AJ_ALG_BIT(AJ_ALG_PS256) | AJ_ALG_BIT(AJ_ALG_RS256),
                             "GET",
                             "https://api.example.com/api/private",
                             "a.b.c",
                             5,
                             1700000000.0,
                             300,
                             5,
                             NULL};
    aj_dpop_proof_t proof;
    aj_reason_e r = aj_dpop_verify(&proof, p, text, strlen(text), &check);
    char *once, *twice;

    FZ_CHECK(r == AJ_OK || (r >= AJ_R_DPOP_MISSING && r <= AJ_R_DPOP_REPLAY));
    if (r == AJ_OK) {
        FZ_CHECK(proof.jti && *proof.jti && proof.key &&
                 memcmp(proof.jkt, proof.key->thumbprint, 32) == 0);
    }
    once = aj_dpop_htu(p, text);
    if (once) {
        twice = aj_dpop_htu(p, once);
        FZ_CHECK(twice != NULL && strcmp(once, twice) == 0);
        FZ_CHECK(strncmp(once, "http://", 7) == 0 || strncmp(once, "https://", 8) == 0);
        FZ_CHECK(strchr(strstr(once, "://") + 3, '/') != NULL);
        FZ_CHECK(strchr(once, '?') == NULL && strchr(once, '#') == NULL);
    }
    fz_pool_end(p);
    free(text);
    return 0;
}
