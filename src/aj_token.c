/*
 * aj_token.c: one token, start to finish.
 */
#include <string.h>
#include <strings.h>

#include "aj_token.h"
#include "aj_json.h"

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
/* clang-format off */
static const unsigned char b64token_chars[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['+'] = 1, ['/'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};
/* clang-format on */

static int b64token_char(unsigned char c)
{
    return b64token_chars[c];
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

aj_reason_e aj_bearer_parse(const char **token, apr_size_t *len, const char *value)
{
    return aj_scheme_parse(token, len, value, "Bearer");
}

/*
 * The part of the rules before the token: leading whitespace, the scheme in
 * any case, then exactly spaces. AJ_OK with *start at the token's first byte;
 * *token and *len start out empty, as every caller returns them.
 */
static aj_reason_e scheme_prefix(const char **token, apr_size_t *len, const char **start,
                                 const char *value, const char *scheme)
{
    const char *s = value;
    apr_size_t n = strlen(scheme);

    *token = NULL;
    *len = 0;
    if (value == NULL) {
        return AJ_R_NO_TOKEN;
    }
    while (is_ws(*s)) {
        s++;
    }
    if (*s == '\0') {
        return AJ_R_NO_TOKEN;
    }
    if (strncasecmp(s, scheme, n) != 0 || (s[n] != '\0' && !is_ws(s[n]))) {
        return AJ_R_NO_TOKEN; /* another scheme: not ours to judge */
    }
    s += n;
    if (*s == '\t') {
        return AJ_R_HEADER_SYNTAX; /* RFC 6750: the separator is SP */
    }
    while (*s == ' ') {
        s++;
    }
    if (*s == '\0' || is_ws(*s)) {
        return *s == '\0' ? AJ_R_NO_TOKEN : AJ_R_HEADER_SYNTAX;
    }
    *start = s;
    return AJ_OK;
}

aj_reason_e aj_scheme_parse(const char **token, apr_size_t *len, const char *value,
                            const char *scheme)
{
    const char *s, *start = NULL;
    aj_reason_e rv = scheme_prefix(token, len, &start, value, scheme);

    if (rv != AJ_OK) {
        return rv;
    }
    s = start;
    while (b64token_char((unsigned char)*s)) {
        s++;
    }
    if (s == start) {
        return AJ_R_HEADER_SYNTAX; /* "=" padding needs a token before it */
    }
    while (*s == '=') {
        s++;
    }
    *len = (apr_size_t)(s - start);
    while (is_ws(*s)) {
        s++;
    }
    if (*s != '\0' || *len == 0) {
        *len = 0;
        return AJ_R_HEADER_SYNTAX;
    }
    *token = start;
    return AJ_OK;
}

aj_reason_e aj_scheme_locate(const char **token, apr_size_t *len, const char *value,
                             const char *scheme)
{
    const char *end, *start = NULL;
    aj_reason_e rv = scheme_prefix(token, len, &start, value, scheme);

    if (rv != AJ_OK) {
        return rv;
    }
    end = start + strlen(start);
    while (end > start && is_ws(end[-1])) {
        end--;
    }
    *token = start; /* never empty: the prefix stops at a byte that is not whitespace */
    *len = (apr_size_t)(end - start);
    return AJ_OK;
}

aj_reason_e aj_token_verify_jws(aj_token_t *tok, apr_pool_t *p, const char *token, apr_size_t len,
                                unsigned int algs, const aj_jwks_t *set, const aj_jwks_t *secrets)
{
    aj_reason_e r;

    memset(tok, 0, sizeof(*tok));
    r = aj_jws_parse(&tok->jws, p, token, len, algs);
    if (r == AJ_OK) {
        if (secrets && tok->jws.alg->kty == AJ_KTY_OCT) {
            set = secrets;
        }
        r = aj_jwks_select(&tok->key, set, tok->jws.alg, tok->jws.kid);
    }
    if (r == AJ_OK) {
        r = aj_jws_verify(&tok->jws, tok->key);
    }
    return r;
}

aj_reason_e aj_token_verify_signature_ex(aj_token_t *tok, apr_pool_t *p, const char *token,
                                         apr_size_t len, unsigned int algs, const aj_jwks_t *set,
                                         const aj_jwks_t *secrets)
{
    aj_reason_e r = aj_token_verify_jws(tok, p, token, len, algs, set, secrets);

    if (r == AJ_OK) {
        r = aj_jws_payload(&tok->payload, &tok->payload_json, &tok->payload_len, p, &tok->jws);
    }
    if (r == AJ_OK) {
        aj_claims_view(&tok->view, tok->payload);
    }
    return r;
}

aj_reason_e aj_token_verify_signature(aj_token_t *tok, apr_pool_t *p, const char *token,
                                      apr_size_t len, unsigned int algs, const aj_jwks_t *set)
{
    return aj_token_verify_signature_ex(tok, p, token, len, algs, set, NULL);
}

aj_reason_e aj_token_verify(aj_token_t *tok, apr_pool_t *p, const char *token, apr_size_t len,
                            unsigned int algs, const aj_jwks_t *set,
                            const aj_claims_policy_t *policy, double now)
{
    aj_reason_e r = aj_token_verify_signature(tok, p, token, len, algs, set);
    return r == AJ_OK ? aj_claims_check_view(&tok->view, policy, now) : r;
}

/* The payload of a token from a cache, parsed from tok->claims (which met
 * every rule when it was cached) and kept: in the memo when there is one,
 * where the first of several parsing threads wins and the others let theirs
 * go, else in p. NULL when it cannot be read. */
static json_t *payload_parsed(aj_token_t *tok, apr_pool_t *p)
{
    json_t *parsed, *memo, *expected = NULL;

    if (tok->payload_memo && (memo = __atomic_load_n(tok->payload_memo, __ATOMIC_ACQUIRE))) {
        return memo;
    }
    if (tok->claims == NULL ||
        aj_json_parse_object(&parsed, NULL, tok->claims, strlen(tok->claims)) != AJ_JSON_OK) {
        return NULL;
    }
    if (tok->payload_memo == NULL) {
        return aj_json_pool_own(p, parsed);
    }
    if (__atomic_compare_exchange_n(tok->payload_memo, &expected, parsed, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        return parsed; /* the entry's now: freed with it */
    }
    json_decref(parsed); /* another request parsed it first */
    return expected;
}

int aj_token_claim(aj_token_t *tok, const char *name, apr_pool_t *p, const json_t **out)
{
    int kept;
    const json_t *v = aj_claims_view_get(&tok->view, name, &kept);

    *out = NULL;
    if (kept) {
        *out = v;
        return 1;
    }
    if (tok->payload == NULL && (tok->payload = payload_parsed(tok, p)) == NULL) {
        return 0;
    }
    *out = json_object_get(tok->payload, name);
    return 1;
}
