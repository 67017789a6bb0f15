/*
 * mod_bench_floor.c: the floor of a cache miss, measured inside httpd.
 * Built and loaded by scripts/bench.sh only; never installed, never in a
 * package.
 *
 *   BenchRawVerify PUBLIC-KEY.pem TOKEN-FILE      (in a <Location>)
 *
 * Every request there first pays the bare OpenSSL RS256 verification of the
 * token in TOKEN-FILE (read and split at configuration time): EVP_MD_CTX_new,
 * EVP_DigestVerifyInit, EVP_DigestVerify, EVP_MD_CTX_free, the sequence
 * tests/bench/bench_verify calls "raw", in an access checker; then the request
 * goes on as it would (the demo handler answers). So the extra time of such a
 * request over the same request without the directive is one raw verify in
 * the server's own conditions (its threads, its caches, wrk beside it): the
 * floor an end-to-end miss is measured against, beside `openssl speed`.
 * A verification that fails answers 500, which the benchmark counts as an error.
 */
#include <string.h>

#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

typedef struct {
    EVP_PKEY *pkey;
    const unsigned char *input, *sig;
    size_t input_len, sig_len;
} floor_conf;

module AP_MODULE_DECLARE_DATA bench_floor_module;

static void *create_conf(apr_pool_t *p, char *dir)
{
    (void)dir;
    return apr_pcalloc(p, sizeof(floor_conf));
}

static apr_status_t free_pkey(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

static const char *read_file(apr_pool_t *p, const char *path, char **out)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;

    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, p) != APR_SUCCESS ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        return apr_psprintf(p, "BenchRawVerify: cannot read %s", path);
    }
    n = (apr_size_t)fi.size;
    *out = apr_palloc(p, n + 1);
    if (apr_file_read_full(f, *out, n, &n) != APR_SUCCESS) {
        return apr_psprintf(p, "BenchRawVerify: cannot read %s", path);
    }
    (*out)[n] = '\0';
    apr_file_close(f);
    return NULL;
}

static const char *set_raw_verify(cmd_parms *cmd, void *dc, const char *key, const char *token)
{
    floor_conf *c = dc;
    char *pem, *tok, *dot, *b64;
    const char *err;
    BIO *bio;
    int n, len;

    if ((err = read_file(cmd->pool, key, &pem)) || (err = read_file(cmd->pool, token, &tok))) {
        return err;
    }
    bio = BIO_new_mem_buf(pem, -1);
    c->pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (c->pkey == NULL) {
        return "BenchRawVerify: not a PEM public key";
    }
    apr_pool_cleanup_register(cmd->pool, c->pkey, free_pkey, apr_pool_cleanup_null);
    tok[strcspn(tok, "\r\n")] = '\0';
    if ((dot = strrchr(tok, '.')) == NULL) {
        return "BenchRawVerify: not a compact JWS";
    }
    c->input = (const unsigned char *)tok;
    c->input_len = (size_t)(dot - tok);
    /* base64url to base64, padded, for EVP_DecodeBlock */
    len = (int)strlen(dot + 1);
    b64 = apr_pcalloc(cmd->pool, (apr_size_t)len + 4);
    for (int i = 0; i < len; i++) {
        char ch = dot[1 + i];
        b64[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    }
    while (len % 4) {
        b64[len++] = '=';
    }
    c->sig = apr_palloc(cmd->pool, (apr_size_t)len);
    n = EVP_DecodeBlock((unsigned char *)c->sig, (const unsigned char *)b64, len);
    if (n < 0) {
        return "BenchRawVerify: the signature is not base64url";
    }
    c->sig_len = (size_t)n - (size_t)(len - (int)strlen(dot + 1)); /* minus the padding */
    return NULL;
}

static int raw_verify(request_rec *r)
{
    const floor_conf *c = ap_get_module_config(r->per_dir_config, &bench_floor_module);
    EVP_MD_CTX *ctx;
    int ok;

    if (c == NULL || c->pkey == NULL) {
        return DECLINED;
    }
    ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, c->pkey) == 1 &&
         EVP_DigestVerify(ctx, c->sig, c->sig_len, c->input, c->input_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "BenchRawVerify: the token does not verify");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return DECLINED;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_access_checker(raw_verify, NULL, NULL, APR_HOOK_FIRST);
}

static const command_rec cmds[] = {
    AP_INIT_TAKE2("BenchRawVerify", set_raw_verify, NULL, OR_AUTHCFG | ACCESS_CONF,
                  "a PEM public key and a file holding an RS256 token signed by its key"),
    {NULL}};

module AP_MODULE_DECLARE_DATA bench_floor_module = {
    STANDARD20_MODULE_STUFF, create_conf, NULL, NULL, NULL, cmds, register_hooks};
