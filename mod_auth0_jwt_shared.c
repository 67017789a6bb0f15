/*
 * mod_auth0_jwt_shared.c: what every process of one server (and, through
 * redis or memcache, every server of a fleet) shares about fetched key sets.
 *
 *   socache (Auth0Cache, default shmcb)  one record per key source: the last good
 *       body, when it was fetched, the last attempt and failure, the last
 *       forced refresh. A fleet on one redis/memcache shares fetches and the
 *       cooldown through it.
 *   shared memory slots                  one per key source, per server: a generation
 *       number bumped at every new key set (so every process drops a removed
 *       key at its next request, without a lock), and a refresh lease (one
 *       refresh at a time).
 *   a fetch-count table                  per server, in the process pool: it
 *       outlives graceful restarts, so the counts only rise (docs/status.md).
 *   a runtime-dir file per key source    the last good body, so a restart
 *       during an identity-provider outage still has keys.
 *
 * A key source is named by its identity (auth0_jwt_source_ident: the URL with
 * the CA file, proxy and timeout that decide what the URL yields), never by
 * its URL alone.
 *
 * The global mutex guards socache calls for providers that are not
 * multi-process safe (shmcb); it is held only around those calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mod_auth0_jwt_private.h"

#include <http_core.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>
#include <unixd.h>
#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <openssl/evp.h>

#include "aj_fetch.h"
#include "mod_auth0_jwt_file.h"
#include "mod_auth0_jwt_shared.h"
#include "mod_auth0_jwt_shared_layout.h"

#define MUTEX_TYPE  "auth0-jwt-cache"
#define SLOTS       64
#define PERSIST_DIR "auth0_jwt"
#define REC_MAGIC   0x41304a31u /* "A0J1" */
#define FETCH_MAGIC 0x41304a46u /* "A0JF" */
#define FETCH_KEY   "mod_auth0_jwt_fetch_counts"
#define FETCH_ROWS  64

static ap_socache_provider_t *cache_provider;
static ap_socache_instance_t *cache;
static ap_socache_instance_t *active; /* cache, or the parent's own during start-up */
static apr_global_mutex_t *cache_mutex;
static const char *cache_name;
static int cache_fleet; /* the provider is shared by several servers */
static const char *cache_args;
static apr_shm_t *slots_shm;
static auth0_jwt_slot *slots;
static const char *persist_dir;

/* The fetches of one URL source, named like its slot. */
typedef struct {
    volatile apr_uint32_t used; /* 0 free, 1 being claimed, 2 in use, 3 abandoned */
    apr_uint32_t pad;
    unsigned char id[16];
    volatile apr_uint64_t ok, failed;
} fetch_row;

typedef struct {
    apr_uint32_t magic, rows;
    fetch_row row[FETCH_ROWS];
} fetch_table;
static fetch_table *fetches;

/* ---- identities --------------------------------------------------------- */

/* 16 bytes naming a key source (its auth0_jwt_source_ident): the socache key,
 * the slot key, the file name. 0 when OpenSSL failed: then the source shares
 * nothing (no slot, no record, no file), never under a name it did not earn. */
static int source_id(unsigned char id[16], const char *ident)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (!EVP_Digest(ident, strlen(ident), md, &len, EVP_sha256(), NULL) || len < 16) {
        return 0;
    }
    memcpy(id, md, 16);
    return 1;
}

static const char *hex16(apr_pool_t *p, const unsigned char id[16])
{
    char *s = apr_palloc(p, 33);
    for (int i = 0; i < 16; i++) {
        apr_snprintf(s + 2 * i, 3, "%02x", id[i]);
    }
    return s;
}

const char *auth0_jwt_source_id_hex(apr_pool_t *p, const char *ident)
{
    unsigned char id[16];

    return source_id(id, ident) ? hex16(p, id) : NULL;
}

/* ---- shared memory slots ------------------------------------------------ */

