/*
 * fuzz_token.c: one access token, header to claims (aj_token_verify and
 * aj_token_verify_signature_ex), against a fixed key set:
 *   fz-rsa      RSA 2048 (no JWK alg: RS256..PS512 all fit)
 *   fz-ec       EC P-256 (ES256)
 *   fz-ed25519  Ed25519 (EdDSA)
 *   fz-hs       a 64-byte HMAC secret (HS256, HS384, HS512)
 *   the two RSA keys of the real Auth0 tenant (tests/fixtures/auth0-real/jwks.json)
 * every algorithm allowed, the claims checked at a fixed clock (1781724900,
 * inside the real Auth0 token's lifetime), issuer and audiences set.
 * The keys are embedded at build time (fuzz_keys.h, made by scripts/fuzz.sh
 * from tests/fuzz/keys/): no randomness, no network.
 *
 * Input layout: byte 0 selects the mode.
 *   mode 0 (byte0 % 4 == 0): the rest is a token; aj_token_verify with the HMAC
 *          key in the one key set.
 *   mode 1: the rest is a token; aj_token_verify_signature_ex with the HMAC key
 *          in a separate secrets set, then aj_claims_check.
 *   mode 2, 3: "signing" mode, to get past the signature: byte 1 picks the
 *          algorithm, the rest is HEADER-JSON NUL PAYLOAD-JSON; the harness signs
 *          them with the fixed private key of that algorithm (aj_jws_sign) and
 *          verifies the token (mode 2 as mode 0, mode 3 as mode 1), then again
 *          with one signature byte changed.
 * Checks: no memory error, leak or UB; a result is a reason code; AJ_OK comes
 * with a key, a JSON object payload and its text; the same token gives the same
 * answer twice; a token whose signature was changed never verifies; and the
 * claim helpers behind Require run on every verified payload.
 */
#include "fuzz_common.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "aj_claims.h"
#include "aj_jwk.h"
#include "aj_sign.h"
#include "aj_token.h"

#include "fuzz_keys.h" /* generated: fz_rsa_pem, fz_ec_pem, fz_ed25519_pem, fz_hs_secret, fz_auth0_jwks */

#define FZ_NOW    1781724900.0
#define FZ_ISSUER "https://dev-1zzve41p1cec7x1j.us.auth0.com/"
#define FZ_AUD1   "ZHTZrfntfPjYZDJiIMB1keb0HHA9AKEv"
#define FZ_AUD2   "https://api.fuzz.example/"

static aj_jwks_t *set_all; /* public keys, Auth0 keys and the HMAC key */
static aj_jwks_t *set_pub; /* public keys and Auth0 keys */
static aj_jwks_t *secrets; /* the HMAC key alone */
static EVP_PKEY *priv_rsa, *priv_ec, *priv_ed;
static aj_claims_policy_t policy;
static apr_array_header_t *want_scopes, *want_values;
static unsigned int all_algs;
static int trace; /* FUZZ_TRACE=1: print each result (to check the seeds) */

static EVP_PKEY *load_pem(const unsigned char *pem, unsigned int len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    FZ_CHECK(pkey != NULL);
    return aj_key_pool_own(fz_global, pkey);
}

