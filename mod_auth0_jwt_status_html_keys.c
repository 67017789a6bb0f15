/*
 * mod_auth0_jwt_status_html_keys.c: the key sources of the status report
 * (docs/status.md, "key_sources[]") as a person wants them at a glance: a
 * coloured health word per source, how old its keys are and when they are
 * refreshed, its failure if it has one, and a table with a row per key.
 *
 * The report is made by mod_auth0_jwt_status.c; this file only draws it. Key
 * ids, URIs and error texts come from outside (a JWKS, the configuration, a
 * remote server): every one goes through ap_escape_html.
 */
#include "mod_auth0_jwt_private.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "mod_auth0_jwt_status_html_keys.h"

static apr_int64_t num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *esc(request_rec *r, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? ap_escape_html(r->pool, json_string_value(v)) : NULL;
}

const char *auth0_jwt_html_duration(apr_pool_t *p, apr_int64_t s)
{
    static const struct {
        apr_int64_t size;
        const char *unit;
    } units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};

    if (s <= 0) {
        return "0 s";
    }
    for (int i = 0; i < 3; i++) {
        if (s >= units[i].size) {
            apr_int64_t big = s / units[i].size;
            apr_int64_t small = (s % units[i].size) / units[i + 1].size;
            return small ? apr_psprintf(p, "%" APR_INT64_T_FMT " %s %" APR_INT64_T_FMT " %s", big,
                                        units[i].unit, small, units[i + 1].unit)
                         : apr_psprintf(p, "%" APR_INT64_T_FMT " %s", big, units[i].unit);
        }
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT " s", s);
}

/* "2048 bits", "P-256", "Ed25519": what the key's size means for its type. */
static const char *key_size(apr_pool_t *p, const char *kty, apr_int64_t bits)
{
    if (kty && strcmp(kty, "EC") == 0) {
        return apr_psprintf(p, "P-%" APR_INT64_T_FMT, bits);
    }
    if (kty && strcmp(kty, "OKP") == 0) {
        return bits == 255 ? "Ed25519" : bits == 448 ? "Ed448" : "?";
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT " bits", bits);
}

/* Why a key may not verify, in a few words beside its reason code. */
static const char *unusable_words(const char *code)
{
    static const char *const words[][2] = {
        {"key_use", "its use is not sig"},
        {"key_ops", "its key_ops lack verify"},
        {"key_too_small", "too small"},
        {"key_weak", "weak (ROCA fingerprint)"},
        {"key_ambiguous", "an unreadable entry has the same kid"},
    };

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(code, words[i][0]) == 0) {
            return words[i][1];
        }
    }
    return "";
}

static void key_row(request_rec *r, const json_t *key)
{
    const char *kid = esc(r, key, "kid"), *kty = esc(r, key, "kty"), *alg = esc(r, key, "alg");
    const char *why = esc(r, key, "unusable");

    ap_rvputs(r, "<tr class=\"key\"><td class=\"kid\">",
              kid ? apr_pstrcat(r->pool, "<code>", kid, "</code>", NULL) : "<i>(none)</i>",
              "</td><td>", kty ? kty : "", "</td><td>", alg ? alg : "<i>any</i>", "</td><td>",
              key_size(r->pool, kty, num(key, "bits")), "</td>", NULL);
    if (why) {
        ap_rvputs(r, "<td class=\"bad\">&#10007; <code>", why, "</code> &mdash; ",
                  unusable_words(why), "</td></tr>\n", NULL);
    } else {
        ap_rputs("<td class=\"ok\">&#10003; usable</td></tr>\n", r);
    }
}

static void key_table(request_rec *r, const json_t *keys)
{
    size_t i;
    json_t *key;

    ap_rputs("<table class=\"keys\"><thead><tr><th>kid</th><th>type</th><th>alg</th>"
             "<th>size</th><th>usable</th></tr></thead><tbody>\n",
             r);
    json_array_foreach(keys, i, key)
    {
        key_row(r, key);
    }
    if (json_array_size(keys) == 0) {
        ap_rputs("<tr><td colspan=\"5\"><i>no keys</i></td></tr>\n", r);
    }
    ap_rputs("</tbody></table>\n", r);
}