/* Waits while another process claims a row (its `used` is 1: it is writing the
 * id). 1 once the claim is done; 0 after a second, when the claimer must have
 * died between its two steps: the caller then passes over that row rather
 * than wait for ever, and marks it abandoned (3) so that no later look waits
 * on it again (a claimer only stopped that long still finishes: its 2 wins). */
static int claim_settled(volatile apr_uint32_t *used)
{
    for (int waited = 0; apr_atomic_read32(used) == 1; waited++) {
        if (waited == 1000) {
            apr_atomic_cas32(used, 3, 1);
            return 0;
        }
        apr_sleep(1000);
    }
    return 1;
}

auth0_jwt_slot *auth0_jwt_shared_slot(const char *ident)
{
    unsigned char id[16];
    unsigned int start;

    if (slots == NULL || !source_id(id, ident)) {
        return NULL;
    }
    start = ((unsigned int)id[0] << 8 | id[1]) % SLOTS;
    for (unsigned int i = 0; i < SLOTS; i++) {
        auth0_jwt_slot *s = &slots[(start + i) % SLOTS];
        if (apr_atomic_read32(&s->used) == 2 && memcmp(s->id, id, 16) == 0) {
            return s;
        }
        if (apr_atomic_cas32(&s->used, 1, 0) == 0) { /* claim a free slot */
            memcpy(s->id, id, 16);
            apr_atomic_set32(&s->used, 2);
            return s;
        }
        if (claim_settled(&s->used) && memcmp(s->id, id, 16) == 0) {
            return s;
        }
    }
    return NULL; /* table full: this source works per process */
}

/* ---- fetch counts ---------------------------------------------------------- */

/* The table, made once per httpd run: a graceful restart finds it again. */
static void fetches_setup(server_rec *s)
{
    apr_pool_t *proc = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;
    fetch_table *t;

    apr_pool_userdata_get((void **)&shm, FETCH_KEY, proc);
    if (shm) {
        t = apr_shm_baseaddr_get(shm);
        if (apr_shm_size_get(shm) == sizeof(*t) && t->magic == FETCH_MAGIC &&
            t->rows == FETCH_ROWS) {
            fetches = t;
            return;
        }
    }
    rv = apr_shm_create(&shm, sizeof(*t), NULL, proc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "no shared memory for fetch counts: the status page shows none");
        return;
    }
    t = apr_shm_baseaddr_get(shm);
    memset(t, 0, sizeof(*t));
    t->magic = FETCH_MAGIC;
    t->rows = FETCH_ROWS;
    apr_pool_userdata_set(shm, FETCH_KEY, apr_pool_cleanup_null, proc);
    fetches = t;
}

/* The row of ident, claimed if claim is set and it has none; NULL when the
 * table is full (its fetches go uncounted) or OpenSSL failed. Without claim,
 * *counted says whether the source's fetches are counted: it has a row, or a
 * free row waits for its first fetch. */
static fetch_row *fetch_row_of(const char *ident, int claim, int *counted)
{
    unsigned char id[16];
    unsigned int start;

    if (fetches == NULL || ident == NULL || !source_id(id, ident)) {
        return NULL;
    }
    start = ((unsigned int)id[0] << 8 | id[1]) % FETCH_ROWS;
    for (unsigned int i = 0; i < FETCH_ROWS; i++) {
        fetch_row *f = &fetches->row[(start + i) % FETCH_ROWS];
        if (apr_atomic_read32(&f->used) == 0) {
            if (!claim) {
                *counted = 1;
                return NULL; /* rows are claimed in probe order: it has none */
            }
            if (apr_atomic_cas32(&f->used, 1, 0) == 0) {
                memcpy(f->id, id, 16);
                apr_atomic_set32(&f->used, 2);
                return f;
            }
        }
        if (claim_settled(&f->used) && memcmp(f->id, id, 16) == 0) {
            if (counted) {
                *counted = 1;
            }
            return f;
        }
    }
    return NULL;
}

