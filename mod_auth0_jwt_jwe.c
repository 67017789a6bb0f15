/*
 * mod_auth0_jwt_jwe.c: encrypted tokens (docs/directives.md,
 * "Auth0DecryptionKeyFile" and "Auth0TokenEncryption").
 *
 * The keys are read by the root parent while it reads the configuration
 * (mod_auth0_jwt_config.c), so the children hold them without ever opening
 * the files. What is checked here is that the files themselves are out of the
 * server user's reach: a key the server user can read leaks with the first
 * file-reading bug of any module or script running as that user, and a key
 * it can replace (the file, or its directory) becomes the attacker's at the
 * next restart.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mod_auth0_jwt_private.h"

#include <apr_strings.h>
#include <unixd.h>
#include <openssl/evp.h>

#include "aj_jwe.h"
#include "mod_auth0_jwt_jwe.h"

static const auth0_jwt_srv_conf *srv_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &auth0_jwt_module);
}

aj_reason_e auth0_jwt_jwe_rule(request_rec *r, const auth0_jwt_dir_conf *c, const char *token,
                               apr_size_t len, int *jwe)
{
    int mode = auth0_jwt_token_encryption(c, srv_conf(r->server));

    /* where encryption is Off, five segments are no token at all (segments) */
    *jwe = mode != AUTH0_JWT_JWE_OFF && aj_jwe_is_compact(token, len);
    if (!*jwe && mode == AUTH0_JWT_JWE_REQUIRED) {
        return AJ_R_JWE_REQUIRED;
    }
    return AJ_OK;
}

aj_reason_e auth0_jwt_jwe_decrypt(request_rec *r, const char *token, apr_size_t len,
                                  const char **inner, apr_size_t *inner_len)
{
    return aj_jwe_decrypt(inner, inner_len, NULL, r->pool, token, len,
                          srv_conf(r->server)->jwe_keys);
}

int auth0_jwt_jwe_cache_key(request_rec *r, unsigned char digest[32])
{
    static const unsigned char no_keys[32];
    const auth0_jwt_srv_conf *sc = srv_conf(r->server);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(md, digest, 32) &&
             EVP_DigestUpdate(md, sc->jwe_keys_id ? sc->jwe_keys_id : no_keys, 32) &&
             EVP_DigestFinal_ex(md, digest, &n) && n == 32;

    EVP_MD_CTX_free(md);
    return ok;
}

/* Why the server user could read or change the file or directory at path
 * (st its status), or NULL. */
static const char *reachable(const struct stat *st, int dir)
{
    uid_t uid = ap_unixd_config.user_id;
    gid_t gid = ap_unixd_config.group_id;

    if (st->st_uid == uid) {
        return "is owned by the server user";
    }
    if (st->st_mode & S_IWOTH && !(dir && (st->st_mode & S_ISVTX))) {
        return "can be written by every user";
    }
    if (st->st_gid == gid && (st->st_mode & S_IWGRP)) {
        return "can be written by the server's group";
    }
    if (!dir && (st->st_mode & S_IROTH)) {
        return "can be read by every user";
    }
    if (!dir && st->st_gid == gid && (st->st_mode & S_IRGRP)) {
        return "can be read by the server's group";
    }
    return NULL;
}

static int check_file(apr_pool_t *ptemp, server_rec *s, const char *path)
{
    char *dir = apr_pstrdup(ptemp, path), *slash = strrchr(dir, '/');
    struct stat st;
    const char *why;

    if (stat(path, &st) != 0) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, errno, s, "Auth0DecryptionKeyFile %s: cannot stat it",
                     path);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((why = reachable(&st, 0)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "Auth0DecryptionKeyFile %s %s: a decryption key must be readable by root "
                     "only (chown root; chmod 600)",
                     path, why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        if (stat(dir, &st) == 0 && (why = reachable(&st, 1)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "Auth0DecryptionKeyFile %s: its directory %s %s, so the key could be "
                         "replaced: keep it in a directory only root can change",
                         path, dir, why);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int auth0_jwt_jwe_check_files(apr_pool_t *ptemp, server_rec *s)
{
    if (geteuid() != 0) {
        return OK; /* not started as root: there is no server user to keep the key from */
    }
    for (server_rec *vs = s; vs; vs = vs->next) {
        const auth0_jwt_srv_conf *sc = srv_conf(vs);
        for (int i = 0; sc->jwe_key_files && i < sc->jwe_key_files->nelts; i++) {
            if (check_file(ptemp, s, APR_ARRAY_IDX(sc->jwe_key_files, i, const char *)) != OK) {
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }
    return OK;
}
