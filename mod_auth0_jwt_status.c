/*
 * mod_auth0_jwt_status.c: counters shared by every child process, and the
 * `SetHandler auth0-jwt-status` page (docs/status.md), in JSON, HTML or
 * Prometheus' text format.
 *
 * The counters live in one shared memory segment made by the parent and kept
 * across graceful restarts (it hangs off the process pool, which outlives
 * them). Accepted and refused counts are atomic adds on that segment; each
 * child also owns one row for its token-cache figures, so the page can sum
 * them without asking the children anything. Every count only rises while the
 * segment lives: a child that takes over a dead child's row adds to its counts.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "mod_auth0_jwt_private.h"

#include <http_protocol.h>
#include <ap_mpm.h>
#include <mod_status.h>
#include <apr_atomic.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_thread_mutex.h>
#include <stdlib.h>

#include "aj_alg.h"
#include "aj_json.h"
#include "mod_auth0_jwt_file.h"
#include "mod_auth0_jwt_keys.h"
#include "mod_auth0_jwt_replay.h"
#include "mod_auth0_jwt_request.h"
#include "mod_auth0_jwt_shared.h"
#include "mod_auth0_jwt_shared_layout.h"
#include "mod_auth0_jwt_status.h"
#include "mod_auth0_jwt_status_html.h"
#include "mod_auth0_jwt_status_prom.h"

#define USERDATA_KEY     "mod_auth0_jwt_counters"
#define COUNTERS_MAGIC   0x41304a43u /* "A0JC" */
#define COUNTERS_VERSION 4

typedef struct {
    volatile apr_uint32_t pid; /* 0: free */
    volatile apr_uint32_t entries, capacity;
    volatile apr_uint64_t hits, misses;             /* hits: of either level */
    volatile apr_uint64_t shared_hits, shared_misses; /* looks in the shared level */
} proc_row;

/*
 * The segment: a header that says what it holds, so that a graceful restart
 * into another module version, or another ServerLimit, makes a new one instead
 * of writing past the old. 64-bit counts: at 50,000 requests a second a 32-bit
 * count wraps within a day.
 */
typedef struct {
    apr_uint32_t magic, version;
    apr_uint32_t reasons; /* AJ_R__COUNT */
    apr_uint32_t rows;    /* one per possible child process: the MPM's ServerLimit */
    volatile apr_uint64_t accepted;
    volatile apr_uint64_t refused[AJ_R__COUNT];
    apr_time_t started; /* when counting began: the server's first start, or the
                         * restart that changed the layout */
    proc_row procs[]; /* rows of them */
} counters_t;

static counters_t *counters;
static proc_row *my_row;
static apr_size_t tcache_shared_bytes; /* the shared token cache's size; 0: off */

/* The key list of each source, as the page last made it (per process): a poll
 * parses a key set only when it changed, never every key set every time. */
typedef struct {
    apr_time_t stamp; /* fetched or modified at */
    apr_size_t len;
    char *json; /* malloc'd */
} memo_entry;
static apr_hash_t *memo;
static apr_thread_mutex_t *memo_lock;
static apr_status_t memo_free(void *data);

/* ---- counting --------------------------------------------------------------- */

void auth0_jwt_count(aj_reason_e outcome)
{
    if (counters == NULL) {
        return;
    }
    if (outcome == AJ_OK) {
        apr_atomic_inc64(&counters->accepted);
    } else if ((int)outcome > 0 && outcome < AJ_R__COUNT) {
        apr_atomic_inc64(&counters->refused[outcome]);
    }
}

void auth0_jwt_count_cache(int hit)
{
    if (my_row) {
        apr_atomic_inc64(hit ? &my_row->hits : &my_row->misses);
    }
}

void auth0_jwt_status_tcache_shared(apr_size_t bytes)
{
    tcache_shared_bytes = bytes;
}

void auth0_jwt_count_cache_shared(int hit)
{
    if (my_row) {
        apr_atomic_inc64(hit ? &my_row->shared_hits : &my_row->shared_misses);
    }
}

void auth0_jwt_count_cache_entries(unsigned int entries)
{
    if (my_row) {
        apr_atomic_set32(&my_row->entries, entries);
    }
}

