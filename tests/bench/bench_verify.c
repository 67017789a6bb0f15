/*
 * bench_verify.c: verifications per second per algorithm, our code against the
 * raw OpenSSL primitive (issue 7, "Our RS256 and ES256 verification within
 * 1.3 x the cost of the raw OpenSSL primitive").
 *
 * For each algorithm (RS256, PS256, ES256, EdDSA, HS256; RSA 2048 and P-256
 * keys from aj_key_generate, Ed25519, a 32-byte HMAC secret), one token signed
 * with aj_jws_sign, carrying an Auth0-like payload, and three loops:
 *
 *   full  aj_token_verify_signature: size and base64url checks, header JSON and
 *         rules, key choice in a one-key set, signature, payload JSON; a request
 *         pool cleared after every token, as httpd does.
 *   sig   aj_jws_verify on a token parsed once: our signature step alone
 *         (key/alg fit, length checks, r||s to DER for ECDSA, the EVP calls).
 *   raw   the bare OpenSSL primitive on the same key object and bytes:
 *         EVP_MD_CTX_new + EVP_DigestVerifyInit (+ PSS parameters) +
 *         EVP_DigestVerify + EVP_MD_CTX_free, the ECDSA signature already in
 *         DER; for HS256, EVP_Q_mac + CRYPTO_memcmp.
 *
 * Each loop runs for BENCH_VERIFY_SECONDS (default 1) and the three loops are
 * repeated BENCH_VERIFY_REPS times (default 3), interleaved; the table gives
 * medians and the cost ratio raw ops / our ops (1.00 = as cheap as the raw
 * primitive, 1.30 = 30 % dearer). Arguments, when given, pick algorithms.
 * DPoP: a proof (ES256, the default Auth0DPoPAlgorithms) as a client sends it,
 * its public key in its header. full = aj_dpop_verify (parse, the header's key,
 * signature, jti/htm/htu/iat/ath), the request pool cleared after each; sig
 * and raw as above on the proof. As on the request path, the header is read
 * once and then found in the per-process memo of proof headers
 * (aj_proof_memo.h), and ath is given as a cached token's entry gives it.
 *
 * JWE: an RS256 token encrypted with RSA-OAEP-256 and A256GCM to a second RSA
 * 2048 key, as Auth0 encrypts an API's tokens. full = aj_jwe_decrypt then
 * aj_token_verify_signature on the token inside; sig = the inner signature
 * alone; raw = the two operations no implementation avoids, on the same
 * bytes: the RSA-OAEP decryption of the wrapped key and the RS256 verify.
 *
 * For a profiler (perf, callgrind): BENCH_VERIFY_ONLY=full, sig or raw runs
 * that loop alone, once, for BENCH_VERIFY_SECONDS, and prints its rate; with
 * BENCH_VERIFY_COUNT=N as well, exactly N times (for instructions per check:
 * callgrind --toggle-collect=op_full, op_sig or op_raw).
 *
 * Build: make tests/bench/bench_verify   (not built by default)
 * Exit status: 0, or 1 when a token does not verify (never benchmark errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "aj_alg.h"
#include "aj_b64.h"
#include "aj_dpop.h"
#include "aj_jwe.h"
#include "aj_jwk.h"
#include "aj_jws.h"
#include "aj_sign.h"
#include "aj_token.h"
#include "bench_util.h"

#define MAX_REPS 99

typedef struct {
    const aj_alg_t *alg;
    const aj_key_t *key; /* public key (or secret) as the module holds it */
    aj_jwks_t *set;
    const char *token;
    apr_size_t token_len;
    aj_jws_t jws;             /* the token parsed once, for the sig loop */
    const unsigned char *sig; /* raw loop: the signature OpenSSL takes (DER for ECDSA) */
    size_t sig_len;
    apr_pool_t *req; /* cleared after each full-path verification */
    int dpop;        /* token is a DPoP proof, checked against dpop_check */
    aj_dpop_check_t dpop_check;
    const char *jwe; /* the token, encrypted (JWE case); token is then the inner one */
    apr_size_t jwe_len;
    apr_array_header_t *jwe_keys;
    const unsigned char *ek; /* the wrapped content key, for the raw loop */
    apr_size_t ek_len;
} bench_case;

/* ---- the three loops: each returns 1 per good verification, 0 on failure ---- */

