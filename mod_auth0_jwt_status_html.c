/*
 * mod_auth0_jwt_status_html.c: the status report (mod_auth0_jwt_status.c) as
 * an HTML page for a person with a browser, in the spirit of mod_status: a
 * summary line and figures at the top, a health line and a key table per key
 * source (mod_auth0_jwt_status_html_keys.c), and the refusals, largest first,
 * with a bar each; the reasons at zero folded away.
 *
 * `?refresh=N` (N a whole number of seconds, 1 to 86400) makes the page
 * reload itself every N seconds, as mod_status does; any other value of
 * refresh, or none, gives a page that stays put. The page has no script, no
 * image and nothing from elsewhere; its style is inline, and the answer says
 * so in a Content-Security-Policy.
 */
#include "mod_auth0_jwt_private.h"

#include <http_protocol.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>

#include "mod_auth0_jwt_status_html.h"
#include "mod_auth0_jwt_status_html_keys.h"

#define REFRESH_MAX 86400

static const char style[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fff}"
    "h1{font-size:1.5em;margin:0}h2{font-size:1.15em;margin:1.4em 0 .4em;"
    "border-bottom:1px solid #ddd}"
    ".sub{color:#666;margin:.2em 0}nav a{margin-right:.6em}"
    ".stats{display:flex;flex-wrap:wrap;gap:.6em;margin:.8em 0}"
    ".stat{border:1px solid #ddd;border-radius:4px;padding:.4em .8em;min-width:9em}"
    ".stat b{display:block;font-size:1.4em}.stat small{color:#666}"
    "table{border-collapse:collapse;margin:.3em 0}"
    "th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}"
    "th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".badge{display:inline-block;padding:0 .5em;border-radius:3px;color:#fff;font-weight:bold}"
    ".fresh{background:#2e7d32}.stale{background:#b26a00}.failing{background:#c62828}"
    ".none{background:#757575}.ok{color:#2e7d32}.bad,.err{color:#c62828}"
    ".barcell{width:18em}.bar{background:#5c6bc0;height:.8em;min-width:2px}"
    ".kind{color:#666;font-size:.9em}details{margin:.4em 0}summary{cursor:pointer;color:#444}"
    "footer{margin-top:2em;color:#666;font-size:.9em}";

/* N from the first refresh=N of the query string, or 0 (no refresh) when
 * there is none or N is not a plain whole number from 1 to REFRESH_MAX. */
static int refresh_seconds(const char *args)
{
    while (args && *args) {
        const char *end = strchr(args, '&');
        size_t len = end ? (size_t)(end - args) : strlen(args);

        if (len >= 8 && strncmp(args, "refresh=", 8) == 0) {
            long n = 0;
            for (size_t i = 8; i < len; i++) {
                if (!apr_isdigit(args[i]) || (n = n * 10 + (args[i] - '0')) > REFRESH_MAX) {
                    return 0;
                }
            }
            return (int)n;
        }
        args = end ? end + 1 : NULL;
    }
    return 0;
}

static apr_int64_t num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *esc(request_rec *r, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return ap_escape_html(r->pool, json_is_string(v) ? json_string_value(v) : "");
}

/* hits as a share of hits + misses, "91.2 %", or a dash when nothing looked */
static const char *rate(apr_pool_t *p, apr_int64_t hits, apr_int64_t misses)
{
    if (hits + misses <= 0) {
        return "&mdash;";
    }
    return apr_psprintf(p, "%.1f %%", 100.0 * (double)hits / (double)(hits + misses));
}

static void stat_box(request_rec *r, const char *id, const char *label, const char *value,
                     const char *detail)
{
    ap_rvputs(r, "<div class=\"stat\" id=\"", id, "\">", label, "<b>", value, "</b>",
              detail ? "<small>" : "", detail ? detail : "", detail ? "</small>" : "", "</div>\n",
              NULL);
}

static void summary(request_rec *r, const json_t *rep)
{
    apr_pool_t *p = r->pool;
    const json_t *req = json_object_get(rep, "requests"), *tc = json_object_get(rep, "token_cache");
    const json_t *shared = json_object_get(tc, "shared"), *dpop;
    const json_t *up = json_object_get(rep, "uptime_seconds");

    ap_rvputs(r, "<p class=\"sub\">version ", esc(r, rep, "version"), " &middot; up ",
              json_is_integer(up) ? auth0_jwt_html_duration(p, json_integer_value(up)) : "?",
              " &middot; counting since <span id=\"since\">", esc(r, rep, "counting_since"),
              "</span> &middot; key cache ", esc(r, rep, "shared_cache"), "</p>\n", NULL);
    ap_rputs("<div class=\"stats\">\n", r);
    stat_box(r, "accepted", "tokens accepted",
             apr_psprintf(p, "%" APR_INT64_T_FMT, num(req, "accepted")), NULL);
    stat_box(r, "refused", "tokens refused",
             apr_psprintf(p, "%" APR_INT64_T_FMT, num(req, "refused_total")), NULL);
    stat_box(r, "hit-rate", "token cache hit rate", rate(p, num(tc, "hits"), num(tc, "misses")),
             apr_psprintf(p,
                          "%" APR_INT64_T_FMT " hits, %" APR_INT64_T_FMT
                          " misses<br>%" APR_INT64_T_FMT " of %" APR_INT64_T_FMT
                          " entries, %" APR_INT64_T_FMT " processes",
                          num(tc, "hits"), num(tc, "misses"), num(tc, "entries"),
                          num(tc, "capacity"), num(tc, "processes")));
    if (json_is_true(json_object_get(shared, "on"))) {
        stat_box(r, "shared-rate", "shared level hit rate",
                 rate(p, num(shared, "hits"), num(shared, "misses")),
                 apr_psprintf(p,
                              "%" APR_INT64_T_FMT " hits, %" APR_INT64_T_FMT
                              " misses<br>%" APR_INT64_T_FMT " KiB",
                              num(shared, "hits"), num(shared, "misses"),
                              num(shared, "bytes") / 1024));
    }
    dpop = json_object_get(rep, "dpop_replay_store");
    if (json_is_object(dpop)) {
        int exact = json_is_true(json_object_get(dpop, "proofs_counted"));
        stat_box(r, "dpop-store", "DPoP replay store",
                 apr_psprintf(p, "%s%" APR_INT64_T_FMT " proofs", exact ? "" : "about ",
                              num(dpop, "proofs")),
                 apr_psprintf(p, "capacity %" APR_INT64_T_FMT "%s%s", num(dpop, "capacity"),
                              num(dpop, "horizon_seconds") > 0 ? ", each kept " : "",
                              num(dpop, "horizon_seconds") > 0
                                  ? auth0_jwt_html_duration(p, num(dpop, "horizon_seconds"))
                                  : ""));
    }
    ap_rputs("</div>\n", r);
}

typedef struct {
    const char *name;
    apr_int64_t count;
} reason_count;

static int by_count(const void *a, const void *b)
{
    const reason_count *x = a, *y = b;

    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static void refusals(request_rec *r, const json_t *req)
{
    const json_t *refused = json_object_get(req, "refused");
    size_t n = json_object_size(refused), used = 0, zeros;
    reason_count *rows = apr_pcalloc(r->pool, (n ? n : 1) * sizeof(*rows));
    apr_int64_t total = num(req, "refused_total");
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)refused, k, v)
    {
        rows[used].name = ap_escape_html(r->pool, k);
        rows[used++].count = json_is_integer(v) ? json_integer_value(v) : 0;
    }
    qsort(rows, used, sizeof(*rows), by_count);
    for (zeros = used; zeros > 0 && rows[zeros - 1].count <= 0; zeros--) {
    }
    ap_rputs("<h2 id=\"refusals\">Refusals</h2>\n", r);
    if (zeros == 0) {
        ap_rputs("<p class=\"sub\">No token refused.</p>\n", r);
    } else {
        ap_rputs("<table class=\"refusals\"><thead><tr><th>reason</th><th>count</th>"
                 "<th>share</th><th></th></tr></thead><tbody>\n",
                 r);
        for (size_t i = 0; i < zeros; i++) {
            ap_rprintf(
                r,
                "<tr class=\"reason\"><td><code>%s</code></td><td class=\"n\">%" APR_INT64_T_FMT
                "</td><td class=\"n\">%.1f %%</td><td class=\"barcell\"><div "
                "class=\"bar\" style=\"width:%.1f%%\"></div></td></tr>\n",
                rows[i].name, rows[i].count,
                total > 0 ? 100.0 * (double)rows[i].count / (double)total : 0.0,
                100.0 * (double)rows[i].count / (double)rows[0].count);
        }
        ap_rputs("</tbody></table>\n", r);
    }
    if (zeros < used) {
        ap_rprintf(r,
                   "<details class=\"zeros\"><summary>%" APR_SIZE_T_FMT " reason%s at zero"
                   "</summary><p>",
                   used - zeros, used - zeros == 1 ? "" : "s");
        for (size_t i = zeros; i < used; i++) {
            ap_rvputs(r, i > zeros ? ", " : "", "<code>", rows[i].name, "</code>", NULL);
        }
        ap_rputs("</p></details>\n", r);
    }
}