void auth0_jwt_shared_count_fetch(const char *ident, int ok)
{
    static int told; /* per process */
    fetch_row *f = fetch_row_of(ident, 1, NULL);

    if (f) {
        apr_atomic_inc64(ok ? &f->ok : &f->failed);
    } else if (fetches && !told) {
        told = 1;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, NULL,
                     "the fetch-count table is full (%d key sources since httpd started): "
                     "the status page shows the fetches of the others as not counted",
                     FETCH_ROWS);
    }
}

int auth0_jwt_shared_fetches(const char *ident, apr_uint64_t *ok, apr_uint64_t *failed)
{
    int counted = 0;
    fetch_row *f = fetch_row_of(ident, 0, &counted);

    *ok = f ? apr_atomic_read64(&f->ok) : 0;
    *failed = f ? apr_atomic_read64(&f->failed) : 0;
    return counted;
}

/* ---- socache records ------------------------------------------------------ */

static void cache_lock(void)
{
    if (cache_mutex) {
        apr_global_mutex_lock(cache_mutex);
    }
}

static void cache_unlock(void)
{
    if (cache_mutex) {
        apr_global_mutex_unlock(cache_mutex);
    }
}

auth0_jwt_rec *auth0_jwt_shared_get(server_rec *s, const char *ident, apr_pool_t *p)
{
    unsigned char id[16];
    unsigned int len = (unsigned int)(sizeof(auth0_jwt_rec) + AJ_FETCH_MAX_BODY);
    unsigned char *buf;
    auth0_jwt_rec *rec;
    apr_status_t rv;
    apr_time_t now;

    if (cache == NULL || active == NULL || !source_id(id, ident)) {
        return NULL;
    }
    buf = apr_palloc(p, len + 1);
    cache_lock();
    rv = cache_provider->retrieve(active, s, id, sizeof(id), buf, &len, p);
    cache_unlock();
    rec = (auth0_jwt_rec *)buf;
    if (rv != APR_SUCCESS || len < sizeof(*rec) || rec->magic != REC_MAGIC ||
        rec->body_len != len - sizeof(*rec)) {
        return NULL;
    }
    buf[len] = '\0';
    /* Written by another process, or another server whose clock may run ahead.
     * The fetch time is never later than our own clock (a future time would pin
     * the key set as fresh for as long as the clocks differ). The cooldown times
     * stay as written: capped at our clock, a time an hour ahead would read as
     * "just now" at every look, and hold every refresh back for that hour; the
     * cooldown checks count a time at most one cooldown ahead and ignore one
     * further ahead (mod_auth0_jwt_keys.c, within). */
    now = apr_time_now();
    rec->fetched_at = rec->fetched_at > now ? now : rec->fetched_at;
    return rec;
}

apr_status_t auth0_jwt_shared_put(server_rec *s, const char *ident, const char *url,
                                  const auth0_jwt_rec *head, const char *body, apr_time_t expiry,
                                  apr_pool_t *p)
{
    unsigned char id[16];
    apr_size_t blen = body ? head->body_len : 0;
    unsigned char *buf = apr_palloc(p, sizeof(*head) + blen);
    auth0_jwt_rec *rec = (auth0_jwt_rec *)buf;
    apr_status_t rv;

    if (cache == NULL || active == NULL) {
        return APR_ENOTIMPL;
    }
    memcpy(rec, head, sizeof(*head));
    rec->magic = REC_MAGIC;
    rec->body_len = (apr_uint32_t)blen;
    if (blen) {
        memcpy(buf + sizeof(*rec), body, blen);
    }
    if (!source_id(id, ident)) {
        return APR_EGENERAL;
    }
    cache_lock();
    rv = cache_provider->store(active, s, id, sizeof(id), expiry, buf,
                               (unsigned int)(sizeof(*rec) + blen), p);
    cache_unlock();
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "Auth0Cache %s: cannot store the key set of %s (%" APR_SIZE_T_FMT
                     " bytes); processes will fetch on their own",
                     cache_name, url, blen);
    }
    return rv;
}

/* ---- the last good key set on disk ----------------------------------------- */

