/*
 * aj_fetch.h: fetch one document over HTTPS, for the JWKS (docs/keys.md, "The fetch").
 *
 * APR sockets (IPv4 and IPv6) and OpenSSL: TLS 1.2 or newer, the peer chain
 * verified against a CA file or the system store, SNI, the host name (or IP
 * address) checked against the certificate, HTTP/1.1 GET, Content-Length,
 * chunked or close-delimited bodies up to a size cap, status 200 only, no
 * redirects, an optional HTTP CONNECT proxy, and one deadline for all of it.
 */
#ifndef AJ_FETCH_H
#define AJ_FETCH_H

#include <apr_pools.h>
#include <apr_network_io.h>
#include <apr_time.h>

#define AJ_FETCH_MAX_BODY (1024 * 1024)

typedef enum {
    AJ_FETCH_OK = 0,
    AJ_FETCH_ERR_URL,       /* not https://host[:port]/path */
    AJ_FETCH_ERR_RESOLVE,   /* host name did not resolve */
    AJ_FETCH_ERR_CONNECT,   /* no address accepted a connection */
    AJ_FETCH_ERR_PROXY,     /* the proxy refused or garbled CONNECT */
    AJ_FETCH_ERR_TLS,       /* TLS handshake failed */
    AJ_FETCH_ERR_CERT,      /* certificate chain or name not trusted */
    AJ_FETCH_ERR_IO,        /* read or write failed */
    AJ_FETCH_ERR_TIMEOUT,   /* the deadline passed */
    AJ_FETCH_ERR_HTTP,      /* malformed or truncated response */
    AJ_FETCH_ERR_TOO_LARGE, /* body over the cap */
    AJ_FETCH_ERR_REDIRECT,  /* 3xx: never followed */
    AJ_FETCH_ERR_STATUS     /* any other status than 200 */
} aj_fetch_err_e;

typedef struct {
    const char *url;             /* https://host[:port]/path */
    const char *ca_file;         /* NULL: the system trust store */
    const char *proxy;           /* http://host:port, or NULL */
    apr_interval_time_t timeout; /* for the whole fetch */
    apr_size_t max_body;         /* 0: AJ_FETCH_MAX_BODY */
} aj_fetch_opts_t;

typedef struct {
    aj_fetch_err_e err;
    const char *detail; /* what went wrong, for the log; never response data */
    int status;         /* HTTP status, when one was read */
    const char *body;   /* on success, NUL-terminated, owned by the pool */
    apr_size_t body_len;
} aj_fetch_result_t;

/* Fetch opts->url; the result says how it went. Memory comes from p. */
void aj_fetch(aj_fetch_result_t *res, apr_pool_t *p, const aj_fetch_opts_t *opts);

/*
 * The host (brackets removed) and port of an https:// URL; -1 when it is not
 * one. *is_ip says whether the host is an IP address literal.
 */
int aj_fetch_url_host(apr_pool_t *p, const char *url, const char **host, apr_port_t *port,
                      int *is_ip);

/* A short name for an error code ("timeout", "cert", ...). */
const char *aj_fetch_err_name(aj_fetch_err_e err);

/* In a process just forked (httpd's child_init): forget the name lookups the
 * parent had running, whose threads do not exist here. */
void aj_fetch_after_fork(void);

#endif