static void add_both(aj_key_t *key)
{
    FZ_CHECK(key != NULL);
    aj_jwks_add(set_all, key);
    if (key->kty != AJ_KTY_OCT) {
        aj_jwks_add(set_pub, key);
    } else {
        aj_jwks_add(secrets, key);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *why = NULL;
    aj_jwks_t *auth0;
    apr_pool_t *g;

    (void)argc;
    (void)argv;
    fz_init();
    g = fz_global;
    set_all = aj_jwks_make(g);
    set_pub = aj_jwks_make(g);
    secrets = aj_jwks_make(g);
    priv_rsa = load_pem(fz_rsa_pem, fz_rsa_pem_len);
    priv_ec = load_pem(fz_ec_pem, fz_ec_pem_len);
    priv_ed = load_pem(fz_ed25519_pem, fz_ed25519_pem_len);
    add_both(aj_key_from_pkey(g, priv_rsa, "fz-rsa", NULL));
    add_both(aj_key_from_pkey(g, priv_ec, "fz-ec", NULL));
    add_both(aj_key_from_pkey(g, priv_ed, "fz-ed25519", NULL));
    add_both(aj_key_from_secret(g, fz_hs_secret, fz_hs_secret_len, "fz-hs"));
    auth0 = aj_jwks_parse(g, (const char *)fz_auth0_jwks, fz_auth0_jwks_len, &why);
    FZ_CHECK(auth0 != NULL && auth0->keys->nelts == 2);
    for (int i = 0; i < auth0->keys->nelts; i++) {
        add_both(APR_ARRAY_IDX(auth0->keys, i, aj_key_t *));
    }
    for (int a = 0; a < AJ_ALG__COUNT; a++) {
        all_algs |= AJ_ALG_BIT(a);
    }
    policy.issuer = FZ_ISSUER;
    policy.audiences = apr_array_make(g, 2, sizeof(const char *));
    APR_ARRAY_PUSH((apr_array_header_t *)policy.audiences, const char *) = FZ_AUD1;
    APR_ARRAY_PUSH((apr_array_header_t *)policy.audiences, const char *) = FZ_AUD2;
    policy.skew = 5;
    trace = getenv("FUZZ_TRACE") != NULL;
    want_scopes = apr_array_make(g, 2, sizeof(const char *));
    APR_ARRAY_PUSH(want_scopes, const char *) = "read:messages";
    APR_ARRAY_PUSH(want_scopes, const char *) = "write:messages";
    want_values = apr_array_make(g, 3, sizeof(const char *));
    APR_ARRAY_PUSH(want_values, const char *) = "admin";
    APR_ARRAY_PUSH(want_values, const char *) = "42";
    APR_ARRAY_PUSH(want_values, const char *) = "true";
    return 0;
}

/* One verification; checks what AJ_OK promises. */
static aj_reason_e verify(apr_pool_t *p, const char *token, size_t len, int separate_secrets)
{
    aj_token_t tok;
    aj_reason_e r;

    if (separate_secrets) {
        r = aj_token_verify_signature_ex(&tok, p, token, len, all_algs, set_pub, secrets);
        if (r == AJ_OK) {
            r = aj_claims_check(tok.payload, &policy, FZ_NOW);
        }
    } else {
        r = aj_token_verify(&tok, p, token, len, all_algs, set_all, &policy, FZ_NOW);
    }
    FZ_CHECK((int)r >= 0 && r < AJ_R__COUNT);
    if (trace) {
        fprintf(stderr, "fuzz_token: %s%s\n", separate_secrets ? "(secrets) " : "",
                aj_reason_name(r));
    }
    FZ_CHECK(aj_reason_name(r) != NULL && aj_reason_description(r) != NULL);
    if (r == AJ_OK) {
        const json_t *pl = tok.payload;
        FZ_CHECK(tok.key != NULL && tok.jws.alg != NULL);
        FZ_CHECK(aj_key_fits(tok.key, tok.jws.alg) == AJ_OK);
        FZ_CHECK(json_is_object(pl) && tok.payload_json != NULL);
        FZ_CHECK(tok.jws.signing_input == token);
        /* Require auth0-scope / auth0-permission / auth0-claim on the payload */
        (void)aj_claim_has_token(json_object_get(pl, "scope"), "read:messages");
        (void)aj_claim_has_all(json_object_get(pl, "scope"), want_scopes);
        (void)aj_claim_has_all(json_object_get(pl, "permissions"), want_scopes);
        (void)aj_claim_equals_any(json_object_get(pl, "sub"), want_values);
        (void)aj_claim_equals_any(json_object_get(pl, "https://fuzz.example/roles"), want_values);
    }
    return r;
}

/* The private key and secret for an algorithm. */
static void signing_key(const aj_alg_t *alg, EVP_PKEY **pkey, const unsigned char **secret,
                        apr_size_t *secret_len)
{
    *pkey = NULL;
    *secret = NULL;
    *secret_len = 0;
    switch (alg->kty) {
    case AJ_KTY_RSA:
        *pkey = priv_rsa;
        break;
    case AJ_KTY_EC:
        *pkey = priv_ec; /* ES384/ES512 with a P-256 key: a token no key fits */
        break;
    case AJ_KTY_OKP:
        *pkey = priv_ed;
        break;
    default:
        *secret = fz_hs_secret;
        *secret_len = fz_hs_secret_len;
        break;
    }
}

static void run_signed(apr_pool_t *p, const uint8_t *data, size_t size, int separate_secrets)
{
    const aj_alg_t *alg;
    EVP_PKEY *pkey;
    const unsigned char *secret;
    apr_size_t secret_len;
    const char *header, *payload;
    const uint8_t *nul;
    char *token, *copy, *sig;
    size_t len;
    aj_reason_e r, r2;

    if (size < 1) {
        return;
    }
    alg = aj_alg_by_id((aj_alg_id_e)(data[0] % AJ_ALG__COUNT));
    data++;
    size--;
    nul = memchr(data, 0, size);
    if (nul == NULL) {
        return;
    }
    header = apr_pstrmemdup(p, (const char *)data, (apr_size_t)(nul - data));
    payload = apr_pstrmemdup(p, (const char *)nul + 1, size - (size_t)(nul + 1 - data));
    signing_key(alg, &pkey, &secret, &secret_len);
    token = aj_jws_sign(p, alg, pkey, secret, secret_len, header, payload);
    if (token == NULL) {
        return;
    }
    len = strlen(token);
    copy = malloc(len); /* exact size, no NUL: the verifier must honour len */
    memcpy(copy, token, len);
    r = verify(p, copy, len, separate_secrets);
    r2 = verify(p, copy, len, separate_secrets);
    FZ_CHECK(r == r2);
    /* Change the first signature character: some signature byte changes. */
    sig = memrchr(copy, '.', len);
    if (sig && sig + 1 < copy + len) {
        sig[1] = sig[1] == 'A' ? 'Q' : 'A';
        r2 = verify(p, copy, len, separate_secrets);
        FZ_CHECK(r2 != AJ_OK);
        if (r == AJ_OK) {
            /* the same header and key: only the signature can be wrong now */
            FZ_CHECK(r2 == AJ_R_SIGNATURE_INVALID || r2 == AJ_R_SIGNATURE_LENGTH);
        }
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    int mode;

    if (size < 1) {
        return 0;
    }
    mode = data[0] % 4;
    p = fz_pool_begin();
    if (mode < 2) {
        char *token = malloc(size - 1 ? size - 1 : 1); /* exact size, not NUL-terminated */
        aj_reason_e r;
        memcpy(token, data + 1, size - 1);
        r = verify(p, token, size - 1, mode == 1);
        FZ_CHECK(verify(p, token, size - 1, mode == 1) == r);
        free(token);
    } else {
        run_signed(p, data + 1, size - 1, mode == 3);
    }
    fz_pool_end(p);
    return 0;
}
