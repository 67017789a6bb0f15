/*
 * mod_auth0_jwt_keys.c: where a request's keys come from (docs/keys.md).
 *
 * A key source is one place keys live: a JWKS URL (Auth0JWKSURI, or the one
 * Auth0Domain implies) with the trust settings that decide what it yields (CA
 * file, proxy, timeout), or a JWKS file (Auth0JWKSFile). Each process keeps a
 * registry of sources keyed by that identity (auth0_jwt_source_ident), so the
 * scopes that agree on all of it share one parsed key set, and no others do. A key set is parsed
 * once per version into its own pool and reference-counted: a request holds the set it started with
 * until it ends, while a refresh may swap in a new one.
 *
 * The request path for a URL source, fast to slow:
 *   1. fresh keys, same shared generation: use them (no lock but a read lock)
 *   2. another thread of this process is already working: use what we have
 *   3. the socache holds a newer set (another process or server fetched it):
 *      parse it once and use it
 *   4. stale, or an unknown kid: take the server-wide refresh lease and fetch,
 *      unless the shared record says a fetch failed or was forced within the
 *      cooldown; without the lease, keep serving the keys we have, or (with no
 *      keys at all) wait for the lease holder, at most Auth0JWKSTimeout.
 *   5. behind (another process fetched a set the socache could not hold): fetch
 *      this process's own copy at once, without the lease, before answering.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_core.h>
#include <ap_listen.h>
#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <apr_thread_rwlock.h>
#include <openssl/evp.h>

#include "aj_fetch.h"
#include "aj_siphash.h"
#include "mod_auth0_jwt_config.h"
#include "mod_auth0_jwt_file.h"
#include "mod_auth0_jwt_keys.h"
#include "mod_auth0_jwt_shared.h"
#include "mod_auth0_jwt_shared_layout.h"
#include "mod_auth0_jwt_status.h"

#define WAIT_STEP apr_time_from_msec(20)
/* Requests that may wait at once for a refresh of their source in this process
 * while it has keys (for tokens whose kid is unknown): the rest answer at once
 * with the keys there are, so unknown-kid tokens can never hold every worker.
 * Without any key, every request waits (at most the timeout): none could be
 * answered otherwise. */
#define MAX_WAITERS 2
/* With a fleet cache (redis, memcache) another server may refresh: look at the
 * shared record at least this often, so a removed key stops everywhere soon. */
#define FLEET_SYNC apr_time_from_sec(5)

typedef struct {
    apr_pool_t *pool; /* unmanaged: destroyed when the last holder lets go */
    aj_jwks_t *jwks;
    apr_uint32_t refs;
} keyset;

typedef struct refresh_job refresh_job;

typedef struct {
    const char *ident;    /* auth0_jwt_source_ident(): the registry and shared key */
    const char *location; /* URL or absolute file path */
    const char *ca_file;  /* URL sources: what the fetch trusts and goes through */
    const char *proxy;
    apr_interval_time_t timeout;
    int is_file;
    int secs[4]; /* the timings of the identity, in seconds: timeout, ttl, cooldown, stale */
    unsigned char tag[16]; /* the first half of SHA-256(ident): the source in a token's name */
    auth0_jwt_slot *slot; /* shared generation and lease; NULL: this process alone */
    apr_thread_mutex_t *busy;
    /* read under the registry read lock, written under busy + the write lock */
    keyset *current;
    apr_uint32_t gen; /* slot generation current belongs to */
    /* this field and the three times below are written under busy AND the
     * registry write lock, and read under either, never bare */
    apr_time_t fetched_at; /* when current was fetched (URL) or loaded (file) */
    apr_time_t recheck_at; /* stale keys may serve without a look until then */
    apr_time_t synced_at;  /* last look at the shared record */
    int refreshing;        /* a refresh of this process runs (under busy) */
    apr_uint32_t unshared; /* slot->unshared when this process last fetched (under busy) */
    /* under busy only */
    apr_time_t forced_at;   /* this process's last forced refresh */
    apr_time_t forced_seen; /* the last forced refresh of any process, from the record */
    int waiters;            /* requests waiting here for this process's refresh */
    /* under jobs_lock */
    apr_thread_t *thread; /* runs this source's background refreshes */
    refresh_job *pending; /* the next one */
    auth0_jwt_rec local;  /* the record, when there is no socache */
    apr_time_t mtime;     /* file sources */
    apr_off_t size;
    const char *last_error;
} source;

typedef struct {
    apr_interval_time_t ttl, cooldown, max_stale, timeout;
} timing;

static apr_array_header_t *configured; /* auth0_jwt_source_info, from start-up */
static int htaccess_made;              /* sources made for scopes an .htaccess shaped */

const char auth0_jwt_too_many_sources[] =
    ".htaccess files have named as many key sources as Auth0HtaccessKeySources allows";
static apr_pool_t *registry_pool;
static apr_hash_t *registry;
/*
 * The process remembers the last few sources requests used, so a request does
 * not build the identity string and hash it to find its source again. Read
 * and written without a lock: a slot is one pointer, stored and loaded
 * atomically, to a source whose identity never changes once it is published.
 * The slots are emptied with the registry they point into (keys_init).
 */
#define RECENT 8
static source *recent[RECENT];
static unsigned int recent_next;
static apr_thread_rwlock_t *registry_lock;
static int have_shared; /* a socache holds records for every process */
static int fleet;       /* ... and for other servers too */

/* ---- key sets ---------------------------------------------------------------- */

static void keyset_release(keyset *ks)
{
    if (ks && apr_atomic_dec32(&ks->refs) == 0) {
        apr_pool_destroy(ks->pool);
    }
}

static apr_status_t keyset_cleanup(void *data)
{
    keyset_release(data);
    return APR_SUCCESS;
}

/*
 * Say which keys of a set were skipped, and why. At `warn` only where a set
 * comes in (the process that fetched it, the parent at start-up, the
 * configuration naming a file); the processes that merely adopt it from the
 * shared cache say it at `debug`, so a bad key costs one warning per version,
 * not one per process.
 */
static void log_skipped(server_rec *s, const char *where, const aj_jwks_t *jwks, int level)
{
    for (int i = 0; i < jwks->skipped->nelts; i++) {
        const aj_jwk_skip_t *sk = &APR_ARRAY_IDX(jwks->skipped, i, aj_jwk_skip_t);
        ap_log_error(APLOG_MARK, level, 0, s, "key %d (kid %s) of %s skipped: %s", sk->index,
                     sk->kid ? sk->kid : "none", where, sk->why);
    }
}