static const char *persist_path(apr_pool_t *p, const char *ident)
{
    unsigned char id[16];

    if (persist_dir == NULL || !source_id(id, ident)) {
        return NULL;
    }
    return apr_pstrcat(p, persist_dir, "/", hex16(p, id), ".jwks", NULL);
}

/*
 * The directory belongs to the server user, who may have planted anything in
 * it: links, FIFOs, files under the names we use. Nothing here follows a link
 * or opens an existing file for writing, so no operation (of the root parent
 * at start-up, or of a child) can be turned onto another file:
 * - the new copy goes to a fresh temporary name created with O_EXCL (which
 *   refuses an existing name, a link included), then rename() puts it in
 *   place, replacing whatever had the name (a link is replaced, not followed);
 * - loading opens with O_NOFOLLOW and O_NONBLOCK, and takes a regular file
 *   only (a FIFO would otherwise block the parent at start-up).
 */
void auth0_jwt_persist_save(server_rec *s, const char *ident, const char *url, const char *body,
                            apr_size_t len, apr_pool_t *p)
{
    const char *path = persist_path(p, ident);
    char *tmp;
    apr_file_t *f = NULL;
    apr_size_t written;
    apr_status_t rv;

    if (path == NULL) {
        return;
    }
    tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    /* apr_file_mktemp: mkstemp's O_CREAT | O_EXCL under a random name, mode 0600 */
    rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, body, len, &written);
        apr_file_close(f);
        if (rv == APR_SUCCESS) {
            rv = apr_file_rename(tmp, path, p);
        }
        if (rv != APR_SUCCESS) {
            apr_file_remove(tmp, p);
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "cannot save the key set of %s to %s for restarts", url, path);
    }
}

char *auth0_jwt_persist_load(const char *ident, apr_size_t *len, apr_time_t *mtime, apr_pool_t *p)
{
    const char *path = persist_path(p, ident);
    char *buf;

    /* the folder is the server user's: no link is followed, no FIFO waited on */
    if (path == NULL ||
        auth0_jwt_read_file(&buf, len, mtime, p, path, AJ_FETCH_MAX_BODY, 1) != APR_SUCCESS ||
        *len == 0) {
        return NULL;
    }
    /* the file's time is the server user's to set: never later than now */
    *mtime = *mtime > apr_time_now() ? apr_time_now() : *mtime;
    return buf;
}

/* ---- life cycle ------------------------------------------------------------ */

int auth0_jwt_shared_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS ? OK
                                                                                          : !OK;
}

static apr_status_t shared_cleanup(void *data)
{
    server_rec *s = data;

    if (cache && cache_provider) {
        cache_provider->destroy(cache, s);
    }
    cache = NULL;
    cache_provider = NULL;
    active = NULL;
    cache_mutex = NULL;
    slots = NULL;
    slots_shm = NULL;
    fetches = NULL;
    persist_dir = NULL;
    return APR_SUCCESS;
}

/*
 * Give the directory itself (never what a link there points to) to the server
 * user: opened with O_NOFOLLOW | O_DIRECTORY, then fchown/fchmod on that.
 */
static int hand_over(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), ok;

    if (fd < 0) {
        return 0;
    }
    ok = fchown(fd, ap_unixd_config.user_id, ap_unixd_config.group_id) == 0 &&
         fchmod(fd, S_IRWXU) == 0;
    close(fd);
    return ok;
}

/* The directory for last-good key sets: 0700, owned by the server's user. */
static void persist_setup(apr_pool_t *pconf, server_rec *s)
{
    const char *dir = ap_runtime_dir_relative(pconf, PERSIST_DIR);
    apr_status_t rv =
        apr_dir_make_recursive(dir, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE, pconf);

    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "cannot create %s: keys will not survive restarts", dir);
        return;
    }
    if (geteuid() == 0 && !hand_over(dir)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, APR_FROM_OS_ERROR(errno), s,
                     "cannot hand %s to the server user: keys will not survive restarts", dir);
        return;
    }
    persist_dir = dir;
}

