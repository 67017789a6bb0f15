/*
 * mod_auth0_jwt_status_prom.c: the status report as metric families for
 * Prometheus (text exposition format 0.0.4; the list is in docs/status.md,
 * "Prometheus").
 *
 * Every family has one HELP and one TYPE line, then all its samples, one per
 * key source where it has a `source` label. Counters end in _total and only
 * rise while the counters segment lives (mod_auth0_jwt_status.c); times are in
 * seconds. Every refusal reason has its series, zeros included, so that a
 * rate over it exists before the first refusal. Label values (a source's URI
 * or file path) are escaped by aj_prom_label; every number is an integer.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "aj_prom.h"
#include "aj_reason.h"
#include "mod_auth0_jwt_status_prom.h"

static void family(request_rec *r, const char *name, const char *type, const char *help)
{
    ap_rvputs(r, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", NULL);
}

/* name{labels} value; labels already escaped ("" for none). */
static void sample(request_rec *r, const char *name, const char *labels, json_int_t value)
{
    ap_rprintf(r, "%s%s%s%s %" APR_INT64_T_FMT "\n", name, *labels ? "{" : "", labels,
               *labels ? "}" : "", (apr_int64_t)value);
}

static json_int_t num(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* A one-sample family, if the report has the number (an integer, not null). */
static void single(request_rec *r, const char *name, const char *type, const char *help,
                   const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (json_is_integer(v)) {
        family(r, name, type, help);
        sample(r, name, "", json_integer_value(v));
    }
}

/* Seconds since the epoch of one of the report's "YYYY-MM-DDTHH:MM:SSZ"; 0 when absent. */
static apr_int64_t epoch(const json_t *v)
{
    apr_time_exp_t x;
    apr_time_t t;
    int y, mo, d, h, mi, s;
    char z;

    if (!json_is_string(v) ||
        sscanf(json_string_value(v), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) !=
            7 ||
        z != 'Z') {
        return 0;
    }
    memset(&x, 0, sizeof(x));
    x.tm_year = y - 1900;
    x.tm_mon = mo - 1;
    x.tm_mday = d;
    x.tm_hour = h;
    x.tm_min = mi;
    x.tm_sec = s;
    return apr_time_exp_gmt_get(&t, &x) == APR_SUCCESS ? (apr_int64_t)apr_time_sec(t) : 0;
}

/* source="URI",source_id="ID": the URI alone may name several sources (one
 * URL with other CA, proxy or timings), whose samples would then collide */
static const char *source_label(request_rec *r, const json_t *src)
{
    return apr_pstrcat(
        r->pool, "source=\"",
        aj_prom_label(r->pool, json_string_value(json_object_get(src, "uri"))), "\",source_id=\"",
        aj_prom_label(r->pool, json_string_value(json_object_get(src, "id"))), "\"", NULL);
}

/* One family over the key sources: a sample per source that has the number. */
static void per_source(request_rec *r, const json_t *sources, const char *name, const char *type,
                       const char *help, const char *key)
{
    size_t i;
    json_t *src;
    int header = 0;

    json_array_foreach((json_t *)sources, i, src)
    {
        const json_t *v = json_object_get(src, key);
        if (!json_is_integer(v)) {
            continue;
        }
        if (!header) {
            family(r, name, type, help);
            header = 1;
        }
        sample(r, name, source_label(r, src), json_integer_value(v));
    }
}

static void key_sources(request_rec *r, const json_t *sources)
{
    static const char *const states[] = {"fresh", "stale", "failing", "none"};
    size_t i;
    json_t *src;

    if (json_array_size(sources) == 0) {
        return;
    }
    family(r, "auth0_jwt_key_source_info", "gauge",
           "A configured key source (always 1): its kind, https or file.");
    json_array_foreach((json_t *)sources, i, src)
    {
        const char *kind = json_string_value(json_object_get(src, "kind"));
        sample(r, "auth0_jwt_key_source_info",
               apr_pstrcat(r->pool, source_label(r, src), ",kind=\"", aj_prom_label(r->pool, kind),
                           "\"", NULL),
               1);
    }
    family(r, "auth0_jwt_key_source_health", "gauge",
           "1 for the key source's health (fresh, stale, failing, none), 0 for the others.");
    json_array_foreach((json_t *)sources, i, src)
    {
        const char *now = json_string_value(json_object_get(src, "health"));
        for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
            sample(r, "auth0_jwt_key_source_health",
                   apr_pstrcat(r->pool, source_label(r, src), ",health=\"", states[k], "\"", NULL),
                   now && strcmp(now, states[k]) == 0);
        }
    }
    per_source(r, sources, "auth0_jwt_key_source_usable_keys", "gauge",
               "Keys of the source's current set that can verify a token.", "usable_keys");
    per_source(r, sources, "auth0_jwt_key_source_age_seconds", "gauge",
               "Seconds since the current key set was fetched (file: modified); absent before "
               "the first.",
               "age_seconds");
    per_source(r, sources, "auth0_jwt_key_source_refresh_seconds", "gauge",
               "The refresh interval of an https key source, in seconds.", "refresh_seconds");
    per_source(r, sources, "auth0_jwt_key_source_failure_streak", "gauge",
               "Fetches of an https key source failed since its last success.", "failure_streak");
    int header = 0;
    json_array_foreach((json_t *)sources, i, src)
    {
        if (!json_is_integer(json_object_get(src, "fetch_successes"))) {
            continue; /* a file source fetches nothing */
        }
        if (!header) {
            family(r, "auth0_jwt_key_source_fetches_total", "counter",
                   "Fetches of an https key source by result (success, failure).");
            header = 1;
        }
        const char *label = source_label(r, src);
        sample(r, "auth0_jwt_key_source_fetches_total",
               apr_pstrcat(r->pool, label, ",result=\"success\"", NULL),
               num(src, "fetch_successes"));
        sample(r, "auth0_jwt_key_source_fetches_total",
               apr_pstrcat(r->pool, label, ",result=\"failure\"", NULL),
               num(src, "fetch_failures"));
    }
}