/* Parse body into a new key set; NULL with *why when it holds no usable key. */
static keyset *keyset_make(server_rec *s, const char *where, const char *body, apr_size_t len,
                           int skip_level, const char **why)
{
    apr_pool_t *p;
    aj_jwks_t *jwks;
    keyset *ks;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    jwks = aj_jwks_parse(p, body, len, why);
    if (jwks && jwks->keys->nelts == 0) {
        *why = "the key set holds no usable key";
        jwks = NULL;
    }
    if (jwks == NULL) {
        apr_pool_destroy(p);
        return NULL;
    }
    log_skipped(s, where, jwks, skip_level);
    ks = apr_palloc(p, sizeof(*ks));
    ks->pool = p;
    ks->jwks = jwks;
    ks->refs = 1; /* the source's reference */
    return ks;
}

/* Make ks the source's current set (takes over the caller's reference). */
static void install(source *src, keyset *ks, apr_time_t fetched_at, apr_uint32_t gen)
{
    keyset *old;

    apr_thread_rwlock_wrlock(registry_lock);
    old = src->current;
    src->current = ks;
    src->fetched_at = fetched_at;
    src->gen = gen;
    src->recheck_at = 0; /* a new set is judged by its own age */
    apr_thread_rwlock_unlock(registry_lock);
    keyset_release(old);
}

/* A reference to ks for the length of the request. */
static const aj_jwks_t *hold(request_rec *r, keyset *ks)
{
    apr_pool_cleanup_register(r->pool, ks, keyset_cleanup, apr_pool_cleanup_null);
    return ks->jwks;
}

/* ---- the registry ------------------------------------------------------------ */

void auth0_jwt_keys_init(apr_pool_t *p, server_rec *s)
{
    htaccess_made = 0;
    memset(recent, 0, sizeof(recent)); /* (no request runs yet) */
    registry_pool = p;
    registry = apr_hash_make(p);
    apr_thread_rwlock_create(&registry_lock, p);
    have_shared = strcmp(auth0_jwt_shared_cache_name(), "none (per process)") != 0;
    fleet = auth0_jwt_shared_is_fleet();
}

const char *auth0_jwt_source_ident(apr_pool_t *p, const auth0_jwt_dir_conf *c, const char *location,
                                   int is_file)
{
    if (is_file) {
        return apr_pstrcat(p, "file ", location, NULL);
    }
    /* newlines cannot occur in any of the parts: the joined string is unambiguous;
     * the timings are part of it because they decide how long a key stays in use */
    return apr_psprintf(p, "url %s\nca %s\nproxy %s\ntimeout %d\nttl %d\ncooldown %d\nstale %d",
                        location, c->ca_file ? c->ca_file : "(system store)",
                        c->proxy ? c->proxy : "(none)",
                        auth0_jwt_timeout(c),
                        auth0_jwt_cache_ttl(c),
                        auth0_jwt_refresh_cooldown(c),
                        auth0_jwt_max_stale(c));
}

/*
 * The source of this identity, made on first use with the settings of c; NULL
 * when c was shaped by an .htaccess and this process holds as many such
 * sources as Auth0HtaccessKeySources allows (each has its keys, a shared slot
 * and record, a saved file and a thread).
 */
static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The timings that are part of c's identity for a URL source (see above). */
static void ident_secs(int secs[4], const auth0_jwt_dir_conf *c)
{
    secs[0] = auth0_jwt_timeout(c);
    secs[1] = auth0_jwt_cache_ttl(c);
    secs[2] = auth0_jwt_refresh_cooldown(c);
    secs[3] = auth0_jwt_max_stale(c);
}

/* Whether src is the source auth0_jwt_source_ident(c, location, is_file) names:
 * the same comparison, part by part, without building the string. */
static int source_is(const source *src, const auth0_jwt_dir_conf *c, const char *location,
                     int is_file, const int secs[4])
{
    if (src->is_file != is_file || strcmp(src->location, location) != 0) {
        return 0;
    }
    return is_file || (same_text(src->ca_file, c->ca_file) && same_text(src->proxy, c->proxy) &&
                       memcmp(src->secs, secs, sizeof(src->secs)) == 0);
}

/*
 * The source of this identity, made on first use with the settings of c; NULL
 * when c was shaped by an .htaccess and this process holds as many such
 * sources as Auth0HtaccessKeySources allows (each has its keys, a shared slot
 * and record, a saved file and a thread).
 */
static source *source_get(request_rec *r, const auth0_jwt_dir_conf *c, const char *location,
                          int is_file, const int secs[4])
{
    const char *ident;
    source *src;
    unsigned int n = 0;

    for (int i = 0; i < RECENT; i++) {
        src = __atomic_load_n(&recent[i], __ATOMIC_ACQUIRE);
        if (src && source_is(src, c, location, is_file, secs)) {
            return src;
        }
    }
    ident = auth0_jwt_source_ident(r->pool, c, location, is_file);
    apr_thread_rwlock_rdlock(registry_lock);
    src = apr_hash_get(registry, ident, APR_HASH_KEY_STRING);
    apr_thread_rwlock_unlock(registry_lock);
    if (src == NULL) {
        apr_thread_rwlock_wrlock(registry_lock);
        src = apr_hash_get(registry, ident, APR_HASH_KEY_STRING);
        if (src == NULL && c->htaccess_keys && htaccess_made >= auth0_jwt_htaccess_sources_max()) {
            apr_thread_rwlock_unlock(registry_lock);
            return NULL;
        }
        if (src == NULL) {
            unsigned char md[EVP_MAX_MD_SIZE];
            htaccess_made += c->htaccess_keys != 0;
            src = apr_pcalloc(registry_pool, sizeof(*src));
            src->ident = apr_pstrdup(registry_pool, ident);
            src->location = apr_pstrdup(registry_pool, location);
            src->ca_file = c->ca_file ? apr_pstrdup(registry_pool, c->ca_file) : NULL;
            src->proxy = c->proxy ? apr_pstrdup(registry_pool, c->proxy) : NULL;
            src->timeout = apr_time_from_sec(auth0_jwt_timeout(c));
            src->is_file = is_file;
            memcpy(src->secs, secs, sizeof(src->secs));
            /* (a failed digest leaves zeros: still this source's own, as the
             * identity is compared in full above and in the registry) */
            if (EVP_Digest(ident, strlen(ident), md, &n, EVP_sha256(), NULL) && n >= 16) {
                memcpy(src->tag, md, sizeof(src->tag));
            }
            src->slot = !is_file && have_shared ? auth0_jwt_shared_slot(src->ident) : NULL;
            if (!is_file && have_shared && src->slot == NULL) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, NULL,
                             "no shared slot for %s (all 64 in use): this process refreshes "
                             "it alone, and learns of a new key set only at its own refresh",
                             src->location);
            }
            apr_thread_mutex_create(&src->busy, APR_THREAD_MUTEX_DEFAULT, registry_pool);
            apr_hash_set(registry, src->ident, APR_HASH_KEY_STRING, src);
        }
        apr_thread_rwlock_unlock(registry_lock);
    }
    __atomic_store_n(&recent[__atomic_fetch_add(&recent_next, 1, __ATOMIC_RELAXED) % RECENT], src,
                     __ATOMIC_RELEASE);
    return src;
}

