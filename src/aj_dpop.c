/*
 * aj_dpop.c: DPoP proofs (RFC 9449 section 4.3) and confirmation claims.
 *
 * A proof is read in the same order as an access token, least trusting first:
 * its header (typ, alg), the key it carries (public, fitting alg), the
 * signature, and only then its claims.
 */
#include <math.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aj_b64.h"
#include "aj_dpop.h"
#include "aj_proof_memo.h"

/* JWK members that only a private (or symmetric) key has: a proof carrying
 * one is refused rather than trusted with a secret it should never send. */
static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL};

static aj_reason_e proof_key(const aj_key_t **out, apr_pool_t *p, const aj_jws_t *jws)
{
    const json_t *jwk = json_object_get(jws->header, "jwk");
    const char *why;
    const aj_key_t *key;

    if (!json_is_object(jwk)) {
        return AJ_R_DPOP_JWK;
    }
    for (int i = 0; private_members[i]; i++) {
        if (json_object_get(jwk, private_members[i])) {
            return AJ_R_DPOP_JWK;
        }
    }
    key = aj_jwk_parse(p, jwk, &why);
    if (key == NULL || key->kty == AJ_KTY_OCT || key->unusable != AJ_OK ||
        aj_key_fits(key, jws->alg) != AJ_OK) {
        return AJ_R_DPOP_JWK;
    }
    *out = key;
    return AJ_OK;
}

/* The reason of a proof whose compact form or header failed aj_jws_parse. */
static aj_reason_e header_reason(aj_reason_e r)
{
    switch (r) {
    case AJ_R_TYP_INVALID:
        return AJ_R_DPOP_TYP;
    case AJ_R_ALG_MISSING:
    case AJ_R_ALG_NONE:
    case AJ_R_ALG_NOT_ALLOWED:
        return AJ_R_DPOP_ALG;
    default:
        return AJ_R_DPOP_MALFORMED;
    }
}

static aj_reason_e check_claims(aj_dpop_proof_t *proof, apr_pool_t *p, const json_t *claims,
                                const aj_dpop_check_t *check)
{
    const json_t *jti = json_object_get(claims, "jti"), *htm = json_object_get(claims, "htm"),
                 *htu = json_object_get(claims, "htu"), *iat = json_object_get(claims, "iat"),
                 *ath = json_object_get(claims, "ath");
    const char *want_ath, *norm;
    double t;

    if (!json_is_string(jti) || json_string_length(jti) == 0 ||
        json_string_length(jti) > AJ_DPOP_JTI_MAX) {
        return AJ_R_DPOP_JTI;
    }
    if (!json_is_string(htm) || strcmp(json_string_value(htm), check->method) != 0) {
        return AJ_R_DPOP_HTM;
    }
    /* a client that sends the normal form (most do) spares the normalizing:
     * check->htu is normal already, and normalizing is idempotent */
    if (!json_is_string(htu) || check->htu == NULL ||
        (strcmp(json_string_value(htu), check->htu) != 0 &&
         ((norm = aj_dpop_htu(p, json_string_value(htu))) == NULL ||
          strcmp(norm, check->htu) != 0))) {
        return AJ_R_DPOP_HTU;
    }
    if (!json_is_number(iat) || !isfinite(t = json_number_value(iat)) ||
        t < check->now - check->lifetime - check->skew || t > check->now + check->skew) {
        return AJ_R_DPOP_IAT;
    }
    if (check->token || check->ath) {
        want_ath = check->ath ? check->ath : aj_dpop_ath(p, check->token, check->token_len);
        if (!json_is_string(ath) || want_ath == NULL ||
            json_string_length(ath) != strlen(want_ath) ||
            CRYPTO_memcmp(json_string_value(ath), want_ath, strlen(want_ath)) != 0) {
            return AJ_R_DPOP_ATH;
        }
    }
    proof->jti = json_string_value(jti);
    proof->iat = t;
    return AJ_OK;
}

/*
 * The proof's header and key: from the memo when this very header text passed
 * before (then only the scope's algorithms are checked again), else read and
 * checked in full. *fresh says the key was read here (the memo may take it
 * once the signature holds).
 */
