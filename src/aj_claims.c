/*
 * aj_claims.c: claim checks and matching.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aj_claims.h"
#include "aj_json.h"

/* A NumericDate (RFC 7519 2): a JSON number, finite, 0 .. year 9999. */
static int numeric_date(const json_t *v, double *out)
{
    if (!json_is_number(v)) {
        return 0;
    }
    *out = json_number_value(v);
    return isfinite(*out) && *out >= 0 && *out <= AJ_NUMERIC_DATE_MAX;
}

/* The view's slot for a member named key (len bytes), or NULL for a claim it
 * does not keep. Lengths count: a member "exp\u0000x" is not exp. Most
 * members have three letters, so those are told apart by their bytes. */
static const json_t **view_slot(aj_claims_view_t *v, const char *key, size_t len)
{
    if (len == 3) {
        unsigned w = (unsigned char)key[0] << 16 | (unsigned char)key[1] << 8 | (unsigned char)key[2];
        switch (w) {
        case 'e' << 16 | 'x' << 8 | 'p':
            return &v->exp;
        case 'n' << 16 | 'b' << 8 | 'f':
            return &v->nbf;
        case 'i' << 16 | 'a' << 8 | 't':
            return &v->iat;
        case 'i' << 16 | 's' << 8 | 's':
            return &v->iss;
        case 'a' << 16 | 'u' << 8 | 'd':
            return &v->aud;
        case 's' << 16 | 'u' << 8 | 'b':
            return &v->sub;
        case 'c' << 16 | 'n' << 8 | 'f':
            return &v->cnf;
        default:
            return NULL;
        }
    }
    if (len == 5 && memcmp(key, "scope", 5) == 0) {
        return &v->scope;
    }
    if (len == 11 && memcmp(key, "permissions", 11) == 0) {
        return &v->permissions;
    }
    return NULL;
}

const json_t *aj_claims_view_get(const aj_claims_view_t *v, const char *name, int *kept)
{
    const json_t **slot = view_slot((aj_claims_view_t *)v, name, strlen(name));

    *kept = slot != NULL;
    return slot ? *slot : NULL;
}

static json_t **pick_view(void *ctx, const char *key, size_t len)
{
    return (json_t **)view_slot(ctx, key, len);
}

int aj_claims_view_text(aj_claims_view_t *v, const char *text, size_t len)
{
    memset(v, 0, sizeof(*v));
    if (aj_json_fast_pick(text, len, pick_view, v)) {
        return 1;
    }
    aj_claims_view_release(v);
    return 0;
}

/* Every value v keeps, into all (VIEW_VALUES of them, NULL where none). */
#define VIEW_VALUES 9
_Static_assert(sizeof(aj_claims_view_t) == VIEW_VALUES * sizeof(json_t *),
               "view_values lists every member of aj_claims_view_t");
static void view_values(const aj_claims_view_t *v, json_t *all[VIEW_VALUES])
{
    const json_t *each[VIEW_VALUES] = {v->exp, v->nbf,   v->iat,         v->iss, v->aud,
                                       v->sub, v->scope, v->permissions, v->cnf};

    memcpy(all, each, sizeof(each));
}

void aj_claims_view_hold(const aj_claims_view_t *v)
{
    json_t *all[VIEW_VALUES];

    view_values(v, all);
    for (size_t i = 0; i < VIEW_VALUES; i++) {
        json_incref(all[i]);
    }
}

void aj_claims_view_release(aj_claims_view_t *v)
{
    json_t *all[VIEW_VALUES];

    view_values(v, all);
    for (size_t i = 0; i < VIEW_VALUES; i++) {
        json_decref(all[i]);
    }
    memset(v, 0, sizeof(*v));
}

/* One walk over the payload's members rather than a hash lookup per claim:
 * a payload holds few members, most of them claims the view keeps. (A
 * payload never has a member twice: the JSON rules refuse it.) */
void aj_claims_view(aj_claims_view_t *v, const json_t *payload)
{
    void *it;

    memset(v, 0, sizeof(*v));
    for (it = json_object_iter((json_t *)payload); it;
         it = json_object_iter_next((json_t *)payload, it)) {
        const json_t **slot =
            view_slot(v, json_object_iter_key(it), json_object_iter_key_len(it));
        if (slot) {
            *slot = json_object_iter_value(it);
        }
    }
}

static aj_reason_e check_times(const aj_claims_view_t *v, int skew, double now)
{
    const json_t *exp = v->exp, *nbf = v->nbf, *iat = v->iat;
    double t;

    if (exp == NULL) {
        return AJ_R_EXP_MISSING;
    }
    if (!numeric_date(exp, &t)) {
        return AJ_R_EXP_INVALID;
    }
    if (!(now < t + skew)) {
        return AJ_R_EXPIRED;
    }
    if (nbf) {
        if (!numeric_date(nbf, &t)) {
            return AJ_R_NBF_INVALID;
        }
        if (now < t - skew) {
            return AJ_R_NOT_YET_VALID;
        }
    }
    if (iat) {
        if (!numeric_date(iat, &t)) {
            return AJ_R_IAT_INVALID;
        }
        if (t > now + skew) {
            return AJ_R_IAT_FUTURE;
        }
    }
    return AJ_OK;
}