static apr_uint32_t slot_gen(const source *src)
{
    return src->slot ? apr_atomic_read32(&src->slot->generation) : 0;
}

/* Set the times of the fast path (under busy; readers hold the registry lock). */
static void set_marks(source *src, apr_time_t synced_at, apr_time_t recheck_at)
{
    apr_thread_rwlock_wrlock(registry_lock);
    if (synced_at) {
        src->synced_at = synced_at;
    }
    if (recheck_at) {
        src->recheck_at = recheck_at;
    }
    apr_thread_rwlock_unlock(registry_lock);
}

/* Whether another process fetched a set the shared cache could not hold. Under busy. */
static int behind(const source *src)
{
    return src->slot && apr_atomic_read32(&src->slot->unshared) != src->unshared;
}

/*
 * The current set with a reference taken, if it may serve at now: fresh
 * (or allowed to be stale until recheck_at) and of the shared generation.
 */
static keyset *fast_get(source *src, apr_time_t now, const timing *t)
{
    keyset *ks = NULL;

    apr_thread_rwlock_rdlock(registry_lock);
    if (src->current && src->gen == slot_gen(src) &&
        (now < src->fetched_at + t->ttl || now < src->recheck_at) &&
        now <= src->fetched_at + t->ttl + t->max_stale &&
        (!fleet || now < src->synced_at + FLEET_SYNC)) {
        ks = src->current;
        apr_atomic_inc32(&ks->refs);
    }
    apr_thread_rwlock_unlock(registry_lock);
    return ks;
}

/* Whether the current set may still serve at now (not older than ttl + max_stale). */
static int usable_get_peek(const source *src, apr_time_t now, const timing *t)
{
    return src->current && now <= src->fetched_at + t->ttl + t->max_stale;
}

/*
 * The current set with a reference taken, if not older than ttl + max_stale
 * and, with same_gen, only while it is of the shared generation (a key may
 * have been withdrawn since).
 */
static keyset *usable_get(source *src, apr_time_t now, const timing *t, int same_gen)
{
    keyset *ks = NULL;

    apr_thread_rwlock_rdlock(registry_lock);
    if (src->current && (!same_gen || src->gen == slot_gen(src)) &&
        now <= src->fetched_at + t->ttl + t->max_stale) {
        ks = src->current;
        apr_atomic_inc32(&ks->refs);
    }
    apr_thread_rwlock_unlock(registry_lock);
    return ks;
}

/* ---- URL sources ------------------------------------------------------------- */

/* The shared record (a copy in p), or this process's own when there is no socache. */
static auth0_jwt_rec *record(server_rec *s, source *src, apr_pool_t *p)
{
    auth0_jwt_rec *rec = have_shared ? auth0_jwt_shared_get(s, src->ident, p) : NULL;
    if (rec == NULL) {
        rec = apr_pmemdup(p, &src->local, sizeof(src->local));
        rec->body_len = 0;
    }
    return rec;
}

/* Adopt the shared record's key set if it is not the one we hold. Under busy. */
static auth0_jwt_rec *sync_shared(server_rec *s, source *src, apr_pool_t *p)
{
    apr_uint32_t gen = slot_gen(src); /* read before the record: never newer than it */
    auth0_jwt_rec *rec = record(s, src, p);
    const char *why = NULL;
    keyset *ks;

    set_marks(src, apr_time_now(), 0);
    if (rec->last_forced > src->forced_seen) {
        src->forced_seen = rec->last_forced;
    }
    if (rec->body_len && rec->fetched_at > src->fetched_at) { /* newer only */
        ks = keyset_make(s, src->location, (const char *)(rec + 1), rec->body_len, APLOG_DEBUG,
                         &why);
        if (ks) {
            install(src, ks, rec->fetched_at, gen);
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                         "using %d key(s) of %s fetched at %" APR_TIME_T_FMT " (shared)",
                         ks->jwks->keys->nelts, src->location, apr_time_sec(rec->fetched_at));
        }
    } else if (!behind(src)) {
        /* nothing newer to adopt: our set is the generation's (unless another
         * process holds a set the cache could not take: then we stay unsynced,
         * off the fast path, until our own refresh brings it) */
        apr_thread_rwlock_wrlock(registry_lock);
        src->gen = gen;
        apr_thread_rwlock_unlock(registry_lock);
    }
    return rec;
}

static int lease_take(source *src, apr_time_t now, const timing *t)
{
    apr_uint64_t held;

    if (src->slot == NULL) {
        return 1; /* busy already makes this thread the only one */
    }
    held = apr_atomic_read64(&src->slot->lease);
    if (held > (apr_uint64_t)now) {
        return 0;
    }
    return apr_atomic_cas64(&src->slot->lease,
                            (apr_uint64_t)(now + t->timeout + apr_time_from_sec(2)), held) == held;
}

static void lease_release(source *src)
{
    if (src->slot) {
        apr_atomic_set64(&src->slot->lease, 0);
    }
}

/*
 * One refresh: the fetch runs outside every lock; then, under busy, the outcome
 * goes on record (socache, disk, shared generation) and the new set is
 * installed. The job owns a copy of the record and of the last good body.
 */
struct refresh_job {
    apr_pool_t *pool; /* unmanaged: the job's memory */
    server_rec *s;
    source *src;
    timing t;
    aj_fetch_opts_t opts;
    auth0_jwt_rec *rec; /* a copy, last good body following it */
    int forced;
    int leased;       /* this job holds the source's lease: it lets go when done */
    apr_uint32_t due; /* slot->unshared when the job was made: what its fetch covers */
};

/*
 * Refreshes that nobody waits for run on a thread of their source's own, made
 * on first need: one key host that stalls holds only its own refresh, never
 * another source's. Sources are bounded (the server configuration's, plus
 * Auth0HtaccessKeySources), and so are the threads.
 */
static apr_thread_mutex_t *jobs_lock;
static apr_thread_cond_t *jobs_cond;
static int jobs_stopping;
static int jobs_ready; /* the lock and cond exist (child_init ran) */

/* Under busy. */
static refresh_job *job_make(server_rec *s, source *src, const timing *t, const auth0_jwt_rec *rec,
                             int forced, int leased)
{
    apr_pool_t *p;
    refresh_job *j;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    j = apr_pcalloc(p, sizeof(*j));
    j->pool = p;
    j->s = s;
    j->src = src;
    j->t = *t;
    /* the source's own settings: they are part of its identity */
    j->opts.url = src->location;
    j->opts.ca_file = src->ca_file;
    j->opts.proxy = src->proxy;
    j->opts.timeout = src->timeout;
    j->rec = apr_pmemdup(p, rec, sizeof(*rec) + rec->body_len);
    j->forced = forced;
    j->leased = leased;
    j->due = src->slot ? apr_atomic_read32(&src->slot->unshared) : 0;
    return j;
}