int auth0_jwt_counters_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *proc = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;
    int limit = 0;
    apr_uint32_t rows;
    apr_size_t size;
    counters_t *c;

    if (ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &limit) != APR_SUCCESS || limit < 1) {
        limit = 16;
    }
    rows = (apr_uint32_t)limit;
    size = sizeof(counters_t) + rows * sizeof(proc_row);
    apr_pool_userdata_get((void **)&shm, USERDATA_KEY, proc);
    if (shm) { /* a graceful restart: keep the counts if the layout is the same */
        c = apr_shm_baseaddr_get(shm);
        if (apr_shm_size_get(shm) == size && c->magic == COUNTERS_MAGIC &&
            c->version == COUNTERS_VERSION && c->reasons == AJ_R__COUNT && c->rows == rows) {
            counters = c;
            return OK;
        }
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "the counters' layout changed (module version or ServerLimit): "
                     "counting starts again");
        /* the old segment stays with the children that still use it */
    }
    rv = apr_shm_create(&shm, size, NULL, proc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "no shared memory for counters: the status page shows none");
        counters = NULL;
        return OK;
    }
    c = apr_shm_baseaddr_get(shm);
    memset(c, 0, size);
    c->magic = COUNTERS_MAGIC;
    c->version = COUNTERS_VERSION;
    c->reasons = AJ_R__COUNT;
    c->rows = rows;
    c->started = apr_time_now();
    apr_pool_userdata_set(shm, USERDATA_KEY, apr_pool_cleanup_null, proc);
    counters = c;
    return OK;
}

static apr_status_t release_row(void *data)
{
    proc_row *row = data;
    apr_atomic_set32(&row->pid, 0);
    return APR_SUCCESS;
}

static int alive(apr_uint32_t pid)
{
    return pid != 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

void auth0_jwt_counters_child_init(apr_pool_t *pchild, unsigned int cache_capacity)
{
    apr_uint32_t me = (apr_uint32_t)getpid();

    memo = apr_hash_make(pchild);
    apr_thread_mutex_create(&memo_lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    apr_pool_cleanup_register(pchild, NULL, memo_free, apr_pool_cleanup_null);

    my_row = NULL;
    for (apr_uint32_t i = 0; counters && i < counters->rows; i++) {
        proc_row *row = &counters->procs[i];
        apr_uint32_t held = apr_atomic_read32(&row->pid);
        if ((held == 0 || !alive(held)) && apr_atomic_cas32(&row->pid, me, held) == held) {
            /* the counts of the row's last owner stay: a new child adds to
             * them, so the sums never go down while the segment lives (as
             * Prometheus expects of a counter); only the gauges start again */
            apr_atomic_set32(&row->entries, 0);
            apr_atomic_set32(&row->capacity, cache_capacity);
            my_row = row;
            apr_pool_cleanup_register(pchild, row, release_row, apr_pool_cleanup_null);
            return;
        }
    }
}

/* ---- the report ------------------------------------------------------------ */

static json_t *iso_time(apr_pool_t *p, apr_time_t t)
{
    char buf[APR_RFC822_DATE_LEN];
    apr_time_exp_t x;
    apr_size_t n;

    if (t <= 0) {
        return json_null();
    }
    apr_time_exp_gmt(&x, t);
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &x);
    return json_string(buf);
}

static json_t *key_list(apr_pool_t *p, const char *body, apr_size_t len);

static apr_status_t memo_free(void *data)
{
    for (apr_hash_index_t *hi = apr_hash_first(NULL, memo); hi; hi = apr_hash_next(hi)) {
        free(((memo_entry *)apr_hash_this_val(hi))->json);
    }
    memo = NULL;
    return APR_SUCCESS;
}

/* key_list through the memo: parsed again only when (stamp, len) changed. */
static json_t *key_list_memo(request_rec *r, const auth0_jwt_source_info *info, apr_time_t stamp,
                             const char *body, apr_size_t len)
{
    apr_pool_t *p = r->pool;
    const char *ident = info->ident;
    memo_entry *e;
    json_t *keys = NULL;

    if (memo == NULL || body == NULL) {
        return key_list(p, body, len);
    }
    apr_thread_mutex_lock(memo_lock);
    e = apr_hash_get(memo, ident, APR_HASH_KEY_STRING);
    if (e && e->stamp == stamp && e->len == len && e->json) {
        keys = json_loads(e->json, 0, NULL);
    }
    if (keys == NULL) {
        keys = key_list(p, body, len);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "status page: parsed the key list of %s",
                      info->location);
        if (e == NULL) {
            apr_pool_t *mp = apr_hash_pool_get(memo);
            e = apr_pcalloc(mp, sizeof(*e));
            apr_hash_set(memo, apr_pstrdup(mp, ident), APR_HASH_KEY_STRING, e);
        }
        free(e->json);
        e->json = json_dumps(keys, JSON_COMPACT);
        e->stamp = stamp;
        e->len = len;
    }
    apr_thread_mutex_unlock(memo_lock);
    return keys;
}

