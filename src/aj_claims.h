/*
 * aj_claims.h: registered-claim rules (docs/validation.md, "7. Claims") and the matching
 * helpers behind `Require auth0-scope`, `auth0-permission` and `auth0-claim`.
 *
 * These run on every request, cached token or not, so they only read the
 * already-parsed payload and never allocate.
 */
#ifndef AJ_CLAIMS_H
#define AJ_CLAIMS_H

#include <apr_tables.h>
#include <jansson.h>

#include "aj_reason.h"

/* NumericDates past 9999-12-31T23:59:59Z (or negative) are refused as malformed. */
#define AJ_NUMERIC_DATE_MAX 253402300799.0

typedef struct {
    const char *issuer;                  /* exact iss; NULL: not checked */
    const apr_array_header_t *audiences; /* const char *; NULL or empty: not checked */
    int skew;                            /* seconds of leeway for exp, nbf, iat */
} aj_claims_policy_t;

/*
 * The claims a request reads, each looked up once in the payload (NULL when
 * absent): parse once, look up on the request path. The pointers live as long
 * as the payload they came from; a cache entry keeps its view with its payload.
 */
typedef struct {
    const json_t *exp, *nbf, *iat, *iss, *aud, *sub, *scope, *permissions, *cnf;
} aj_claims_view_t;

void aj_claims_view(aj_claims_view_t *v, const json_t *payload);

/*
 * A view read straight from a payload's JSON text, with no object built: 1
 * with each claim the view keeps as a value of its own (a reference the
 * caller owns: aj_claims_view_release), when the text meets the fast
 * reader's rules (aj_json_fast_pick: every rule a token's payload meets,
 * in a common form); 0 with nothing held when the text must go to the full
 * reader instead (aj_json_parse_object), which then decides.
 */
int aj_claims_view_text(aj_claims_view_t *v, const char *text, size_t len);

/* A reference of its own to each value of v (json_incref); and letting them
 * go again, which leaves v empty. */
void aj_claims_view_hold(const aj_claims_view_t *v);
void aj_claims_view_release(aj_claims_view_t *v);

/* The claim name from v, when v keeps that claim (*kept 1: the value, or
 * NULL when the payload has none); else *kept 0 and NULL, and the caller
 * must read the payload. */
const json_t *aj_claims_view_get(const aj_claims_view_t *v, const char *name, int *kept);

/* exp, nbf, iat, iss and aud of payload at time now (seconds since the epoch). */
aj_reason_e aj_claims_check(const json_t *payload, const aj_claims_policy_t *policy, double now);

/* The same checks, on a view made by aj_claims_view(). */
aj_reason_e aj_claims_check_view(const aj_claims_view_t *v, const aj_claims_policy_t *policy,
                                 double now);

/*
 * Whether claim holds value as a whole token: a space-delimited string
 * (RFC 6749 3.3 scope syntax) or an array of strings. Exact, case-sensitive.
 */
int aj_claim_has_token(const json_t *claim, const char *value);

/* Whether every value (const char *) is a token of claim, as above. */
int aj_claim_has_all(const json_t *claim, const apr_array_header_t *values);

/*
 * Whether claim equals one of values, or is an array holding one of them.
 * Strings compare exactly; integers, true/false and null compare with their
 * JSON text ("42", "true").
 */
int aj_claim_equals_any(const json_t *claim, const apr_array_header_t *values);

#endif