/*
 * What a key set says for key choice, as 64 bits: the sum over its keys of a
 * hash of each key's kid, thumbprint, alg and fitness. The order of the keys
 * and the document's spelling do not count; a key added, withdrawn or changed
 * does. Not a secret and not a defence against the key host: only a way to
 * tell that two fetches of one URL brought different sets.
 */
static apr_uint64_t keyset_digest(const aj_jwks_t *jwks)
{
    static const unsigned char zero[16];
    apr_uint64_t sum = 0;

    for (int i = 0; i < jwks->keys->nelts; i++) {
        const aj_key_t *k = APR_ARRAY_IDX(jwks->keys, i, const aj_key_t *);
        /* each part after its length (~0 for none): no two keys run together */
        apr_uint32_t kid_len = k->kid ? (apr_uint32_t)strlen(k->kid) : ~(apr_uint32_t)0;
        apr_uint32_t alg_len = k->alg ? (apr_uint32_t)strlen(k->alg) : ~(apr_uint32_t)0;
        apr_uint32_t unusable = (apr_uint32_t)k->unusable;
        unsigned char out[16];
        apr_uint64_t part;
        aj_siphash_t h;

        aj_siphash_init(&h, zero);
        aj_siphash_update(&h, &kid_len, sizeof(kid_len));
        if (k->kid) {
            aj_siphash_update(&h, k->kid, kid_len);
        }
        aj_siphash_update(&h, &alg_len, sizeof(alg_len));
        if (k->alg) {
            aj_siphash_update(&h, k->alg, alg_len);
        }
        aj_siphash_update(&h, &unusable, sizeof(unusable));
        aj_siphash_update(&h, k->thumbprint, sizeof(k->thumbprint));
        aj_siphash_final(&h, out);
        memcpy(&part, out, sizeof(part));
        sum += part;
    }
    return sum;
}

/*
 * Under busy: announce a set the shared cache could not take (the others fetch
 * their own), and say what the job is caught up with. The announcement is one
 * word, slot->unshared: a refresh that was not behind moves it to the next
 * even value. A catch-up answers when it found another set than the one a
 * refresh announced (the host rotated since), and nothing was announced while
 * it ran: it moves the even value to the odd one after it, by compare-and-swap,
 * so each refresh's announcement is answered at most once, however the
 * processes race. So the process that announced first does not keep a key the
 * host has withdrawn until its TTL, and a host that serves two sets at once (a
 * CDN mid-change) costs each announcement at most one more round of fetches,
 * never an endless exchange. The digests beside it only steer: a catch-up whose
 * set is the one an answer announced while it ran counts as caught up with it;
 * a digest read a moment early or late costs at most one more fetch.
 */
static apr_uint32_t announce(source *src, const refresh_job *j, const keyset *ks, int was_behind)
{
    auth0_jwt_slot *slot = src->slot;
    apr_uint64_t digest = keyset_digest(ks->jwks);
    apr_uint32_t due = j->due, now_at;

    if (!was_behind) {
        apr_uint32_t old, next;
        apr_atomic_set64(&slot->digest[0], digest);
        do {
            old = apr_atomic_read32(&slot->unshared);
            next = (old | 1) + 1;
        } while (apr_atomic_cas32(&slot->unshared, next, old) != old);
        /* (caught up with its own only when nothing came between) */
        return old == due ? next : due;
    }
    if (!(due & 1) && digest != apr_atomic_read64(&slot->digest[0]) &&
        apr_atomic_cas32(&slot->unshared, due + 1, due) == due) {
        apr_atomic_set64(&slot->digest[1], digest);
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, j->s,
                     "the key set of %s changed since another process fetched it: "
                     "the other processes fetch it again",
                     src->location);
        return due + 1;
    }
    now_at = apr_atomic_read32(&slot->unshared);
    if (!(due & 1) && now_at == due + 1 && digest == apr_atomic_read64(&slot->digest[1])) {
        return due + 1; /* an answer came while it ran, and this is its set */
    }
    return due;
}

static void refresh_run(refresh_job *j)
{
    server_rec *s = j->s;
    source *src = j->src;
    auth0_jwt_rec *rec = j->rec;
    aj_fetch_result_t res;
    const char *why = NULL;
    keyset *ks = NULL;
    apr_uint32_t gen;
    apr_time_t now;
    int stored;

    aj_fetch(&res, j->pool, &j->opts);
    if (res.err == AJ_FETCH_OK) {
        ks = keyset_make(s, src->location, res.body, res.body_len, APLOG_WARNING, &why);
    } else {
        why = apr_psprintf(j->pool, "%s: %s", aj_fetch_err_name(res.err), res.detail);
    }
    now = apr_time_now(); /* the cooldown counts from the end of the attempt */
    apr_thread_mutex_lock(src->busy);
    rec->last_attempt = now;
    if (j->forced) {
        rec->last_forced = now;
        src->forced_at = now;
        if (src->slot) {
            /* also where every process sees it when the record cannot be stored */
            apr_atomic_set64(&src->slot->forced, (apr_uint64_t)now);
        }
    }
    if (ks) {
        int was_behind = behind(src);
        rec->fetched_at = now;
        rec->failures = 0;
        rec->err = 0;
        rec->detail[0] = '\0';
        rec->body_len = (apr_uint32_t)res.body_len;
        stored = auth0_jwt_shared_put(s, src->ident, src->location, rec, res.body,
                                      now + j->t.ttl + j->t.max_stale, j->pool) == APR_SUCCESS;
        if (!stored && have_shared) {
            /* The set does not fit; the success goes on record without it, so
             * that a failure still there (a cache that keeps the old entry)
             * does not excuse stale keys in the processes behind this one. */
            rec->body_len = 0;
            auth0_jwt_shared_put(s, src->ident, src->location, rec, NULL,
                                 now + j->t.ttl + j->t.max_stale, j->pool);
            rec->body_len = (apr_uint32_t)res.body_len;
        }
        auth0_jwt_persist_save(s, src->ident, src->location, res.body, res.body_len, j->pool);
        auth0_jwt_shared_count_fetch(src->ident, 1);
        if (src->slot) {
            /* caught up with what was announced when the fetch began, no more:
             * a set announced while it ran may be newer than what it got; the
             * others cannot adopt a set the cache did not take: tell them to
             * fetch their own */
            src->unshared = !stored && have_shared ? announce(src, j, ks, was_behind) : j->due;
        }
        gen = src->slot ? apr_atomic_inc32(&src->slot->generation) + 1 : 0;
        /* Still behind (a newer set was announced while the fetch ran): the set
         * goes in under an older generation, so that no request takes it on the
         * fast path (generations only grow); each waits for the next catch-up. */
        install(src, ks, now, behind(src) ? gen - 1 : gen);
        set_marks(src, now, 0);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "fetched %d key(s) from %s%s",
                     ks->jwks->keys->nelts, src->location, j->forced ? " (unknown kid)" : "");
    } else {
        /* The failure goes on top of the record as it is now, not as it was when
         * the job began: a newer set stored meanwhile (by another server of the
         * fleet) stays, and a key it removed does not come back. */
        auth0_jwt_rec *cur = have_shared ? auth0_jwt_shared_get(s, src->ident, j->pool) : NULL;
        if (cur && cur->fetched_at >= rec->fetched_at) {
            cur->last_attempt = rec->last_attempt;
            cur->last_forced =
                rec->last_forced > cur->last_forced ? rec->last_forced : cur->last_forced;
            cur->failures = cur->fetched_at > rec->fetched_at ? 0 : rec->failures;
            rec = cur;
        }
        rec->failures++;
        rec->err = res.err ? (apr_uint32_t)res.err : (apr_uint32_t)AJ_FETCH_ERR_HTTP;
        apr_cpystrn(rec->detail, why, sizeof(rec->detail));
        /* keep the last good body in the record: new processes still get keys */
        auth0_jwt_shared_put(s, src->ident, src->location, rec,
                             rec->body_len ? (const char *)(rec + 1) : NULL,
                             now + j->t.ttl + j->t.max_stale, j->pool);
        auth0_jwt_shared_count_fetch(src->ident, 0);
        /* Once per failure streak; the rest at debug. */
        ap_log_error(APLOG_MARK,
                     rec->failures == 1 ? (src->current ? APLOG_WARNING : APLOG_ERR) : APLOG_DEBUG,
                     0, s, "cannot refresh the keys of %s: %s; %s", src->location, why,
                     src->current ? "serving the last good keys" : "no keys to serve");
    }
    if (!have_shared) {
        src->local = *rec;
        src->local.body_len = 0;
    }
    src->refreshing = 0;
    apr_thread_mutex_unlock(src->busy);
    if (j->leased) {
        lease_release(src); /* (a catch-up fetch never took it: another process may hold it) */
    }
    apr_pool_destroy(j->pool);
}