static int op_full(bench_case *bc)
{
    aj_token_t tok;
    aj_dpop_proof_t proof;
    const char *inner = bc->token;
    apr_size_t inner_len = bc->token_len;
    aj_reason_e r = bc->jwe ? aj_jwe_decrypt(&inner, &inner_len, NULL, bc->req, bc->jwe,
                                             bc->jwe_len, bc->jwe_keys)
                            : AJ_OK;

    if (r == AJ_OK) {
        r = bc->dpop ? aj_dpop_verify(&proof, bc->req, bc->token, bc->token_len, &bc->dpop_check)
                     : aj_token_verify_signature(&tok, bc->req, inner, inner_len,
                                                 AJ_ALG_BIT(bc->alg->id), bc->set);
    }
    apr_pool_clear(bc->req);
    return r == AJ_OK;
}

static int op_sig(bench_case *bc)
{
    return aj_jws_verify(&bc->jws, bc->key) == AJ_OK;
}

static int op_raw(bench_case *bc)
{
    const aj_alg_t *alg = bc->alg;
    const unsigned char *data = (const unsigned char *)bc->jws.signing_input;
    size_t data_len = bc->jws.signing_input_len;
    EVP_MD_CTX *ctx;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    if (alg->kty == AJ_KTY_OCT) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        size_t mac_len = 0;
        return EVP_Q_mac(NULL, "HMAC", NULL, alg->digest, NULL, bc->key->secret,
                         bc->key->secret_len, data, data_len, mac, sizeof(mac), &mac_len) &&
               mac_len == bc->sig_len && CRYPTO_memcmp(mac, bc->sig, mac_len) == 0;
    }
    if (bc->jwe) { /* the content key's RSA-OAEP-256 decryption, as OpenSSL alone does it */
        const aj_jwe_key_t *k = &APR_ARRAY_IDX(bc->jwe_keys, 0, aj_jwe_key_t);
        unsigned char cek[512];
        size_t cek_len = sizeof(cek);
        EVP_PKEY_CTX *dctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        ok = dctx && EVP_PKEY_decrypt_init(dctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(dctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_oaep_md_name(dctx, "SHA256", NULL) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(dctx, "SHA256", NULL) > 0 &&
             EVP_PKEY_decrypt(dctx, cek, &cek_len, bc->ek, bc->ek_len) > 0 && cek_len == 32;
        EVP_PKEY_CTX_free(dctx);
        if (!ok) {
            return 0;
        }
        ok = 0;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestVerifyInit(ctx, &pctx, aj_alg_md(alg), NULL, bc->key->pkey) == 1 &&
        (!alg->pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
                       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0))) {
        ok = EVP_DigestVerify(ctx, bc->sig, bc->sig_len, data, data_len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}

typedef int (*op_fn)(bench_case *);

static double measure(op_fn op, bench_case *bc, double seconds)
{
    return bench_measure((int (*)(void *))op, bc, seconds);
}

static int ecdsa_to_der(bench_case *bc, apr_pool_t *p)
{
    apr_size_t half = bc->jws.sig_len / 2;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(bc->jws.sig, (int)half, NULL);
    BIGNUM *s = BN_bin2bn(bc->jws.sig + half, (int)half, NULL);
    unsigned char *der = NULL;
    int len = -1;

    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL;
        len = i2d_ECDSA_SIG(es, &der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    if (len <= 0) {
        return 0;
    }
    bc->sig = apr_pmemdup(p, der, (apr_size_t)len);
    bc->sig_len = (size_t)len;
    OPENSSL_free(der);
    return 1;
}

static int setup(bench_case *bc, apr_pool_t *p, const aj_alg_t *alg)
{
    unsigned char secret[32] = {0};
    EVP_PKEY *pkey = NULL;
    aj_key_t *key;
    long now = (long)time(NULL);
    const char *header, *payload;

    memset(bc, 0, sizeof(*bc));
    bc->alg = alg;
    if (alg->kty == AJ_KTY_OCT) {
        if (RAND_bytes(secret, sizeof(secret)) != 1) {
            return 0;
        }
        key = aj_key_from_secret(p, secret, sizeof(secret), "bench-key");
    } else {
        pkey = aj_key_generate(p, alg, 0); /* RSA 2048, P-256, Ed25519 */
        key = pkey ? aj_key_from_pkey(p, pkey, "bench-key", alg->name) : NULL;
    }
    if (key == NULL) {
        return 0;
    }
    bc->key = key;
    bc->set = aj_jwks_make(p);
    aj_jwks_add(bc->set, key);

    /* What an Auth0 access token for an API looks like (machine-to-machine grant). */
    header = apr_psprintf(p, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"bench-key\"}", alg->name);
    payload = apr_psprintf(p,
                           "{\"iss\":\"https://bench.eu.auth0.com/\","
                           "\"sub\":\"Xa9Bq3hV7kLm2ZpR4tYw8NcE1sDf6GjU@clients\","
                           "\"aud\":\"https://auth0-jwt-demo/api\",\"iat\":%ld,\"exp\":%ld,"
                           "\"scope\":\"read:messages\",\"gty\":\"client-credentials\","
                           "\"azp\":\"Xa9Bq3hV7kLm2ZpR4tYw8NcE1sDf6GjU\"}",
                           now, now + 86400);
    bc->token = aj_jws_sign(p, alg, pkey, secret, sizeof(secret), header, payload);
    if (bc->token == NULL) {
        return 0;
    }
    bc->token_len = strlen(bc->token);
    if (aj_jws_parse(&bc->jws, p, bc->token, bc->token_len, AJ_ALG_BIT(alg->id)) != AJ_OK) {
        return 0;
    }
    bc->sig = bc->jws.sig;
    bc->sig_len = bc->jws.sig_len;
    if (alg->kty == AJ_KTY_EC && !ecdsa_to_der(bc, p)) {
        return 0;
    }
    return apr_pool_create(&bc->req, p) == APR_SUCCESS;
}

/* A DPoP proof for GET http://127.0.0.1:8080/api/private and an access token. */
static int setup_dpop(bench_case *bc, apr_pool_t *p)
{
    const aj_alg_t *alg = aj_alg_by_id(AJ_ALG_ES256);
    const char *token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl";
    const char *url = "http://127.0.0.1:8080/api/private";
    EVP_PKEY *pkey = aj_key_generate(p, alg, 0);
    aj_key_t *key = pkey ? aj_key_from_pkey(p, pkey, NULL, NULL) : NULL;
    char *jwk, *header, *payload;
    long now = (long)time(NULL);

    memset(bc, 0, sizeof(*bc));
    if (key == NULL || (jwk = json_dumps(aj_key_to_jwk(p, key), JSON_COMPACT)) == NULL) {
        return 0;
    }
    header = apr_psprintf(p, "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}", jwk);
    free(jwk);
    payload = apr_psprintf(p,
                           "{\"jti\":\"4e1c2b7a-9f0d-4a51-8c1e-2d0b6f3a7e95\",\"htm\":\"GET\","
                           "\"htu\":\"%s\",\"iat\":%ld,\"ath\":\"%s\"}",
                           url, now, aj_dpop_ath(p, token, strlen(token)));
    bc->alg = alg;
    bc->key = key;
    bc->dpop = 1;
    bc->dpop_check.algs = AJ_ALG_BIT(AJ_ALG_ES256);
    bc->dpop_check.method = "GET";
    bc->dpop_check.htu = aj_dpop_htu(p, url);
    bc->dpop_check.token = token;
    bc->dpop_check.token_len = strlen(token);
    /* as the module gives it for a token from its cache: no hash of the token */
    bc->dpop_check.ath = aj_dpop_ath(p, token, strlen(token));
    bc->dpop_check.now = (double)now;
    bc->dpop_check.lifetime = 3600; /* the benchmark may run long */
    bc->dpop_check.skew = 5;
    bc->token = aj_jws_sign(p, alg, pkey, NULL, 0, header, payload);
    if (bc->token == NULL) {
        return 0;
    }
    bc->token_len = strlen(bc->token);
    if (aj_jws_parse_typ(&bc->jws, p, bc->token, bc->token_len, AJ_ALG_BIT(alg->id),
                         "dpop+jwt") != AJ_OK) {
        return 0;
    }
    bc->sig = bc->jws.sig;
    bc->sig_len = bc->jws.sig_len;
    return ecdsa_to_der(bc, p) && apr_pool_create(&bc->req, p) == APR_SUCCESS;
}

/* An RS256 token (setup()), encrypted to a second RSA 2048 key. */
static int setup_jwe(bench_case *bc, apr_pool_t *p)
{
    const aj_alg_t *rs256 = aj_alg_by_id(AJ_ALG_RS256);
    EVP_PKEY *enc;
    aj_jwe_key_t *k;
    const char *why, *dot;
    unsigned char *ek;
    apr_size_t ek_len;

    if (!setup(bc, p, rs256) || (enc = aj_key_generate(p, rs256, 2048)) == NULL) {
        return 0;
    }
    bc->jwe = aj_jwe_encrypt(p, enc, "bench-enc", "RSA-OAEP-256", "A256GCM", bc->token,
                             bc->token_len, &why);
    if (bc->jwe == NULL) {
        return 0;
    }
    bc->jwe_len = strlen(bc->jwe);
    bc->jwe_keys = apr_array_make(p, 1, sizeof(aj_jwe_key_t));
    k = apr_array_push(bc->jwe_keys);
    k->kid = "bench-enc";
    k->pkey = enc;
    dot = strchr(bc->jwe, '.') + 1;
    if (aj_b64url_decode(&ek, &ek_len, p, dot, (apr_size_t)(strchr(dot, '.') - dot)) != 0) {
        return 0;
    }
    bc->ek = ek;
    bc->ek_len = ek_len;
    return 1;
}

static const char *key_label(const aj_alg_t *alg)
{
    switch (alg->kty) {
    case AJ_KTY_RSA:
        return "RSA 2048";
    case AJ_KTY_EC:
        return alg->crv;
    case AJ_KTY_OKP:
        return "Ed25519";
    default:
        return "256-bit secret";
    }
}

int main(int argc, const char *const *argv)
{
    static const char *const default_algs[] = {"RS256", "PS256", "ES256", "EdDSA", "HS256",
                                               "DPoP", "JWE"};
    const char *const *names = argc > 1 ? argv + 1 : default_algs;
    int n_algs = argc > 1 ? argc - 1 : (int)(sizeof(default_algs) / sizeof(default_algs[0]));
    double seconds = bench_env("BENCH_VERIFY_SECONDS", 1.0, 0.01, 3600);
    int reps = (int)bench_env("BENCH_VERIFY_REPS", 3, 1, MAX_REPS);
    const char *only = getenv("BENCH_VERIFY_ONLY");
    apr_pool_t *p;
    int failed = 0;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);

    printf("Verification micro-benchmark: %s; %.2g s per loop, %d repetition%s, medians; "
           "one thread.\n",
           OpenSSL_version(OPENSSL_VERSION), seconds, reps, reps == 1 ? "" : "s");
    printf("full = aj_token_verify_signature (parse, key choice, signature, payload); "
           "sig = aj_jws_verify alone; raw = the OpenSSL call sequence alone; "
           "cost = raw ops / our ops.\n\n");
    printf("| alg | key | token bytes | full ops/s | sig ops/s | raw ops/s | cost full | cost sig "
           "|\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    fflush(stdout);

    for (int a = 0; a < n_algs; a++) {
        int dpop = strcmp(names[a], "DPoP") == 0, jwe = strcmp(names[a], "JWE") == 0;
        const aj_alg_t *alg = dpop  ? aj_alg_by_id(AJ_ALG_ES256)
                              : jwe ? aj_alg_by_id(AJ_ALG_RS256)
                                    : aj_alg_by_name(names[a]);
        double full[MAX_REPS], sig[MAX_REPS], raw[MAX_REPS], mf, ms, mr;
        bench_case bc;

        if (alg == NULL ||
            !(dpop ? setup_dpop(&bc, p) : jwe ? setup_jwe(&bc, p) : setup(&bc, p, alg))) {
            fprintf(stderr, "bench_verify: cannot set up %s\n", names[a]);
            failed = 1;
            continue;
        }
        if (only && *only) {
            op_fn op = strcmp(only, "sig") == 0   ? op_sig
                       : strcmp(only, "raw") == 0 ? op_raw
                                                  : op_full;
            const char *count = getenv("BENCH_VERIFY_COUNT");
            if (count && atol(count) > 0) {
                long n = atol(count), ok = 0;
                for (long i = 0; i < n; i++) {
                    ok += op(&bc) != 0;
                }
                printf("%s %s: %ld ops, %ld verified\n", alg->name, only, n, ok);
                failed |= ok != n;
                continue;
            }
            printf("%s %s: %.0f ops/s\n", alg->name,
                   op == op_sig   ? "sig"
                   : op == op_raw ? "raw"
                                  : "full",
                   measure(op, &bc, seconds));
            continue;
        }
        /* warm-up: caches, lazily fetched providers and digests */
        if (measure(op_full, &bc, seconds / 10) < 0 || measure(op_sig, &bc, seconds / 10) < 0 ||
            measure(op_raw, &bc, seconds / 10) < 0) {
            fprintf(stderr, "bench_verify: %s: the token does not verify\n", names[a]);
            failed = 1;
            continue;
        }
        for (int r = 0; r < reps; r++) {
            full[r] = measure(op_full, &bc, seconds);
            sig[r] = measure(op_sig, &bc, seconds);
            raw[r] = measure(op_raw, &bc, seconds);
        }
        mf = bench_median(full, reps);
        ms = bench_median(sig, reps);
        mr = bench_median(raw, reps);
        printf("| %s | %s | %zu | %.0f | %.0f | %.0f | %.2f | %.2f |\n",
               dpop  ? "DPoP proof (ES256)"
               : jwe ? "JWE (RSA-OAEP-256, A256GCM) of RS256"
                     : alg->name,
               key_label(alg), (size_t)(jwe ? bc.jwe_len : bc.token_len), mf, ms, mr, mr / mf, mr / ms);
        fflush(stdout);
    }
    apr_pool_destroy(p);
    return failed;
}
