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
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mod_auth0_jwt_private.h"

#include <apr_strings.h>
#include <mpm_common.h>
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

const unsigned char *auth0_jwt_jwe_keys_id(request_rec *r)
{
    return srv_conf(r->server)->jwe_keys_id;
}

/*
 * Whether the server user can read the key, or change it or any directory on
 * its real path (it could then put another file in its place). Asked of the
 * kernel itself, as that user: a child process takes the server's User and
 * Group (with the user's other groups) and tries. Mode bits alone would miss
 * ACLs and supplementary groups. The answer is a code: 0 (out of reach), 1
 * (can read it), 2 (can write it), 3 (can change a directory on its path),
 * 4 (owns it or one of those directories), 5 (cannot say).
 */
static int probe_child(const char *real)
{
    uid_t uid = ap_unixd_config.user_id;
    char *dir = strdup(real), *slash;
    struct stat st, below;
    int fd;

    gid_t gid = ap_unixd_config.group_id;

    if (dir == NULL ||
        (initgroups(ap_unixd_config.user_name, gid) != 0 && setgroups(1, &gid) != 0) ||
        setgid(gid) != 0 || setuid(uid) != 0 || setuid(0) == 0) {
        return 5; /* (a user given as #uid has no other groups to take) */
    }
    /* what this user cannot even stat lies behind a folder it cannot enter:
     * out of its reach there, but the folders above are still looked at */
    memset(&below, 0, sizeof(below)); /* (uid 0: not the server user's) */
    if (stat(real, &st) == 0) {
        if (st.st_uid == uid) {
            return 4;
        }
        if ((fd = open(real, O_RDONLY | O_NOCTTY | O_NONBLOCK)) >= 0) {
            close(fd);
            return 1;
        }
        if (access(real, W_OK) == 0) {
            return 2;
        }
        below = st;
    }
    while ((slash = strrchr(dir, '/')) != NULL) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        if (stat(dir, &st) != 0) {
            memset(&below, 0, sizeof(below));
            if (slash == dir) {
                break;
            }
            continue;
        }
        if (st.st_uid == uid) {
            return 4;
        }
        /* a writable directory lets its entries be replaced, unless it is
         * sticky and the entry is not the server user's (/tmp) */
        if (access(dir, W_OK) == 0 && !((st.st_mode & S_ISVTX) && below.st_uid != uid)) {
            return 3;
        }
        if (slash == dir) {
            break;
        }
        below = st;
    }
    return 0;
}

static const char *probe_as_server_user(const char *real)
{
    static const char *const why[] = {
        NULL,
        "can be read by the server user",
        "can be written by the server user",
        "is in a directory the server user can change (it could be replaced)",
        "or a directory above it is owned by the server user",
        "could not be checked as the server user",
    };
    int status = 0, code;
    pid_t pid = fork();

    if (pid == 0) {
        _exit(probe_child(real));
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return why[5];
    }
    code = WEXITSTATUS(status);
    return code >= 0 && code <= 5 ? why[code] : why[5];
}

static int check_file(apr_pool_t *ptemp, server_rec *s, const char *path)
{
    char real[PATH_MAX];
    const char *why;

    if (realpath(path, real) == NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, errno, s, "Auth0DecryptionKeyFile %s: cannot "
                     "resolve its path", path);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((why = probe_as_server_user(real)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "Auth0DecryptionKeyFile %s %s: a decryption key must be out of the "
                     "server user's reach: owned by root, mode 600, no ACL for that user, in "
                     "directories only root can change",
                     strcmp(path, real) ? apr_psprintf(ptemp, "%s (%s)", path, real) : path,
                     why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* Whether any server of the configuration has a decryption key. */
static int any_keys(server_rec *s)
{
    for (server_rec *vs = s; vs; vs = vs->next) {
        if (srv_conf(vs)->jwe_keys && srv_conf(vs)->jwe_keys->nelts > 0) {
            return 1;
        }
    }
    return 0;
}

void auth0_jwt_jwe_child_init(server_rec *s)
{
    /* The key is in this process's memory. httpd makes children dumpable for
     * CoreDumpDirectory, which lets any process of the server user read that
     * memory (and a core file would hold the key): not with a key. */
    if (any_keys(s) && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s,
                     "cannot keep this process from being dumped or traced");
    }
}

int auth0_jwt_jwe_check_files(apr_pool_t *ptemp, server_rec *s)
{
    if (any_keys(s) && ap_coredumpdir_configured) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "CoreDumpDirectory is set, but children that hold an "
                     "Auth0DecryptionKeyFile key never dump core");
    }
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