static void *APR_THREAD_FUNC refresher_main(apr_thread_t *thd, void *data)
{
    source *src = data;
    refresh_job *j;

    for (;;) {
        apr_thread_mutex_lock(jobs_lock);
        while (src->pending == NULL && !jobs_stopping) {
            apr_thread_cond_wait(jobs_cond, jobs_lock);
        }
        if (jobs_stopping) {
            apr_thread_mutex_unlock(jobs_lock);
            break;
        }
        j = src->pending;
        src->pending = NULL;
        apr_thread_mutex_unlock(jobs_lock);
        refresh_run(j);
    }
    return NULL;
}

/* Stop every source's thread (each ends within one fetch's timeout), drop jobs
 * that never ran. */
static apr_status_t refresher_stop(void *data)
{
    apr_hash_index_t *hi;
    apr_status_t rv;

    if (!jobs_ready) {
        return APR_SUCCESS;
    }
    apr_thread_mutex_lock(jobs_lock);
    jobs_stopping = 1;
    apr_thread_cond_broadcast(jobs_cond);
    apr_thread_mutex_unlock(jobs_lock);
    for (hi = apr_hash_first(NULL, registry); hi; hi = apr_hash_next(hi)) {
        source *src = apr_hash_this_val(hi);
        if (src->thread) {
            apr_thread_join(&rv, src->thread);
            src->thread = NULL;
        }
        if (src->pending) {
            apr_pool_destroy(src->pending->pool);
            src->pending = NULL;
        }
    }
    jobs_ready = 0;
    return APR_SUCCESS;
}