static json_t *key_list(apr_pool_t *p, const char *body, apr_size_t len)
{
    const char *why;
    aj_jwks_t *set = body ? aj_jwks_parse(p, body, len, &why) : NULL;
    json_t *keys = json_array();

    for (int i = 0; set && i < set->keys->nelts; i++) {
        const aj_key_t *k = APR_ARRAY_IDX(set->keys, i, const aj_key_t *);
        json_array_append_new(keys, json_pack("{s:s?,s:s,s:s?,s:i,s:s?}", "kid", k->kid, "kty",
                                              aj_kty_name(k->kty), "alg", k->alg, "bits", k->bits,
                                              "unusable",
                                              k->unusable ? aj_reason_name(k->unusable) : NULL));
    }
    return keys;
}

/*
 * One word for a key source, as an operator reads it at a glance:
 * "fresh"   keys fetched within the refresh interval, last attempt good;
 * "stale"   keys older than the refresh interval (refreshed by the next
 *           request that needs them), still served;
 * "failing" the last attempt failed: the last good keys are served while
 *           they are younger than refresh interval + Auth0JWKSMaxStale;
 * "none"    no key to serve: never fetched, too old, or nothing usable.
 */
static const char *health(const auth0_jwt_source_info *info, apr_time_t fetched_at,
                          apr_uint32_t failures, apr_size_t usable, apr_time_t now)
{
    if (usable == 0 || fetched_at <= 0 || now > fetched_at + info->ttl + info->max_stale) {
        return "none";
    }
    if (failures) {
        return "failing";
    }
    return now > fetched_at + info->ttl ? "stale" : "fresh";
}

static apr_size_t usable_keys(const json_t *keys)
{
    apr_size_t n = 0;
    size_t i;
    json_t *k;

    json_array_foreach(keys, i, k)
    {
        n += json_is_null(json_object_get(k, "unusable")) ||
             json_object_get(k, "unusable") == NULL;
    }
    return n;
}

static json_t *age(apr_time_t since, apr_time_t now)
{
    return since > 0 ? json_integer((json_int_t)apr_time_sec(now > since ? now - since : 0))
                     : json_null();
}