void auth0_jwt_status_prom(request_rec *r, json_t *rep)
{
    const json_t *req = json_object_get(rep, "requests");
    const json_t *refused = json_object_get(req, "refused");
    const json_t *tc = json_object_get(rep, "token_cache");
    const json_t *shared = json_object_get(tc, "shared");
    const json_t *store = json_object_get(rep, "dpop_replay_store");
    apr_int64_t started = epoch(json_object_get(rep, "counting_since"));

    family(r, "auth0_jwt_build_info", "gauge", "The module's version (always 1).");
    sample(r, "auth0_jwt_build_info",
           apr_pstrcat(r->pool, "version=\"",
                       aj_prom_label(r->pool, json_string_value(json_object_get(rep, "version"))),
                       "\"", NULL),
           1);
    if (started > 0) {
        family(r, "auth0_jwt_start_time_seconds", "gauge",
               "When counting began (Unix time): the server's first start, or the restart "
               "that changed the counters' layout.");
        sample(r, "auth0_jwt_start_time_seconds", "", started);
    }
    family(r, "auth0_jwt_requests_total", "counter",
           "Requests whose token was checked, by result (accepted, refused).");
    sample(r, "auth0_jwt_requests_total", "result=\"accepted\"", num(req, "accepted"));
    sample(r, "auth0_jwt_requests_total", "result=\"refused\"", num(req, "refused_total"));
    family(r, "auth0_jwt_refused_total", "counter",
           "Requests refused, by reason (every reason, zeros included).");
    for (int i = 1; i < AJ_R__COUNT; i++) {
        const char *reason = aj_reason_name((aj_reason_e)i);
        sample(r, "auth0_jwt_refused_total",
               apr_pstrcat(r->pool, "reason=\"", aj_prom_label(r->pool, reason), "\"", NULL),
               num(refused, reason));
    }
    family(r, "auth0_jwt_dpop_replays_refused_total", "counter",
           "DPoP proofs refused because their jti was seen before.");
    sample(r, "auth0_jwt_dpop_replays_refused_total", "",
           num(refused, aj_reason_name(AJ_R_DPOP_REPLAY)));
    single(r, "auth0_jwt_token_cache_hits_total", "counter",
           "Tokens found in the verified-token cache (either level).", tc, "hits");
    single(r, "auth0_jwt_token_cache_misses_total", "counter",
           "Tokens not found in the verified-token cache.", tc, "misses");
    single(r, "auth0_jwt_token_cache_shared_hits_total", "counter",
           "Looks in the cache's shared level that found the token.", shared, "hits");
    single(r, "auth0_jwt_token_cache_shared_misses_total", "counter",
           "Looks in the cache's shared level that did not.", shared, "misses");
    single(r, "auth0_jwt_token_cache_entries", "gauge",
           "Tokens held in the per-process caches of the live processes.", tc, "entries");
    single(r, "auth0_jwt_token_cache_capacity", "gauge",
           "Tokens the per-process caches of the live processes can hold.", tc, "capacity");
    single(r, "auth0_jwt_processes", "gauge", "Live child processes that count.", tc, "processes");
    key_sources(r, json_object_get(rep, "key_sources"));
    if (store) {
        single(r, "auth0_jwt_dpop_replay_store_proofs", "gauge",
               "DPoP proofs held by the replay store.", store, "proofs");
        single(r, "auth0_jwt_dpop_replay_store_capacity", "gauge",
               "DPoP proofs the replay store can hold.", store, "capacity");
    }
}