/* Set up the refreshers of this process (child_init); threads come on first need. */
static void refresher_start(apr_pool_t *pchild, server_rec *s)
{
    jobs_stopping = 0;
    apr_thread_mutex_create(&jobs_lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    apr_thread_cond_create(&jobs_cond, pchild);
    jobs_ready = 1;
    /* registered last, so it runs first: the threads stop before the registry goes */
    apr_pool_cleanup_register(pchild, NULL, refresher_stop, apr_pool_cleanup_null);
}

/* Hand j to its source's thread; 0 when there is none to be had (the caller runs it). */
static int refresher_queue(refresh_job *j)
{
    source *src = j->src;
    int queued = 0;

    if (!jobs_ready) {
        return 0;
    }
    apr_thread_mutex_lock(jobs_lock);
    if (src->thread == NULL && !jobs_stopping &&
        apr_thread_create(&src->thread, NULL, refresher_main, src, registry_pool) != APR_SUCCESS) {
        src->thread = NULL;
    }
    if (src->thread && !jobs_stopping && src->pending == NULL) {
        src->pending = j;
        queued = 1;
        apr_thread_cond_broadcast(jobs_cond);
    }
    apr_thread_mutex_unlock(jobs_lock);
    return queued;
}

/* Under busy: let a refresh in this process finish (busy released meanwhile).
 * Past MAX_WAITERS a request holding keys answers at once with them, unless
 * it must not (the process is behind a newer set: its keys may be withdrawn). */
static void wait_local(source *src, const timing *t, int must)
{
    apr_time_t deadline = apr_time_now() + t->timeout + apr_time_from_sec(1);

    if (!must && src->current && src->waiters >= MAX_WAITERS) {
        return;
    }
    src->waiters++;
    while (src->refreshing && apr_time_now() < deadline) {
        apr_thread_mutex_unlock(src->busy);
        apr_sleep(WAIT_STEP);
        apr_thread_mutex_lock(src->busy);
    }
    src->waiters--;
}

/*
 * Without keys and without the lease: wait for the other process's outcome,
 * at most the timeout. Under busy, which is let go while sleeping, so that the
 * other threads of this process neither queue behind this wait nor add to it.
 * Returns the shared record as it stood after the outcome; NULL when the wait
 * ran out, or another thread of this process brought keys meanwhile.
 */
static auth0_jwt_rec *wait_for_refresh(request_rec *r, source *src, const timing *t)
{
    apr_time_t deadline = apr_time_now() + t->timeout;
    apr_uint32_t gen = slot_gen(src);
    auth0_jwt_rec *rec = NULL;

    src->waiters++;
    while (apr_time_now() < deadline && (src->current == NULL || behind(src))) {
        apr_thread_mutex_unlock(src->busy);
        apr_sleep(WAIT_STEP);
        apr_thread_mutex_lock(src->busy);
        if (slot_gen(src) != gen || apr_atomic_read64(&src->slot->lease) == 0) {
            rec = sync_shared(r->server, src, r->pool);
            break;
        }
    }
    src->waiters--;
    return rec;
}

/*
 * Whether at (a time this or another process or server wrote) lies within span
 * before now, or at most a second ahead (and within span). A little ahead is
 * the common case, not a clock fault: another thread or process wrote it
 * after this one read its clock, and it must hold back as a time just past
 * does (else two refreshes run within one cooldown). A time further ahead (a
 * fleet member's clock running ahead, this clock stepped back) holds nothing
 * back: it cannot keep a cooldown running beyond its span.
 */
static int within(apr_time_t at, apr_time_t now, apr_interval_time_t span)
{
    apr_interval_time_t ahead = span < apr_time_from_sec(1) ? span : apr_time_from_sec(1);

    return at && at - now < ahead && now - at < span;
}

/* Whether the shared record says to hold back: a failure or a forced refresh within the cooldown.
 */
static int cooling_down(const auth0_jwt_rec *rec, int forced, apr_time_t now, const timing *t)
{
    if (forced) {
        return within(rec->last_forced, now, t->cooldown);
    }
    return rec->failures && within(rec->last_attempt, now, t->cooldown);
}

/*
 * Under busy. Still no keys after the process with the lease was done, or
 * behind a set another process holds, and no failure on record within the
 * cooldown: that set did not fit the shared cache (or was evicted), so there
 * is nothing to adopt. This process fetches its own at once, as the log line
 * of that store promised, without the lease: the lease serializes refreshes
 * that others can adopt, and processes that must each fetch would otherwise
 * take turns and run out of their timeout. Each fetches at most once per set
 * announced (src->refreshing, src->unshared). Or it waits for the thread of
 * this process that already fetches.
 */
static void fetch_unshared(server_rec *s, source *src, const timing *t, const auth0_jwt_rec *rec)
{
    refresh_job *job;

    if ((src->current != NULL && !behind(src)) || cooling_down(rec, 0, apr_time_now(), t)) {
        return;
    }
    if (src->refreshing) {
        wait_local(src, t, 1);
        return;
    }
    job = job_make(s, src, t, rec, 0, 0);
    src->refreshing = 1;
    apr_thread_mutex_unlock(src->busy);
    refresh_run(job);
    apr_thread_mutex_lock(src->busy);
}

/*
 * Under busy: no keys, or keys a newer set held by another process may have
 * withdrawn from. Without keys (and not behind), wait first for the process
 * with the lease (at most the timeout): its set may reach the shared cache.
 * Then fetch our own if still needed. Returns the last record seen.
 */
static auth0_jwt_rec *catch_up(request_rec *r, source *src, const timing *t, auth0_jwt_rec *rec)
{
    if (!behind(src)) {
        auth0_jwt_rec *after = wait_for_refresh(r, src, t);
        if (after == NULL) {
            return rec; /* the wait ran out (or keys came meanwhile) */
        }
        rec = after;
    }
    fetch_unshared(r->server, src, t, rec);
    return rec;
}

/*
 * Under busy, holding keys while another process holds a newer set the shared
 * cache could not take: catch up first. Whether the keys here may serve: yes
 * once caught up, or when a failure on record within the cooldown excuses them
 * (the host fails: stale keys serve, as for any failed refresh); no when this
 * process could not get the newer set in time, for it may withdraw a key. A
 * request starts a catch-up here only within Auth0JWKSTimeout of its own start
 * (began), a second look for an unknown kid included, so that its waits here
 * do not add up without bound; within twice that when the set it is behind is
 * a catch-up's answer (announce): a catch-up that was running when the answer
 * came may have to run again, and the host is slow.
 */
static int may_serve_behind(request_rec *r, source *src, const timing *t, auth0_jwt_rec **rec,
                            apr_time_t began)
{
    apr_interval_time_t budget = t->timeout;

    for (;;) {
        *rec = record(r->server, src, r->pool);
        if (!behind(src) || cooling_down(*rec, 0, apr_time_now(), t)) {
            return 1;
        }
        if (apr_time_now() - began >= budget) {
            /* Behind a catch-up's answer (odd), a catch-up that ran while it
             * came may have to run again: one more timeout for that, once. */
            if (budget > t->timeout || !(apr_atomic_read32(&src->slot->unshared) & 1)) {
                return 0; /* this request already spent its budget waiting or fetching */
            }
            budget += t->timeout;
        }
        /* each turn fetches or waits for this process's fetch: no spinning */
        *rec = catch_up(r, src, t, *rec);
    }
}

static const aj_jwks_t *url_keys(request_rec *r, source *src, const auth0_jwt_dir_conf *c,
                                 const timing *t, int forced, const char **why)
{
    apr_time_t now = apr_time_now(), seen;
    auth0_jwt_rec *rec;
    refresh_job *job;
    keyset *ks;
    int stale, was_behind;

    if (!forced && (ks = fast_get(src, now, t)) != NULL) {
        return hold(r, ks);
    }
    if (apr_thread_mutex_trylock(src->busy) != APR_SUCCESS) {
        /* Another thread is on it: keep serving what we have, unless the
         * shared generation moved on (a key may have been withdrawn) or a new
         * kid is wanted. */
        if (!forced && (ks = usable_get(src, now, t, 1)) != NULL) {
            return hold(r, ks);
        }
        apr_thread_mutex_lock(src->busy);
        now = apr_time_now(); /* the wait may have been long: what was done meanwhile counts */
    }
    if (forced && src->current &&
        (within(src->forced_at, now, t->cooldown) || within(src->forced_seen, now, t->cooldown) ||
         (src->slot &&
          within((apr_time_t)apr_atomic_read64(&src->slot->forced), now, t->cooldown)))) {
        /* a refresh was forced within the cooldown (here, or by another process
         * of this server as the slot says, or of the fleet as the record said
         * last time): no new one, and no look at the record for it either; the
         * keys we hold answer */
        if ((ks = usable_get(src, now, t, 1)) != NULL) {
            apr_thread_mutex_unlock(src->busy);
            return hold(r, ks);
        }
        forced = 0;
    }
    seen = src->fetched_at;
    rec = sync_shared(r->server, src, r->pool);
    was_behind = behind(src);
    /* stale: too old, or another process holds a newer set the cache could not take */
    stale = src->current == NULL || now >= src->fetched_at + t->ttl || was_behind;
    if (forced && src->fetched_at != seen) {
        forced = 0; /* a newer set arrived meanwhile: the caller looks again */
    } else if ((forced || stale) && src->refreshing) {
        /* no usable (or trusted) key for this request: it must wait for the refresh */
        int must = was_behind || usable_get_peek(src, now, t) == 0;
        if (forced || must) {
            wait_local(src, t, must);
        }
    } else if ((forced || stale) && !cooling_down(rec, forced, now, t)) {
        /* The lease is for refreshes the other processes can adopt (or learn of):
         * a process behind fetches for itself alone (catch_up), without it, and
         * never holds up another's forced or timely refresh. */
        int leased = !was_behind && lease_take(src, now, t);
        if (leased && src->slot && slot_gen(src) != src->gen) {
            /* another process finished a refresh between our look and the lease:
             * adopt its set instead of fetching again; if that set did not fit
             * the shared cache, fetch our own (below, as one behind) */
            rec = sync_shared(r->server, src, r->pool);
            was_behind = behind(src);
            if (src->current != NULL || was_behind) {
                lease_release(src);
                leased = 0;
            }
        }
        if (leased) {
            job = job_make(r->server, src, t, rec, forced, 1);
            src->refreshing = 1;
            if (forced || !usable_get_peek(src, now, t) || !refresher_queue(job)) {
                /* this request needs the outcome: run it here, busy released */
                apr_thread_mutex_unlock(src->busy);
                refresh_run(job);
                apr_thread_mutex_lock(src->busy);
            }
        } else if (src->slot && (src->current == NULL || was_behind)) {
            rec = catch_up(r, src, t, rec);
        }
    }
    if (src->current && apr_time_now() >= src->fetched_at + t->ttl) {
        set_marks(src, 0, apr_time_now() + t->cooldown); /* serve stale, look again later */
    }
    /* the budget counts from the request's start: a second look for an
     * unknown kid does not get a fresh one */
    if (src->current && behind(src) &&
        !may_serve_behind(r, src, t, &rec, r->request_time ? r->request_time : now)) {
        *why = "another process holds a newer key set, not fetched here yet";
        apr_thread_mutex_unlock(src->busy);
        return NULL;
    }
    ks = usable_get(src, apr_time_now(), t, 0);
    if (ks == NULL) {
        *why = rec->failures ? apr_pstrdup(r->pool, rec->detail)
                             : (src->current ? "the keys are older than Auth0JWKSMaxStale"
                                             : "the keys could not be fetched yet");
    }
    apr_thread_mutex_unlock(src->busy);
    return ks ? hold(r, ks) : NULL;
}

/* ---- file sources ------------------------------------------------------------ */

/* (Re)load the file when it changed since the last look; failures keep the old keys. */
static void file_load(server_rec *s, source *src)
{
    apr_pool_t *p;
    apr_finfo_t fi;
    apr_size_t len = 0;
    char *buf;
    const char *why = NULL;
    keyset *ks = NULL;

    apr_pool_create(&p, registry_pool);
    if (apr_stat(&fi, src->location, APR_FINFO_MTIME | APR_FINFO_SIZE, p) != APR_SUCCESS) {
        why = "cannot stat the key file";
    } else if (src->current && fi.mtime == src->mtime && fi.size == src->size) {
        apr_pool_destroy(p);
        return; /* unchanged */
    } else if (fi.size > AJ_FETCH_MAX_BODY) {
        why = "key file larger than 1 MiB";
    } else {
        apr_status_t rv =
            auth0_jwt_read_file(&buf, &len, NULL, p, src->location, AJ_FETCH_MAX_BODY, 0);
        if (rv != APR_SUCCESS) {
            why = rv == APR_EINVAL ? "the key file is not a regular file"
                                   : "cannot read the key file";
        } else {
            /* every process reads the file: the configuration warned once */
            ks = keyset_make(s, src->location, buf, len, APLOG_DEBUG, &why);
        }
    }
    apr_pool_destroy(p);
    if (ks) {
        src->mtime = fi.mtime;
        src->size = fi.size;
        src->last_error = NULL;
        install(src, ks, apr_time_now(), 0);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "loaded %d key(s) from %s",
                     ks->jwks->keys->nelts, src->location);
        return;
    }
    if (src->last_error == NULL || strcmp(src->last_error, why) != 0) {
        ap_log_error(APLOG_MARK, src->current ? APLOG_WARNING : APLOG_ERR, 0, s,
                     "key file %s: %s%s", src->location, why,
                     src->current ? "; keeping the keys loaded before" : "");
    }
    src->last_error = why;
}