int auth0_jwt_shared_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                 const char *spec)
{
    struct ap_socache_hints hints = {32, 4096, apr_time_from_sec(60)};
    /* The default shmcb: 8 MiB in 4 subcaches of 2 MiB and about 120 entries,
     * so that a key set up to the 1 MiB fetch cap fits in one entry and many
     * key sets fit at once. Pages never written cost no memory. */
    struct ap_socache_hints big = {32, 64 * 1024, apr_time_from_sec(60)};
    const char *name, *args = NULL, *err;
    apr_size_t size = sizeof(auth0_jwt_slot) * SLOTS;
    apr_status_t rv;
    char *colon;

    apr_pool_cleanup_register(pconf, s, shared_cleanup, apr_pool_cleanup_null);
    persist_setup(pconf, s);
    fetches_setup(s);
    rv = apr_shm_create(&slots_shm, size, NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "no shared memory for key-set generations: each process refreshes alone");
    } else {
        slots = apr_shm_baseaddr_get(slots_shm);
        memset(slots, 0, size);
    }
    name = spec ? apr_pstrdup(ptemp, spec) : "shmcb";
    if ((colon = strchr(name, ':')) != NULL) {
        *colon = '\0';
        args = colon + 1;
    }
    cache_name = apr_pstrdup(pconf, spec ? spec : "shmcb");
    if (strcmp(name, "shmcb") == 0 && (args == NULL || *args == '\0')) {
        args = apr_pstrcat(ptemp, ap_runtime_dir_relative(ptemp, "auth0_jwt_shmcb"), "(8388608)",
                           NULL);
    } else {
        big = hints;
    }
    cache_fleet = strcmp(name, "redis") == 0 || strcmp(name, "memcache") == 0;
    cache_provider =
        ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (cache_provider == NULL) {
        if (spec) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "Auth0Cache %s: no socache provider '%s' is loaded "
                         "(LoadModule socache_%s_module)",
                         spec, name, name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "mod_socache_shmcb is not loaded: each process keeps its own key sets "
                     "(load it, or set Auth0Cache, to share them)");
        return OK;
    }
    err = cache_provider->create(&cache, args, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "Auth0Cache %s: %s", cache_name, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = cache_provider->init(cache, "auth0-jwt", &big, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "Auth0Cache %s: cannot initialise", cache_name);
        cache = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    active = cache;
    cache_args = args ? apr_pstrdup(pconf, args) : NULL;
    if (cache_provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&cache_mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the %s mutex", MUTEX_TYPE);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void auth0_jwt_shared_child_init(apr_pool_t *p, server_rec *s)
{
    if (cache_mutex) {
        apr_status_t rv =
            apr_global_mutex_child_init(&cache_mutex, apr_global_mutex_lockfile(cache_mutex), p);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot attach to the %s mutex",
                         MUTEX_TYPE);
        }
    }
}

const char *auth0_jwt_shared_cache_name(void)
{
    return cache ? cache_name : "none (per process)";
}

int auth0_jwt_shared_is_fleet(void)
{
    return cache != NULL && cache_fleet;
}

/*
 * Around the parent's start-up fetches: a fleet cache (redis, memcache) talks
 * over connections, and one opened in the parent would be inherited by every
 * child, their answers crossing. The parent uses an instance of its own,
 * closed again before the children start.
 */
void auth0_jwt_shared_startup(server_rec *s, apr_pool_t *ptemp, int begin)
{
    struct ap_socache_hints hints = {32, 4096, apr_time_from_sec(60)};
    ap_socache_instance_t *tmp = NULL;

    if (cache == NULL || !cache_fleet) {
        return;
    }
    if (!begin) {
        if (active != cache) {
            cache_provider->destroy(active, s);
        }
        active = cache;
        return;
    }
    if (cache_provider->create(&tmp, cache_args, ptemp, ptemp) == NULL &&
        cache_provider->init(tmp, "auth0-jwt", &hints, s, ptemp) == APR_SUCCESS) {
        active = tmp;
    } else {
        active = NULL; /* no sharing at start-up rather than a shared connection */
    }
}