static aj_reason_e proof_head(aj_jws_t *jws, const aj_key_t **key, int *fresh, apr_pool_t *p,
                              const char *text, apr_size_t len, unsigned int algs)
{
    const char *dot = memchr(text, '.', len);
    aj_proof_seen_t seen;
    aj_reason_e r;

    *fresh = 0;
    if (dot && aj_proof_memo_get(&seen, p, text, (apr_size_t)(dot - text))) {
        if ((r = aj_jws_parse_known(jws, p, text, len, seen.alg)) != AJ_OK) {
            return header_reason(r);
        }
        if (!(algs & AJ_ALG_BIT(seen.alg->id))) {
            return AJ_R_DPOP_ALG; /* remembered from a scope that allows it; this one does not */
        }
        *key = seen.key;
        return AJ_OK;
    }
    if ((r = aj_jws_parse_typ(jws, p, text, len, algs, "dpop+jwt")) != AJ_OK) {
        return header_reason(r);
    }
    *fresh = 1;
    return proof_key(key, p, jws);
}

aj_reason_e aj_dpop_verify(aj_dpop_proof_t *proof, apr_pool_t *p, const char *text,
                           apr_size_t len, const aj_dpop_check_t *check)
{
    aj_jws_t jws;
    aj_proof_seen_t seen;
    json_t *claims;
    const char *json;
    apr_size_t json_len;
    aj_reason_e r;
    int fresh;

    memset(proof, 0, sizeof(*proof));
    if ((r = proof_head(&jws, &proof->key, &fresh, p, text, len, check->algs)) != AJ_OK) {
        return r;
    }
    if (aj_jws_verify(&jws, proof->key) != AJ_OK) {
        return AJ_R_DPOP_SIGNATURE;
    }
    if (aj_jws_payload(&claims, &json, &json_len, p, &jws) != AJ_OK) {
        return AJ_R_DPOP_MALFORMED;
    }
    if ((r = check_claims(proof, p, claims, check)) != AJ_OK) {
        return r;
    }
    if (fresh) { /* a proof that passed: the next ones of its key skip the reading */
        seen.key = proof->key;
        aj_proof_memo_put(&seen, p, text, (apr_size_t)((const char *)memchr(text, '.', len) - text),
                          jws.alg, proof->key);
        proof->key = seen.key;
    }
    memcpy(proof->jkt, proof->key->thumbprint, sizeof(proof->jkt));
    return AJ_OK;
}

char *aj_dpop_ath(apr_pool_t *p, const char *token, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(token, len, md, &n, EVP_sha256(), NULL) || n != 32) {
        return NULL;
    }
    return aj_b64url_encode(p, md, n);
}

int aj_thumbprint_equals(apr_pool_t *p, const char *b64, const unsigned char digest[32])
{
    const char *mine = aj_b64url_encode(p, digest, 32);

    return b64 && mine && strlen(b64) == strlen(mine) &&
           CRYPTO_memcmp(b64, mine, strlen(mine)) == 0;
}

aj_reason_e aj_token_cnf(const json_t *payload, const char **jkt, const char **x5t)
{
    return aj_token_cnf_claim(json_object_get(payload, "cnf"), jkt, x5t);
}

aj_reason_e aj_token_cnf_claim(const json_t *cnf, const char **jkt, const char **x5t)
{
    const json_t *j, *x;

    *jkt = *x5t = NULL;
    if (cnf == NULL) {
        return AJ_OK;
    }
    if (!json_is_object(cnf)) {
        return AJ_R_DPOP_BINDING;
    }
    j = json_object_get(cnf, "jkt");
    x = json_object_get(cnf, "x5t#S256");
    if (j && !json_is_string(j)) {
        return AJ_R_DPOP_BINDING;
    }
    if (x && !json_is_string(x)) {
        return AJ_R_CERT_BINDING;
    }
    *jkt = json_string_value(j);
    *x5t = json_string_value(x);
    return AJ_OK;
}

/* ---- htu normalization (RFC 3986 sections 5.2.4, 6.2.2, 6.2.3) --------------- */

static void lower(char *s)
{
    for (; *s; s++) {
        *s = (char)apr_tolower((unsigned char)*s);
    }
}