static int audience_allowed(const char *aud, const apr_array_header_t *audiences)
{
    for (int i = 0; i < audiences->nelts; i++) {
        if (strcmp(aud, APR_ARRAY_IDX(audiences, i, const char *)) == 0) {
            return 1;
        }
    }
    return 0;
}

static aj_reason_e check_audience(const json_t *aud, const apr_array_header_t *audiences)
{
    size_t i;
    int match = 0;

    if (aud == NULL) {
        return AJ_R_AUD_MISSING;
    }
    if (json_is_string(aud)) {
        return audience_allowed(json_string_value(aud), audiences) ? AJ_OK : AJ_R_AUD_MISMATCH;
    }
    if (!json_is_array(aud) || json_array_size(aud) == 0) {
        return AJ_R_AUD_INVALID;
    }
    for (i = 0; i < json_array_size(aud); i++) {
        const char *a = json_string_value(json_array_get(aud, i));
        if (a == NULL) {
            return AJ_R_AUD_INVALID;
        }
        match |= audience_allowed(a, audiences);
    }
    return match ? AJ_OK : AJ_R_AUD_MISMATCH;
}

aj_reason_e aj_claims_check(const json_t *payload, const aj_claims_policy_t *policy, double now)
{
    aj_claims_view_t v;

    aj_claims_view(&v, payload);
    return aj_claims_check_view(&v, policy, now);
}

aj_reason_e aj_claims_check_view(const aj_claims_view_t *v, const aj_claims_policy_t *policy,
                                 double now)
{
    aj_reason_e r = check_times(v, policy->skew, now);
    const json_t *iss = v->iss;

    if (r != AJ_OK) {
        return r;
    }
    if (policy->issuer) {
        if (iss == NULL) {
            return AJ_R_ISS_MISSING;
        }
        if (!json_is_string(iss) || strcmp(json_string_value(iss), policy->issuer) != 0) {
            return AJ_R_ISS_MISMATCH;
        }
    }
    if (policy->audiences && policy->audiences->nelts > 0) {
        return check_audience(v->aud, policy->audiences);
    }
    return AJ_OK;
}

/* Whether value appears in the space-delimited list s as a whole word. */
static int has_word(const char *s, const char *value)
{
    size_t vlen = strlen(value);

    if (vlen == 0) {
        return 0;
    }
    while (*s) {
        const char *end;
        while (*s == ' ') {
            s++;
        }
        end = s;
        while (*end && *end != ' ') {
            end++;
        }
        if ((size_t)(end - s) == vlen && memcmp(s, value, vlen) == 0) {
            return 1;
        }
        s = end;
    }
    return 0;
}

int aj_claim_has_token(const json_t *claim, const char *value)
{
    size_t i;

    if (json_is_string(claim)) {
        return has_word(json_string_value(claim), value);
    }
    for (i = 0; json_is_array(claim) && i < json_array_size(claim); i++) {
        const char *s = json_string_value(json_array_get(claim, i));
        if (s && strcmp(s, value) == 0) {
            return 1;
        }
    }
    return 0;
}

int aj_claim_has_all(const json_t *claim, const apr_array_header_t *values)
{
    for (int i = 0; i < values->nelts; i++) {
        if (!aj_claim_has_token(claim, APR_ARRAY_IDX(values, i, const char *))) {
            return 0;
        }
    }
    return claim != NULL;
}

/* Whether the scalar v equals value: strings exactly, integers/booleans/null by JSON text. */
static int scalar_equals(const json_t *v, const char *value)
{
    char buf[32];

    switch (json_typeof(v)) {
    case JSON_STRING:
        return strcmp(json_string_value(v), value) == 0;
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strcmp(buf, value) == 0;
    case JSON_TRUE:
        return strcmp(value, "true") == 0;
    case JSON_FALSE:
        return strcmp(value, "false") == 0;
    case JSON_NULL:
        return strcmp(value, "null") == 0;
    default:
        return 0;
    }
}

int aj_claim_equals_any(const json_t *claim, const apr_array_header_t *values)
{
    size_t j;

    if (claim == NULL) {
        return 0;
    }
    for (int i = 0; i < values->nelts; i++) {
        const char *value = APR_ARRAY_IDX(values, i, const char *);
        if (json_is_array(claim)) {
            for (j = 0; j < json_array_size(claim); j++) {
                if (scalar_equals(json_array_get(claim, j), value)) {
                    return 1;
                }
            }
        } else if (scalar_equals(claim, value)) {
            return 1;
        }
    }
    return 0;
}