/* "fetched 3 min ago · next refresh in 7 min" (a URL), "modified ..." (a file). */
static void timing(request_rec *r, const json_t *src, int is_file)
{
    apr_pool_t *p = r->pool;
    const json_t *age = json_object_get(src, "age_seconds");
    const char *when = esc(r, src, is_file ? "modified_at" : "fetched_at");
    apr_int64_t left;

    if (!json_is_integer(age)) {
        ap_rputs(is_file ? " &middot; <span class=\"age\">not read</span>"
                         : " &middot; <span class=\"age\">never fetched</span>",
                 r);
        return;
    }
    ap_rvputs(r, " &middot; <span class=\"age\" title=\"", when ? when : "", "\">",
              is_file ? "modified " : "fetched ",
              auth0_jwt_html_duration(p, json_integer_value(age)), " ago</span>", NULL);
    if (is_file) {
        return;
    }
    left = num(src, "refresh_seconds") - json_integer_value(age);
    when = esc(r, src, "next_refresh");
    ap_rvputs(r, " &middot; <span class=\"next\" title=\"", when ? when : "", "\">",
              left > 0 ? apr_pstrcat(p, "next refresh in ", auth0_jwt_html_duration(p, left), NULL)
                       : "refresh due (at the next request that needs a key)",
              "</span>", NULL);
}

static void source_section(request_rec *r, const json_t *src, size_t n)
{
    const char *health = esc(r, src, "health"), *uri = esc(r, src, "uri");
    const char *kind = esc(r, src, "kind"), *err = esc(r, src, "last_error");
    const json_t *keys = json_object_get(src, "keys");
    int is_file = kind && strcmp(kind, "file") == 0;
    apr_int64_t streak = num(src, "failure_streak");

    if (health == NULL) {
        health = "none";
    }
    ap_rprintf(r, "<section class=\"source\" id=\"source-%" APR_SIZE_T_FMT "\">\n", n);
    ap_rvputs(r, "<p class=\"health\"><span class=\"badge ", health, "\">", health,
              "</span> <code class=\"uri\">", uri ? uri : "", "</code> <span class=\"kind\">",
              kind ? kind : "", "</span>", NULL);
    timing(r, src, is_file);
    ap_rprintf(r, " &middot; %" APR_INT64_T_FMT " of %" APR_SIZE_T_FMT " key%s usable",
               num(src, "usable_keys"), json_array_size(keys),
               json_array_size(keys) == 1 ? "" : "s");
    if (!is_file && !json_is_integer(json_object_get(src, "fetch_successes"))) {
        ap_rputs(" &middot; fetches: not counted", r);
    } else if (!is_file) {
        ap_rprintf(r, " &middot; fetches: %" APR_INT64_T_FMT " good, %" APR_INT64_T_FMT " failed",
                   num(src, "fetch_successes"), num(src, "fetch_failures"));
    }
    ap_rputs("</p>\n", r);
    if (streak > 0 || err) {
        ap_rputs("<p class=\"err\">", r);
        if (streak > 0) {
            const char *last = esc(r, src, "last_attempt");
            ap_rprintf(r, "%" APR_INT64_T_FMT " failed fetch%s in a row", streak,
                       streak == 1 ? "" : "es");
            ap_rvputs(r, last ? ", the last at " : "", last ? last : "", err ? ": " : "", NULL);
        }
        ap_rvputs(r, err ? "<span class=\"error\">" : "", err ? err : "", err ? "</span>" : "",
                  "</p>\n", NULL);
    }
    if (json_is_string(json_object_get(src, "proxy"))) {
        ap_rvputs(r, "<p class=\"sub\">through proxy <code>", esc(r, src, "proxy"), "</code></p>\n",
                  NULL);
    }
    key_table(r, keys);
    ap_rputs("</section>\n", r);
}

void auth0_jwt_status_html_sources(request_rec *r, const json_t *sources)
{
    size_t i;
    json_t *src;

    ap_rputs("<h2 id=\"sources\">Key sources</h2>\n", r);
    json_array_foreach(sources, i, src)
    {
        source_section(r, src, i + 1);
    }
    if (json_array_size(sources) == 0) {
        ap_rputs("<p class=\"sub\">No key source: no scope says <code>AuthType Auth0</code> "
                 "with a JWKS URL or file.</p>\n",
                 r);
    }
}