static json_t *source_report(request_rec *r, const auth0_jwt_source_info *info)
{
    apr_time_t now = apr_time_now();
    const char *id = auth0_jwt_source_id_hex(r->pool, info->ident);
    /* a path or URL from the configuration need not be UTF-8: aj_json_text
     * makes it so, or the source would drop out of the report */
    json_t *out = json_pack("{s:o,s:s}", "uri", aj_json_text(r->pool, info->location), "kind",
                            info->is_file ? "file" : "https");

    /* several sources may share a URL (other CA, proxy or timings): the id
     * tells them apart */
    json_object_set_new(out, "id", id ? json_string(id) : json_null());

    if (!info->is_file) { /* what, beside the URL, decides this source's keys */
        json_object_set_new(out, "ca_file",
                            info->ca_file ? aj_json_text(r->pool, info->ca_file) : json_null());
        json_object_set_new(out, "proxy",
                            info->proxy ? aj_json_text(r->pool, info->proxy) : json_null());
    }
    auth0_jwt_rec *rec;
    apr_uint64_t fetch_ok, fetch_failed;
    apr_size_t len = 0;
    apr_time_t mtime = 0;
    char *body;

    if (info->is_file) {
        json_t *keys;
        apr_status_t rv =
            auth0_jwt_read_file(&body, &len, &mtime, r->pool, info->location, 1 << 20, 0);
        const char *why = NULL;
        if (rv != APR_SUCCESS) {
            body = NULL;
            why = rv == APR_EINVAL ? "not a regular file"
                  : rv == APR_FROM_OS_ERROR(EFBIG)
                      ? "larger than 1 MiB"
                      : apr_psprintf(r->pool, "cannot read it: %pm", &rv);
        }
        /* what a process that loads it now would find; those that loaded it
         * before keep the keys they have */
        keys = key_list_memo(r, info, mtime, body, len);
        if (body && json_array_size(keys) == 0 && aj_jwks_parse(r->pool, body, len, &why)) {
            why = "no usable key";
        }
        json_object_set_new(out, "health", json_string(why || usable_keys(keys) == 0 ? "none"
                                                                                    : "fresh"));
        json_object_set_new(out, "usable_keys", json_integer((json_int_t)usable_keys(keys)));
        json_object_set_new(out, "keys", keys);
        json_object_set_new(out, "modified_at", iso_time(r->pool, mtime));
        json_object_set_new(out, "age_seconds", age(mtime, now));
        json_object_set_new(out, "last_error", why ? aj_json_text(r->pool, why) : json_null());
        return out;
    }
    rec = auth0_jwt_shared_get(r->server, info->ident, r->pool);
    json_t *keys = key_list_memo(r, info, rec ? rec->fetched_at : 0,
                                 rec ? (const char *)(rec + 1) : NULL, rec ? rec->body_len : 0);
    apr_size_t usable = usable_keys(keys);
    json_object_set_new(out, "health", json_string(health(info, rec ? rec->fetched_at : 0,
                                                          rec ? rec->failures : 0, usable, now)));
    json_object_set_new(out, "usable_keys", json_integer((json_int_t)usable));
    json_object_set_new(out, "keys", keys);
    json_object_set_new(out, "fetched_at", iso_time(r->pool, rec ? rec->fetched_at : 0));
    json_object_set_new(out, "age_seconds", age(rec ? rec->fetched_at : 0, now));
    json_object_set_new(out, "refresh_seconds", json_integer((json_int_t)apr_time_sec(info->ttl)));
    json_object_set_new(
        out, "next_refresh",
        iso_time(r->pool, rec && rec->fetched_at ? rec->fetched_at + info->ttl : 0));
    json_object_set_new(out, "last_attempt", iso_time(r->pool, rec ? rec->last_attempt : 0));
    json_object_set_new(out, "last_error",
                        rec && rec->failures ? aj_json_text(r->pool, rec->detail) : json_null());
    json_object_set_new(out, "failure_streak", json_integer(rec ? rec->failures : 0));
    if (auth0_jwt_shared_fetches(info->ident, &fetch_ok, &fetch_failed)) {
        json_object_set_new(out, "fetch_successes", json_integer((json_int_t)fetch_ok));
        json_object_set_new(out, "fetch_failures", json_integer((json_int_t)fetch_failed));
    } else { /* never a 0 that is not one */
        json_object_set_new(out, "fetch_successes", json_null());
        json_object_set_new(out, "fetch_failures", json_null());
    }
    return out;
}

