/*
 * aj_token.c: one token, start to finish.
 */
#include <string.h>
#include <strings.h>

#include "aj_token.h"

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int b64token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

aj_reason_e aj_bearer_parse(const char **token, apr_size_t *len, const char *value)
{
    const char *s = value, *start;

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
    if (strncasecmp(s, "Bearer", 6) != 0 || (s[6] != '\0' && !is_ws(s[6]))) {
        return AJ_R_NO_TOKEN; /* another scheme: not ours to judge */
    }
    s += 6;
    if (*s == '\t') {
        return AJ_R_HEADER_SYNTAX; /* RFC 6750: the separator is SP */
    }
    while (*s == ' ') {
        s++;
    }
    if (*s == '\0' || is_ws(*s)) {
        return *s == '\0' ? AJ_R_NO_TOKEN : AJ_R_HEADER_SYNTAX;
    }
    start = s;
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

aj_reason_e aj_token_verify_signature_ex(aj_token_t *tok, apr_pool_t *p, const char *token,
                                         apr_size_t len, unsigned int algs, const aj_jwks_t *set,
                                         const aj_jwks_t *secrets)
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
    if (r == AJ_OK) {
        r = aj_jws_payload(&tok->payload, &tok->payload_json, &tok->payload_len, p, &tok->jws);
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
    return r == AJ_OK ? aj_claims_check(tok->payload, policy, now) : r;
}