static int unreserved(int c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hexval(int c)
{
    return apr_isdigit(c) ? c - '0' : apr_isxdigit(c) ? apr_tolower(c) - 'a' + 10 : -1;
}

/* The path with percent-encodings normalized; NULL on a broken escape. */
static char *norm_escapes(apr_pool_t *p, const char *in, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1), *o = out;

    for (apr_size_t i = 0; i < len; i++) {
        if (in[i] != '%') {
            *o++ = in[i];
            continue;
        }
        if (i + 2 >= len) {
            return NULL; /* a '%' without two characters after it */
        }
        int hi = hexval((unsigned char)in[i + 1]), lo = hexval((unsigned char)in[i + 2]);
        if (hi < 0 || lo < 0) {
            return NULL;
        }
        int c = hi * 16 + lo;
        if (unreserved(c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = (char)apr_toupper(in[i + 1]);
            *o++ = (char)apr_toupper(in[i + 2]);
        }
        i += 2;
    }
    *o = '\0';
    return out;
}

/* RFC 3986 5.2.4: remove "." and ".." segments. */
static char *remove_dots(apr_pool_t *p, const char *in)
{
    apr_size_t n = strlen(in);
    char *out = apr_palloc(p, n + 2);
    apr_size_t o = 0;

    while (*in) {
        if (strncmp(in, "../", 3) == 0) {
            in += 3;
        } else if (strncmp(in, "./", 2) == 0) {
            in += 2;
        } else if (strncmp(in, "/./", 3) == 0) {
            in += 2;
        } else if (strcmp(in, "/.") == 0) {
            in = "/";
        } else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
            in = in[3] ? in + 3 : "/";
            while (o > 0 && out[--o] != '/') {
            }
        } else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
            break;
        } else {
            do {
                out[o++] = *in++;
            } while (*in && *in != '/');
        }
    }
    out[o] = '\0';
    return out;
}

char *aj_dpop_htu(apr_pool_t *p, const char *uri)
{
    const char *s = uri, *auth, *auth_end, *path_end, *colon;
    char *scheme, *host, *path;
    const char *port = NULL, *dflt;
    apr_size_t slen;

    if (uri == NULL) {
        return NULL;
    }
    for (slen = 0; apr_isalpha(s[slen]) || (slen && (apr_isdigit(s[slen]) || s[slen] == '+' ||
                                                      s[slen] == '-' || s[slen] == '.'));
         slen++) {
    }
    if (slen == 0 || strncmp(s + slen, "://", 3) != 0) {
        return NULL;
    }
    scheme = apr_pstrmemdup(p, s, slen);
    lower(scheme);
    if (strcmp(scheme, "https") == 0) {
        dflt = "443";
    } else if (strcmp(scheme, "http") == 0) {
        dflt = "80";
    } else {
        return NULL;
    }
    auth = s + slen + 3;
    auth_end = auth + strcspn(auth, "/?#");
    if (auth_end == auth || memchr(auth, '@', (apr_size_t)(auth_end - auth))) {
        return NULL; /* no host, or user information */
    }
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (apr_size_t)(auth_end - auth));
        if (close == NULL) {
            return NULL;
        }
        colon = close + 1 < auth_end && close[1] == ':' ? close + 1 : NULL;
        if (close + 1 < auth_end && colon == NULL) {
            return NULL;
        }
    } else {
        colon = memchr(auth, ':', (apr_size_t)(auth_end - auth));
    }
    host = apr_pstrmemdup(p, auth, (apr_size_t)((colon ? colon : auth_end) - auth));
    if (*host == '\0') {
        return NULL;
    }
    lower(host);
    if (colon) {
        port = apr_pstrmemdup(p, colon + 1, (apr_size_t)(auth_end - colon - 1));
        for (const char *d = port; *d; d++) {
            if (!apr_isdigit(*d)) {
                return NULL;
            }
        }
        while (*port == '0' && port[1]) {
            port++; /* 0443 is 443 */
        }
        if (*port == '\0' || strcmp(port, dflt) == 0) {
            port = NULL;
        }
    }
    path_end = auth_end + strcspn(auth_end, "?#");
    path = norm_escapes(p, auth_end, (apr_size_t)(path_end - auth_end));
    if (path == NULL) {
        return NULL;
    }
    path = *path ? remove_dots(p, path) : "/";
    if (*path == '\0') {
        path = "/";
    }
    return apr_pstrcat(p, scheme, "://", host, port ? ":" : "", port ? port : "", path, NULL);
}