static json_t *report(request_rec *r)
{
    const apr_array_header_t *sources = auth0_jwt_configured_sources();
    json_t *out, *srcs = json_array(), *refused = json_object();
    apr_uint64_t hits = 0, misses = 0, entries = 0, capacity = 0, refused_total = 0;
    apr_uint64_t shared_hits = 0, shared_misses = 0;
    unsigned int store_capacity, store_live, store_horizon;
    int store_exact;
    int procs = 0;

    for (int i = 0; sources && i < sources->nelts; i++) {
        json_array_append_new(srcs,
                              source_report(r, &APR_ARRAY_IDX(sources, i, auth0_jwt_source_info)));
    }
    for (apr_uint32_t i = 0; counters && i < counters->rows; i++) {
        proc_row *row = &counters->procs[i];
        /* counts from every row, live or free (they only rise); the gauges
         * only from rows whose process is alive */
        hits += apr_atomic_read64(&row->hits);
        misses += apr_atomic_read64(&row->misses);
        shared_hits += apr_atomic_read64(&row->shared_hits);
        shared_misses += apr_atomic_read64(&row->shared_misses);
        if (alive(row->pid)) {
            procs++;
            entries += apr_atomic_read32(&row->entries);
            capacity += apr_atomic_read32(&row->capacity);
        }
    }
    for (int i = 1; counters && i < AJ_R__COUNT; i++) {
        apr_uint64_t n = apr_atomic_read64(&counters->refused[i]);
        refused_total += n;
        json_object_set_new(refused, aj_reason_name((aj_reason_e)i), json_integer(n));
    }
    out = json_pack("{s:s,s:s,s:s,s:o,s:{s:I,s:I,s:I,s:I,s:i},s:{s:I,s:I,s:o}}", "module",
                    "mod_auth0_jwt", "version", AUTH0_JWT_VERSION, "shared_cache",
                    auth0_jwt_shared_cache_name(), "key_sources", srcs, "token_cache", "entries",
                    (json_int_t)entries, "capacity", (json_int_t)capacity, "hits", (json_int_t)hits,
                    "misses", (json_int_t)misses, "processes", procs, "requests", "accepted",
                    (json_int_t)(counters ? apr_atomic_read64(&counters->accepted) : 0),
                    "refused_total", (json_int_t)refused_total, "refused", refused);
    json_object_set_new(json_object_get(out, "token_cache"), "shared",
                        json_pack("{s:b,s:I,s:I,s:I}", "on", tcache_shared_bytes > 0,
                                  "bytes", (json_int_t)tcache_shared_bytes, "hits",
                                  (json_int_t)shared_hits, "misses", (json_int_t)shared_misses));
    if (counters) {
        json_object_set_new(out, "counting_since", iso_time(r->pool, counters->started));
        json_object_set_new(out, "uptime_seconds", age(counters->started, apr_time_now()));
    }
    if (auth0_jwt_replay_usage(&store_capacity, &store_live, &store_exact, &store_horizon)) {
        json_object_set_new(out, "dpop_replay_store",
                            json_pack("{s:I,s:I,s:b,s:I}", "capacity", (json_int_t)store_capacity,
                                      "proofs", (json_int_t)store_live, "proofs_counted",
                                      store_exact, "horizon_seconds",
                                      (json_int_t)store_horizon));
    }
    return out;
}

/* ---- the format --------------------------------------------------------- */

typedef enum { FMT_JSON, FMT_HTML, FMT_PROM, FMT_UNKNOWN } status_format;

/*
 * ?format=json|html|prometheus, the first format parameter; FMT_UNKNOWN for
 * another value, -1 without one.
 */
static int format_param(request_rec *r)
{
    char *args = r->args ? apr_pstrdup(r->pool, r->args) : NULL, *last, *pair;

    for (pair = args ? apr_strtok(args, "&", &last) : NULL; pair;
         pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        if (eq == NULL || eq - pair != 6 || strncmp(pair, "format", 6) != 0) {
            continue;
        }
        char *value = eq + 1;
        if (ap_unescape_url(value) != OK) {
            return FMT_UNKNOWN;
        }
        return strcmp(value, "json") == 0         ? FMT_JSON
               : strcmp(value, "html") == 0       ? FMT_HTML
               : strcmp(value, "prometheus") == 0 ? FMT_PROM
                                                  : FMT_UNKNOWN;
    }
    return -1;
}

/*
 * From Accept: the first of text/plain (Prometheus), text/html and
 * application/json that it lists without q=0; JSON when it lists none.
 * OpenMetrics is not offered: Prometheus lists it first, then text/plain.
 */
static status_format format_accept(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    char *list = accept ? apr_pstrdup(r->pool, accept) : NULL, *last, *range;

    for (range = list ? apr_strtok(list, ",", &last) : NULL; range;
         range = apr_strtok(NULL, ",", &last)) {
        char *params, *q;
        apr_collapse_spaces(range, range);
        params = strchr(range, ';');
        if (params) {
            *params++ = '\0';
            q = ap_strcasestr(params, "q=");
            if (q && (q == params || q[-1] == ';') && strtod(q + 2, NULL) <= 0.0) {
                continue; /* q=0: not acceptable */
            }
        }
        if (strcasecmp(range, "text/plain") == 0) {
            return FMT_PROM;
        }
        if (strcasecmp(range, "text/html") == 0) {
            return FMT_HTML;
        }
        if (strcasecmp(range, "application/json") == 0) {
            return FMT_JSON;
        }
    }
    return FMT_JSON;
}

/* The page shows every virtual host's key sources and counts: only the server
 * configuration may put it up. An .htaccess file could have set the handler
 * (SetHandler, AddHandler, RewriteRule's H flag), and nothing records which
 * part of the configuration did, so the page is refused wherever an .htaccess
 * file is part of the request's configuration. */