static const aj_jwks_t *file_keys(request_rec *r, source *src, const timing *t, int forced,
                                  const char **why)
{
    apr_time_t now = apr_time_now();
    keyset *ks = forced ? NULL : fast_get(src, now, t);

    if (ks == NULL) {
        apr_thread_mutex_lock(src->busy);
        if (src->current == NULL || now >= src->fetched_at + (forced ? t->cooldown : t->ttl)) {
            file_load(r->server, src);
            if (src->current) {
                src->fetched_at = now; /* looked at now: fresh for another ttl */
            }
        }
        ks = usable_get(src, now, t, 0);
        apr_thread_mutex_unlock(src->busy);
    }
    if (ks == NULL) {
        *why = src->last_error ? src->last_error : "the key file could not be read";
        return NULL;
    }
    return hold(r, ks);
}

void auth0_jwt_keys_child_init(apr_pool_t *pchild, server_rec *s)
{
    auth0_jwt_keys_init(pchild, s);
    refresher_start(pchild, s);
}

/* ---- the request's keys ------------------------------------------------------- */

static void timing_of(timing *t, const auth0_jwt_dir_conf *c)
{
    t->ttl = apr_time_from_sec(auth0_jwt_cache_ttl(c));
    t->cooldown = apr_time_from_sec(auth0_jwt_refresh_cooldown(c));
    t->max_stale = apr_time_from_sec(auth0_jwt_max_stale(c));
    t->timeout = apr_time_from_sec(auth0_jwt_timeout(c));
}

const aj_jwks_t *auth0_jwt_keys(request_rec *r, const auth0_jwt_dir_conf *c, int refresh,
                                const char **why, const unsigned char **tag)
{
    const char *url;
    source *src;
    timing t;
    int secs[4];

    *why = NULL;
    ident_secs(secs, c);
    t.timeout = apr_time_from_sec(secs[0]);
    t.ttl = apr_time_from_sec(secs[1]);
    t.cooldown = apr_time_from_sec(secs[2]);
    t.max_stale = apr_time_from_sec(secs[3]);
    url = c->jwks_file ? c->jwks_file : auth0_jwt_jwks_uri(c);
    if (url == NULL) {
        *why = "no key source: set Auth0Domain, Auth0JWKSURI or Auth0JWKSFile";
        return NULL;
    }
    if ((src = source_get(r, c, url, c->jwks_file != NULL, secs)) == NULL) {
        *why = auth0_jwt_too_many_sources;
        return NULL;
    }
    if (tag) {
        *tag = src->tag;
    }
    return c->jwks_file ? file_keys(r, src, &t, refresh, why)
                        : url_keys(r, src, c, &t, refresh, why);
}

/* ---- start-up ---------------------------------------------------------------- */

