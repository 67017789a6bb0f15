/*
 * aj_alg.c: the algorithm table.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <apr_strings.h>

#include "aj_alg.h"

static const aj_alg_t algs[AJ_ALG__COUNT] = {
    {AJ_ALG_RS256, "RS256", AJ_KTY_RSA, "SHA256", 0, NULL, 0, 0},
    {AJ_ALG_RS384, "RS384", AJ_KTY_RSA, "SHA384", 0, NULL, 0, 0},
    {AJ_ALG_RS512, "RS512", AJ_KTY_RSA, "SHA512", 0, NULL, 0, 0},
    {AJ_ALG_PS256, "PS256", AJ_KTY_RSA, "SHA256", 1, NULL, 0, 0},
    {AJ_ALG_PS384, "PS384", AJ_KTY_RSA, "SHA384", 1, NULL, 0, 0},
    {AJ_ALG_PS512, "PS512", AJ_KTY_RSA, "SHA512", 1, NULL, 0, 0},
    {AJ_ALG_ES256, "ES256", AJ_KTY_EC, "SHA256", 0, "P-256", 32, 0},
    {AJ_ALG_ES384, "ES384", AJ_KTY_EC, "SHA384", 0, "P-384", 48, 0},
    {AJ_ALG_ES512, "ES512", AJ_KTY_EC, "SHA512", 0, "P-521", 66, 0},
    {AJ_ALG_EDDSA, "EdDSA", AJ_KTY_OKP, NULL, 0, NULL, 0, 0},
    {AJ_ALG_HS256, "HS256", AJ_KTY_OCT, "SHA256", 0, NULL, 0, 32},
    {AJ_ALG_HS384, "HS384", AJ_KTY_OCT, "SHA384", 0, NULL, 0, 48},
    {AJ_ALG_HS512, "HS512", AJ_KTY_OCT, "SHA512", 0, NULL, 0, 64},
};

static EVP_MD *digests[AJ_ALG__COUNT];
static CRYPTO_ONCE digests_once = CRYPTO_ONCE_STATIC_INIT;

static void fetch_digests(void)
{
    for (int i = 0; i < AJ_ALG__COUNT; i++) {
        if (algs[i].digest) {
            digests[i] = EVP_MD_fetch(NULL, algs[i].digest, NULL);
        }
    }
}

const aj_alg_t *aj_alg_by_name(const char *name)
{
    for (int i = 0; name && i < AJ_ALG__COUNT; i++) {
        if (strcmp(algs[i].name, name) == 0) {
            return &algs[i];
        }
    }
    return NULL;
}

const aj_alg_t *aj_alg_by_id(aj_alg_id_e id)
{
    return ((int)id >= 0 && id < AJ_ALG__COUNT) ? &algs[id] : NULL;
}

const EVP_MD *aj_alg_md(const aj_alg_t *alg)
{
    if (!CRYPTO_THREAD_run_once(&digests_once, fetch_digests)) {
        return NULL;
    }
    return digests[alg->id];
}

int aj_alg_set_add(unsigned int *set, const char *name)
{
    const aj_alg_t *alg = aj_alg_by_name(name);
    if (alg == NULL) {
        return -1;
    }
    *set |= AJ_ALG_BIT(alg->id);
    return 0;
}

const char *aj_kty_name(aj_kty_e kty)
{
    static const char *const names[] = {"none", "RSA", "EC", "OKP", "oct"};
    return ((int)kty >= 0 && kty <= AJ_KTY_OCT) ? names[kty] : "none";
}

char *aj_alg_names(apr_pool_t *p, unsigned int set)
{
    char *out = "";

    for (int i = 0; i < AJ_ALG__COUNT; i++) {
        if (set & AJ_ALG_BIT(i)) {
            out = apr_pstrcat(p, out, *out ? " " : "", aj_alg_by_id((aj_alg_id_e)i)->name, NULL);
        }
    }
    return out;
}