static int htaccess_applies(request_rec *r)
{
    const struct htaccess_result *h = r->htaccess; /* each folder's, read or looked for */

    while (h && h->htaccess == NULL) { /* NULL: that folder has no .htaccess */
        h = h->next;
    }
    if (h == NULL) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "auth0-jwt-status refused: an .htaccess file is part of this URL's "
                  "configuration and could have set the handler; put the status page where "
                  "no .htaccess is read (docs/status.md)");
    return 1;
}

int auth0_jwt_status_handler(request_rec *r)
{
    json_t *rep;
    char *text;
    int format;

    if (!r->handler || strcmp(r->handler, "auth0-jwt-status") != 0) {
        return DECLINED;
    }
    if (htaccess_applies(r)) {
        return HTTP_FORBIDDEN;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    /* every format carries outside text (a kid raw in JSON, paths): never
     * to be sniffed as HTML */
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if (r->method_number != M_GET) {
        /* answered here: httpd's own 405 would write its Allow from r->allowed
         * (TRACE and all) over ours */
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        ap_discard_request_body(r);
        return auth0_jwt_send_json(r, HTTP_METHOD_NOT_ALLOWED,
                                   "{\"error\":\"method_not_allowed\",\"error_description\":"
                                   "\"the status page answers GET and HEAD\"}\n");
    }
    apr_table_mergen(r->headers_out, "Vary", "Accept");
    format = format_param(r);
    if (format == FMT_UNKNOWN) { /* the value is not echoed back */
        return auth0_jwt_send_json(r, HTTP_BAD_REQUEST,
                                   "{\"error\":\"unknown_format\",\"error_description\":"
                                   "\"format must be json, html or prometheus\"}\n");
    }
    if (format < 0) {
        format = format_accept(r);
    }
    rep = aj_json_pool_own(r->pool, report(r));
    /* drawn for HEAD too: the renderers set headers of their own (the HTML
     * page's Content-Security-Policy), and httpd sends no body for HEAD */
    if (format == FMT_HTML) {
        ap_set_content_type(r, "text/html; charset=utf-8");
        auth0_jwt_status_html(r, rep);
        return OK;
    }
    if (format == FMT_PROM) {
        ap_set_content_type(r, AUTH0_JWT_PROM_TYPE);
        auth0_jwt_status_prom(r, rep);
        return OK;
    }
    text = apr_pstrcat(r->pool, aj_json_compact(r->pool, rep), "\n", NULL);
    return auth0_jwt_send_json(r, HTTP_OK, text);
}

/* ---- mod_status ------------------------------------------------------------ */

static int status_hook(request_rec *r, int flags)
{
    json_t *rep = aj_json_pool_own(r->pool, report(r));
    json_t *req = json_object_get(rep, "requests"), *tc = json_object_get(rep, "token_cache");
    /* APR's formatter knows APR_INT64_T_FMT, not jansson's "lld" */
    apr_int64_t accepted = (apr_int64_t)json_integer_value(json_object_get(req, "accepted"));
    apr_int64_t refused = (apr_int64_t)json_integer_value(json_object_get(req, "refused_total"));
    apr_int64_t hits = (apr_int64_t)json_integer_value(json_object_get(tc, "hits"));
    apr_int64_t misses = (apr_int64_t)json_integer_value(json_object_get(tc, "misses"));

    if (flags & AP_STATUS_SHORT) {
        ap_rprintf(r,
                   "Auth0JWTAccepted: %" APR_INT64_T_FMT "\nAuth0JWTRefused: %" APR_INT64_T_FMT
                   "\nAuth0JWTCacheHits: %" APR_INT64_T_FMT
                   "\nAuth0JWTCacheMisses: %" APR_INT64_T_FMT "\n",
                   accepted, refused, hits, misses);
        return OK;
    }
    ap_rprintf(r,
               "<hr />\n<h2>mod_auth0_jwt</h2>\n<dl><dt>tokens accepted: %" APR_INT64_T_FMT
               "</dt><dt>tokens refused: %" APR_INT64_T_FMT
               "</dt><dt>token cache: %" APR_INT64_T_FMT " hits, %" APR_INT64_T_FMT
               " misses</dt></dl>\n",
               accepted, refused, hits, misses);
    return OK;
}

void auth0_jwt_status_register(void)
{
    APR_OPTIONAL_HOOK(ap, status_hook, status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}