/* The effective settings of one configuration section (server defaults under it). */
static void collect(apr_hash_t *idents, apr_pool_t *p, ap_conf_vector_t *defaults,
                    ap_conf_vector_t **sections, int n, apr_pool_t *pconf)
{
    const auth0_jwt_dir_conf *base = ap_get_module_config(defaults, &auth0_jwt_module);

    for (int i = -1; i < n; i++) {
        const auth0_jwt_dir_conf *c = base;
        const char *url, *ident;
        if (i >= 0) {
            const auth0_jwt_dir_conf *sec = ap_get_module_config(sections[i], &auth0_jwt_module);
            c = sec ? auth0_jwt_merge_dir_conf(p, (void *)base, (void *)sec) : base;
        }
        if (c == NULL || c->auth_type_auth0 != 1) {
            continue; /* only scopes with AuthType Auth0 need keys at start-up */
        }
        if (!(auth0_jwt_algs(c) & ~AJ_ALGS_HMAC)) {
            continue; /* HS* only: the shared secret is the key, nothing to fetch */
        }
        url = c == NULL ? NULL : c->jwks_file ? c->jwks_file : auth0_jwt_jwks_uri(c);
        ident = url ? auth0_jwt_source_ident(pconf, c, url, c->jwks_file != NULL) : NULL;
        if (ident && apr_hash_get(idents, ident, APR_HASH_KEY_STRING) == NULL) {
            auth0_jwt_source_info *info = apr_array_push(configured);
            info->location = apr_pstrdup(pconf, url);
            info->ident = ident;
            info->ca_file = c->ca_file ? apr_pstrdup(pconf, c->ca_file) : NULL;
            info->proxy = c->proxy ? apr_pstrdup(pconf, c->proxy) : NULL;
            info->is_file = c->jwks_file != NULL;
            info->ttl = apr_time_from_sec(auth0_jwt_cache_ttl(c));
            info->max_stale = apr_time_from_sec(auth0_jwt_max_stale(c));
            apr_hash_set(idents, ident, APR_HASH_KEY_STRING, c);
        }
    }
}

/*
 * Whether url points at this very server (a loopback host on a port it listens
 * on): such a key host cannot answer before the server runs, so the start-up
 * fetch would only wait out its timeout. The demo serves its JWKS this way.
 */
static int served_here(apr_pool_t *p, const char *url)
{
    const char *host;
    apr_port_t port;
    int is_ip;

    if (aj_fetch_url_host(p, url, &host, &port, &is_ip) != 0 ||
        (strcasecmp(host, "localhost") != 0 && strncmp(host, "127.", 4) != 0 &&
         strcmp(host, "::1") != 0)) {
        return 0;
    }
    for (ap_listen_rec *l = ap_listeners; l; l = l->next) {
        if (l->bind_addr && l->bind_addr->port == port) {
            return 1;
        }
    }
    return 0;
}

void auth0_jwt_keys_startup(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *idents = apr_hash_make(ptemp);

    configured = apr_array_make(pconf, 4, sizeof(auth0_jwt_source_info));
    for (server_rec *vs = s; vs; vs = vs->next) {
        core_server_config *core = ap_get_core_module_config(vs->module_config);
        collect(idents, ptemp, vs->lookup_defaults, (ap_conf_vector_t **)core->sec_url->elts,
                core->sec_url->nelts, pconf);
        collect(idents, ptemp, vs->lookup_defaults, (ap_conf_vector_t **)core->sec_dir->elts,
                core->sec_dir->nelts, pconf);
    }
    for (int i = 0; i < configured->nelts; i++) {
        const auth0_jwt_source_info *info = &APR_ARRAY_IDX(configured, i, auth0_jwt_source_info);
        const char *url = info->location, *ident = info->ident, *why = NULL, *saved;
        const auth0_jwt_dir_conf *c = apr_hash_get(idents, ident, APR_HASH_KEY_STRING);
        auth0_jwt_rec rec, *shared;
        aj_fetch_result_t res;
        aj_fetch_opts_t opts;
        apr_size_t len = 0;
        apr_time_t mtime = 0;
        timing t;
        aj_jwks_t *jwks;

        if (c->jwks_file) {
            continue; /* files are read by each process on first use */
        }
        /* the configuration's sources take their shared slots now, before a
         * request can make sources (an .htaccess author's) that fill them */
        auth0_jwt_shared_slot(ident);
        timing_of(&t, c);
        memset(&rec, 0, sizeof(rec));
        shared = auth0_jwt_shared_get(s, ident, ptemp);
        if (shared) {
            rec = *shared; /* a fleet peer, or this server before a graceful restart */
        }
        if (shared && shared->body_len && apr_time_now() < shared->fetched_at + t.ttl) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                         "keys of %s are fresh in the shared cache: no fetch at start-up", url);
            continue;
        }
        saved = auth0_jwt_persist_load(ident, &len, &mtime, ptemp);
        if (saved && aj_jwks_parse(ptemp, saved, len, &why) &&
            (shared == NULL || shared->body_len == 0 || shared->fetched_at < mtime)) {
            rec.fetched_at = mtime; /* stale unless recent: refreshed on first use */
            rec.body_len = (apr_uint32_t)len;
            auth0_jwt_shared_put(s, ident, url, &rec, saved, mtime + t.ttl + t.max_stale, ptemp);
        } else if (shared && shared->body_len) {
            saved = (char *)(shared + 1); /* the shared copy is the better last good set */
            len = shared->body_len;
        } else {
            saved = NULL;
        }
        if (served_here(ptemp, url)) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                         "%s is served by this server: its keys are fetched on first use", url);
            continue;
        }
        opts.url = url;
        opts.ca_file = c->ca_file;
        opts.proxy = c->proxy;
        opts.timeout = t.timeout;
        opts.max_body = 0;
        aj_fetch(&res, ptemp, &opts);
        jwks = res.err == AJ_FETCH_OK ? aj_jwks_parse(ptemp, res.body, res.body_len, &why) : NULL;
        if (jwks) {
            log_skipped(s, url, jwks, APLOG_WARNING);
        }
        if (jwks && jwks->keys->nelts > 0) {
            rec.fetched_at = rec.last_attempt = apr_time_now();
            rec.failures = rec.err = 0;
            rec.detail[0] = '\0';
            rec.body_len = (apr_uint32_t)res.body_len;
            auth0_jwt_shared_put(s, ident, url, &rec, res.body,
                                 rec.fetched_at + t.ttl + t.max_stale, ptemp);
            auth0_jwt_persist_save(s, ident, url, res.body, res.body_len, ptemp);
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "fetched %d key(s) from %s at start-up",
                         jwks->keys->nelts, url);
            auth0_jwt_shared_count_fetch(ident, 1); /* a start-up fetch is a fetch */
            continue;
        }
        if (res.err != AJ_FETCH_OK) {
            why = apr_psprintf(ptemp, "%s: %s", aj_fetch_err_name(res.err), res.detail);
        } else if (jwks) {
            why = "the key set holds no usable key";
        }
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "cannot fetch the keys of %s at start-up (%s); %s", url, why,
                     saved ? "serving the last good keys saved before the restart"
                           : "requests get 503 until a fetch succeeds");
        /* the failure goes on record (status page, cooldown), the last good body stays */
        rec.last_attempt = apr_time_now();
        rec.failures++;
        rec.err = res.err ? (apr_uint32_t)res.err : (apr_uint32_t)AJ_FETCH_ERR_HTTP;
        apr_cpystrn(rec.detail, why, sizeof(rec.detail));
        rec.body_len = saved ? (apr_uint32_t)len : 0;
        auth0_jwt_shared_put(s, ident, url, &rec, saved, apr_time_now() + t.ttl + t.max_stale,
                             ptemp);
        auth0_jwt_shared_count_fetch(ident, 0);
    }
}

const apr_array_header_t *auth0_jwt_configured_sources(void)
{
    return configured;
}
