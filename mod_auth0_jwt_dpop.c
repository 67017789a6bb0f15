/*
 * mod_auth0_jwt_dpop.c: the DPoP proof of a request (RFC 9449): one DPoP
 * header, checked by src/aj_dpop.c against this request's method and URI, the
 * access token (ath), the token's key binding (cnf.jkt), and, last, the replay
 * store, so that a proof refused for another reason is not spent.
 */
#include <string.h>

#include "mod_auth0_jwt_private.h"

#include <http_core.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include <openssl/evp.h>

#include "aj_dpop.h"
#include "mod_auth0_jwt_dpop.h"
#include "mod_auth0_jwt_replay.h"
#include "mod_auth0_jwt_request.h"

typedef struct {
    const char *first;
    int count;
} proofs_t;

static int count_proof(void *data, const char *key, const char *value)
{
    proofs_t *proofs = data;

    if (proofs->count++ == 0) {
        proofs->first = value;
    }
    return 1;
}

/* The request as it came from the client: not a subrequest, not an internal
 * redirect, nor any mix of the two. */
static request_rec *initial_request(request_rec *r)
{
    while (r->prev || r->main) {
        r = r->prev ? r->prev : r->main;
    }
    return r;
}

/*
 * The URI the client meant, by this server's own name: Auth0DPoPURL's origin
 * when set (behind a proxy that ends TLS), else this virtual host's scheme,
 * ServerName and port. Never the Host header or an absolute-form request
 * target (a client names any host there, so a proof made for another server
 * would pass). The path is the request's as it came in.
 */
static const char *request_htu(request_rec *r, const auth0_jwt_dir_conf *c)
{
    const char *path, *scheme, *origin;
    apr_port_t port;

    r = initial_request(r);
    path = r->parsed_uri.path ? r->parsed_uri.path : "/";
    if (c->dpop_url) {
        origin = c->dpop_url;
    } else {
        scheme = ap_http_scheme(r);
        port = r->server->port ? r->server->port
                               : (r->connection->local_addr ? r->connection->local_addr->port : 0);
        origin = apr_psprintf(r->pool, "%s://%s:%u", scheme,
                              strchr(r->server->server_hostname, ':')
                                  ? apr_pstrcat(r->pool, "[", r->server->server_hostname, "]",
                                                NULL)
                                  : r->server->server_hostname,
                              (unsigned)port);
    }
    return aj_dpop_htu(r->pool, apr_pstrcat(r->pool, origin, path, NULL));
}

static const char *request_method(request_rec *r)
{
    return initial_request(r)->method;
}

aj_reason_e auth0_jwt_dpop_check(request_rec *r, const auth0_jwt_dir_conf *c, aj_token_t *tok,
                                 const char *token, apr_size_t len, const char *jkt)
{
    proofs_t proofs = {NULL, 0};
    aj_dpop_check_t check;
    aj_dpop_proof_t proof;
    unsigned char id[EVP_MAX_MD_SIZE];
    unsigned int idlen = 0;
    EVP_MD_CTX *md;
    auth0_jwt_req *ist;
    aj_reason_e rv;
    int first, ok;

    apr_table_do(count_proof, &proofs, r->headers_in, "DPoP", NULL);
    if (proofs.count == 0) {
        return AJ_R_DPOP_MISSING;
    }
    if (proofs.count > 1 || strchr(proofs.first, ',')) {
        return AJ_R_DPOP_MULTIPLE; /* two fields, or two values folded into one */
    }
    check.algs = auth0_jwt_dpop_algs(c);
    check.method = request_method(r);
    check.htu = request_htu(r, c);
    if (tok->ath == NULL) { /* from the cache, a token's ath costs no hash */
        tok->ath = aj_dpop_ath(r->pool, token, len);
    }
    check.token = token;
    check.token_len = len;
    check.ath = tok->ath;
    check.now = (double)apr_time_now() / APR_USEC_PER_SEC;
    check.lifetime = auth0_jwt_dpop_lifetime(c);
    check.skew = auth0_jwt_skew(c);
    rv = aj_dpop_verify(&proof, r->pool, proofs.first, strlen(proofs.first), &check);
    if (rv != AJ_OK) {
        return rv;
    }
    if (jkt == NULL || !aj_thumbprint_equals(r->pool, jkt, proof.jkt)) {
        return AJ_R_DPOP_BINDING;
    }
    if (!auth0_jwt_dpop_replay(c)) {
        return AJ_OK;
    }
    /* the proof's identity: its key and its jti */
    md = EVP_MD_CTX_new();
    ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
         EVP_DigestUpdate(md, proof.jkt, sizeof(proof.jkt)) &&
         EVP_DigestUpdate(md, proof.jti, strlen(proof.jti)) &&
         EVP_DigestFinal_ex(md, id, &idlen) && idlen == 32;
    EVP_MD_CTX_free(md);
    if (!ok) {
        return AJ_R_DPOP_STORE; /* cannot record it: not taken */
    }
    /* the same proof met again in the chain of one client request (an
     * ErrorDocument, a rewrite into another scope) is that request's, not a
     * replay */
    ist = auth0_jwt_req_get(initial_request(r));
    if (ist->dpop_spent && memcmp(ist->dpop_spent, id, 32) == 0) {
        return AJ_OK;
    }
    first = auth0_jwt_replay_first(r, id, proof.iat, check.lifetime, check.skew);
    if (first == 1 &&
        (double)apr_time_now() / APR_USEC_PER_SEC > proof.iat + check.lifetime + check.skew) {
        /* the proof's window closed while it was being checked and recorded:
         * by then another process may have let an earlier use of it go */
        return AJ_R_DPOP_IAT;
    }
    if (first == 1) {
        ist->dpop_spent = apr_pmemdup(initial_request(r)->pool, id, 32);
        return AJ_OK;
    }
    return first == 0 ? AJ_R_DPOP_REPLAY : AJ_R_DPOP_STORE;
}