/* The links that change how often the page reloads; each keeps the page's
 * place (a query of its own, on the same path). */
static void refresh_links(request_rec *r, int refresh)
{
    static const int choices[] = {0, 5, 30, 60};

    ap_rputs("<footer>", r);
    if (refresh) {
        ap_rprintf(r, "Reloads every %d s. ", refresh);
    }
    ap_rputs("Reload: ", r);
    for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
        const char *label = choices[i] ? apr_psprintf(r->pool, "every %d s", choices[i]) : "never";
        if (choices[i] == refresh) {
            ap_rvputs(r, "<b>", label, "</b> ", NULL);
        } else {
            ap_rprintf(r, "<a href=\"?refresh=%d\">%s</a> ", choices[i], label);
        }
    }
    ap_rprintf(r, "&middot; <a href=\"?refresh=%d\">now</a></footer>\n", refresh);
}

void auth0_jwt_status_html(request_rec *r, json_t *rep)
{
    int refresh = refresh_seconds(r->args);

    /* before the first byte: then the headers go out */
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_rputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n", r);
    if (refresh) {
        ap_rprintf(r, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh);
    }
    ap_rvputs(r, "<title>mod_auth0_jwt status</title>\n<style>", style,
              "</style></head><body>\n<h1>mod_auth0_jwt status</h1>\n", NULL);
    summary(r, rep);
    ap_rputs("<nav><a href=\"#sources\">key sources</a><a href=\"#refusals\">refusals</a></nav>\n",
             r);
    auth0_jwt_status_html_sources(r, json_object_get(rep, "key_sources"));
    refusals(r, json_object_get(rep, "requests"));
    refresh_links(r, refresh);
    ap_rputs("</body></html>\n", r);
}
