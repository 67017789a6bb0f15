/*
 * aj_fetch.c: one HTTPS GET on APR sockets and OpenSSL, bounded in time and size.
 *
 * The socket is non-blocking once connected; every wait is an apr_poll() for
 * the time left before the deadline, so a stalled peer or proxy can never hold
 * a fetch past opts->timeout. Name resolution is inside the deadline too: it
 * runs on a thread of its own, waited for until the deadline (resolve()).
 */
#include <arpa/inet.h>
#include <string.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <apr_atomic.h>
#include <apr_lib.h>
#include <apr_network_io.h>
#include <apr_poll.h>
#include <apr_portable.h>
#include <apr_strings.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "aj_fetch.h"
#include "aj_http.h"

typedef struct {
    apr_pool_t *pool;
    aj_fetch_result_t *res;
    apr_time_t deadline;
    apr_socket_t *sock;
    SSL_CTX *ctx;
    SSL *ssl;
} fetch_t;

typedef struct {
    char *host; /* without brackets */
    apr_port_t port;
    const char *path;
    int is_ip;
} url_t;

static const char *const err_names[] = {
    [AJ_FETCH_OK] = "ok",
    [AJ_FETCH_ERR_URL] = "url",
    [AJ_FETCH_ERR_RESOLVE] = "resolve",
    [AJ_FETCH_ERR_CONNECT] = "connect",
    [AJ_FETCH_ERR_PROXY] = "proxy",
    [AJ_FETCH_ERR_TLS] = "tls",
    [AJ_FETCH_ERR_CERT] = "cert",
    [AJ_FETCH_ERR_IO] = "io",
    [AJ_FETCH_ERR_TIMEOUT] = "timeout",
    [AJ_FETCH_ERR_HTTP] = "http",
    [AJ_FETCH_ERR_TOO_LARGE] = "too_large",
    [AJ_FETCH_ERR_REDIRECT] = "redirect",
    [AJ_FETCH_ERR_STATUS] = "status",
};

const char *aj_fetch_err_name(aj_fetch_err_e err)
{
    return ((int)err >= 0 && err <= AJ_FETCH_ERR_STATUS) ? err_names[err] : "unknown";
}

static int fail(fetch_t *f, aj_fetch_err_e err, const char *detail)
{
    f->res->err = err;
    f->res->detail = detail;
    return -1;
}

/*
 * Whether host is something a certificate can be checked against: a bracketed
 * address must be IPv6, a name of digits and dots must be a dotted-quad IPv4
 * address as inet_pton reads it (no leading zeros, octal or short forms), and
 * anything else a DNS name of letters, digits, '-' and '.' in labels of 1 to
 * 63 bytes. Whatever OpenSSL could not take as an address or a name is refused
 * here, so that name checks can never be off.
 */
static int valid_host(const char *host, int bracketed, int *is_ip)
{
    unsigned char addr[16];
    size_t label = 0;
    int digits = 1;

    if (bracketed) {
        *is_ip = 1;
        return inet_pton(AF_INET6, host, addr) == 1;
    }
    for (const char *c = host; *c; c++) {
        digits &= apr_isdigit(*c) || *c == '.';
    }
    if (digits) {
        *is_ip = 1;
        return inet_pton(AF_INET, host, addr) == 1;
    }
    *is_ip = 0;
    if (strlen(host) > 253) {
        return 0;
    }
    for (const char *c = host;; c++) {
        if (*c == '.' || *c == '\0') {
            if (label == 0 || label > 63 || c[-1] == '-') {
                return 0;
            }
            if (*c == '\0') {
                return 1;
            }
            label = 0;
        } else if (apr_isalnum(*c) || (*c == '-' && label > 0)) {
            label++;
        } else {
            return 0;
        }
    }
}

/*
 * scheme://host[:port][/path]: host is a DNS name, an IPv4 address or a
 * bracketed IPv6 address (valid_host). No user info, no whitespace or control
 * bytes.
 */
static int parse_url(url_t *u, apr_pool_t *p, const char *url, const char *scheme,
                     apr_port_t dflt_port)
{
    size_t slen = strlen(scheme);
    const char *auth, *end, *host_end, *c;
    long port = dflt_port;
    int bracketed = 0;

    memset(u, 0, sizeof(*u));
    for (c = url; *c; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
            return -1;
        }
    }
    if (strncasecmp(url, scheme, slen) != 0 || strncmp(url + slen, "://", 3) != 0) {
        return -1;
    }
    auth = url + slen + 3;
    end = auth + strcspn(auth, "/?#");
    if (memchr(auth, '@', (size_t)(end - auth))) {
        return -1;
    }
    if (*auth == '[') {
        host_end = memchr(auth, ']', (size_t)(end - auth));
        if (host_end == NULL) {
            return -1;
        }
        u->host = apr_pstrmemdup(p, auth + 1, (size_t)(host_end - auth - 1));
        bracketed = 1;
        host_end++;
    } else {
        host_end = auth;
        while (host_end < end && *host_end != ':') {
            host_end++;
        }
        u->host = apr_pstrmemdup(p, auth, (size_t)(host_end - auth));
    }
    if (host_end < end) {
        char *stop;
        if (*host_end != ':' || host_end + 1 == end) {
            return -1;
        }
        port = strtol(apr_pstrmemdup(p, host_end + 1, (size_t)(end - host_end - 1)), &stop, 10);
        if (*stop != '\0' || port < 1 || port > 65535) {
            return -1;
        }
    }
    if (!valid_host(u->host, bracketed, &u->is_ip)) {
        return -1;
    }
    u->port = (apr_port_t)port;
    u->path = *end == '/' ? apr_pstrdup(p, end) : apr_pstrcat(p, "/", end, NULL);
    if (strchr(u->path, '#')) {
        *strchr((char *)u->path, '#') = '\0';
    }
    return 0;
}

int aj_fetch_url_host(apr_pool_t *p, const char *url, const char **host, apr_port_t *port,
                      int *is_ip)
{
    url_t u;

    if (parse_url(&u, p, url, "https", 443) != 0) {
        return -1;
    }
    *host = u.host;
    *port = u.port;
    *is_ip = u.is_ip;
    return 0;
}

static apr_interval_time_t time_left(fetch_t *f)
{
    return f->deadline - apr_time_now();
}

/* Wait until the socket is readable (or writable); -1 when the deadline passes. */
static int wait_io(fetch_t *f, int readable)
{
    apr_pollfd_t pfd;
    apr_int32_t n = 0;
    apr_interval_time_t left = time_left(f);
    apr_status_t rv;

    if (left <= 0) {
        return fail(f, AJ_FETCH_ERR_TIMEOUT, "deadline passed");
    }
    memset(&pfd, 0, sizeof(pfd));
    pfd.p = f->pool;
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.reqevents = readable ? APR_POLLIN : APR_POLLOUT;
    pfd.desc.s = f->sock;
    do {
        rv = apr_poll(&pfd, 1, &n, left);
    } while (APR_STATUS_IS_EINTR(rv) && (left = time_left(f)) > 0);
    if (rv != APR_SUCCESS || n == 0) {
        return fail(f, AJ_FETCH_ERR_TIMEOUT,
                    readable ? "deadline passed waiting for data" : "deadline passed sending");
    }
    return 0;
}

/*
 * A name lookup on a thread of its own, so that the fetch can stop waiting at
 * its deadline. (Not getaddrinfo_a(): glibc's lookup threads stay idle after a
 * lookup, and a child forked then inherits a queue whose thread does not exist
 * in it, so its first lookup never runs. For the same reason a lookup that
 * ends in time is joined, so no thread of ours is left to be copied by a fork.)
 * The record is malloc()ed and counted:
 * the waiter and the thread each hold a reference, and whichever lets go last
 * frees it, so a waiter that gave up leaves the thread nothing dangling.
 */
typedef struct lookup {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs, done, rc, err;
    struct addrinfo *result;
    struct lookup *next_stuck; /* in the stuck list while abandoned and running */
    int stuck;                 /* guarded by stuck_lock */
    char name[];
} lookup_t;

/* Lookups whose thread is still running, waited for or not: a name server that
 * never answers leaves one behind per attempt until glibc gives up on it (its
 * own timeout); past this bound a fetch fails at once instead of adding one. */
#define MAX_LOOKUPS 32
static apr_uint32_t lookups_running;

/* The abandoned lookups still running, by host: one per host at most, so one
 * host whose name server is silent holds one thread, never the whole bound. */
static pthread_mutex_t stuck_lock = PTHREAD_MUTEX_INITIALIZER;
static lookup_t *stuck;

void aj_fetch_after_fork(void)
{
    /* the threads counted here, and the lookups listed as stuck, were the
     * parent's: none of them exists in this process */
    apr_atomic_set32(&lookups_running, 0);
    stuck = NULL;
    pthread_mutex_init(&stuck_lock, NULL);
}

static int stuck_on(const char *host)
{
    int found = 0;

    pthread_mutex_lock(&stuck_lock);
    for (lookup_t *l = stuck; l && !found; l = l->next_stuck) {
        found = strcasecmp(l->name, host) == 0;
    }
    pthread_mutex_unlock(&stuck_lock);
    return found;
}

static void stuck_add(lookup_t *l)
{
    pthread_mutex_lock(&stuck_lock);
    l->stuck = 1;
    l->next_stuck = stuck;
    stuck = l;
    pthread_mutex_unlock(&stuck_lock);
}

static void stuck_remove(lookup_t *l)
{
    pthread_mutex_lock(&stuck_lock);
    if (l->stuck) {
        for (lookup_t **pp = &stuck; *pp; pp = &(*pp)->next_stuck) {
            if (*pp == l) {
                *pp = l->next_stuck;
                break;
            }
        }
        l->stuck = 0;
    }
    pthread_mutex_unlock(&stuck_lock);
}

/*
 * Keep this code mapped for as long as the process lives. A thread left
 * running past its deadline returns into this file when glibc gives up; an
 * httpd restart unloads and reloads the module meanwhile, so without this the
 * thread would return into unmapped memory and take the root parent down.
 */
static void pin_code(void)
{
    static int pinned;
    Dl_info info;

    if (!pinned && dladdr((void *)&pin_code, &info) && info.dli_fname) {
        pinned = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) != NULL;
    }
}

static void lookup_release(lookup_t *l)
{
    int last;

    pthread_mutex_lock(&l->lock);
    last = --l->refs == 0;
    pthread_mutex_unlock(&l->lock);
    if (last) {
        if (l->result) {
            freeaddrinfo(l->result);
        }
        pthread_cond_destroy(&l->cond);
        pthread_mutex_destroy(&l->lock);
        free(l);
    }
}

static void *lookup_run(void *arg)
{
    lookup_t *l = arg;
    struct addrinfo hints, *res = NULL;
    int rc, err;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC; /* no AI_ADDRCONFIG: it hides loopback-only families */
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(l->name, NULL, &hints, &res);
    err = errno;
    pthread_mutex_lock(&l->lock);
    l->rc = rc;
    l->err = err;
    l->result = res;
    l->done = 1;
    pthread_cond_signal(&l->cond);
    pthread_mutex_unlock(&l->lock);
    stuck_remove(l);
    lookup_release(l);
    apr_atomic_dec32(&lookups_running);
    return NULL;
}

/* Start l's thread (joinable, every signal blocked: they are the process's). */
static int lookup_start(lookup_t *l, pthread_t *tid)
{
    sigset_t all, old;
    int rc;

    if (apr_atomic_inc32(&lookups_running) >= MAX_LOOKUPS) {
        apr_atomic_dec32(&lookups_running);
        return -1;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(tid, NULL, lookup_run, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        apr_atomic_dec32(&lookups_running);
        return -1;
    }
    return 0;
}

static lookup_t *lookup_make(const char *host)
{
    size_t len = strlen(host);
    pthread_condattr_t ca;
    lookup_t *l = calloc(1, sizeof(*l) + len + 1);

    if (l == NULL) {
        return NULL;
    }
    memcpy(l->name, host, len + 1);
    l->refs = 2;
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cond, &ca);
    pthread_condattr_destroy(&ca);
    return l;
}

/* The addresses of an answer as APR socket addresses, in the order given. */
static apr_sockaddr_t *lookup_addresses(fetch_t *f, const struct addrinfo *ai, apr_port_t port)
{
    apr_sockaddr_t *first = NULL, **tail = &first, *one;
    char num[NI_MAXHOST];

    for (; ai; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num), NULL, 0, NI_NUMERICHOST) !=
                0 ||
            apr_sockaddr_info_get(&one, num, ai->ai_family == AF_INET ? APR_INET : APR_INET6, port,
                                  0, f->pool) != APR_SUCCESS) {
            continue;
        }
        *tail = one;
        while (*tail) {
            tail = &(*tail)->next;
        }
    }
    return first;
}

/* Resolve host within the deadline. */
static int resolve(fetch_t *f, const char *host, apr_port_t port, apr_sockaddr_t **sa)
{
    lookup_t *l = lookup_make(host);
    pthread_t tid;
    struct timespec until;
    apr_interval_time_t left = time_left(f);
    int rc = 0, err;

    if (l == NULL) {
        return fail(f, AJ_FETCH_ERR_RESOLVE, "out of memory resolving the host");
    }
    if (stuck_on(host)) {
        l->refs = 1; /* no thread holds it */
        lookup_release(l);
        return fail(f, AJ_FETCH_ERR_TIMEOUT,
                    apr_psprintf(f->pool, "an earlier lookup of %s has not ended", host));
    }
    if (left <= 0 || lookup_start(l, &tid) != 0) {
        l->refs = 1; /* no thread holds it */
        lookup_release(l);
        return left <= 0 ? fail(f, AJ_FETCH_ERR_TIMEOUT, "deadline passed")
                         : fail(f, AJ_FETCH_ERR_RESOLVE,
                                apr_psprintf(f->pool,
                                             "cannot resolve %s: no lookup thread (%d earlier "
                                             "lookups still running, or none could start)",
                                             host, MAX_LOOKUPS));
    }
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)apr_time_sec(left);
    until.tv_nsec += (long)apr_time_usec(left) * 1000;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&l->lock);
    while (!l->done && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&l->cond, &l->lock, &until);
    }
    if (!l->done) {
        /* listed while l->lock is held, so before the thread can end: it
         * takes itself off the list once done */
        stuck_add(l);
        pthread_mutex_unlock(&l->lock);
        pin_code();
        pthread_detach(tid);
        lookup_release(l); /* the thread frees it when the lookup ends */
        return fail(f, AJ_FETCH_ERR_TIMEOUT,
                    apr_psprintf(f->pool, "deadline passed resolving %s", host));
    }
    rc = l->rc;
    err = l->err;
    pthread_mutex_unlock(&l->lock);
    /* Wait for the thread to be gone, not only done: a process that forks next
     * (the parent after its start-up fetches) must not copy a thread half-way
     * through its exit, holding the allocator's or the C library's locks. */
    pthread_join(tid, NULL);
    if (rc != 0) {
        apr_status_t st = APR_FROM_OS_ERROR(err);
        lookup_release(l);
        return fail(f, AJ_FETCH_ERR_RESOLVE,
                    rc == EAI_SYSTEM ? apr_psprintf(f->pool, "cannot resolve %s: %pm", host, &st)
                                     : apr_psprintf(f->pool, "cannot resolve %s: %s", host,
                                                    gai_strerror(rc)));
    }
    *sa = lookup_addresses(f, l->result, port);
    lookup_release(l);
    if (*sa == NULL) {
        return fail(f, AJ_FETCH_ERR_RESOLVE,
                    apr_psprintf(f->pool, "cannot resolve %s: no IPv4 or IPv6 address", host));
    }
    return 0;
}

static int tcp_connect(fetch_t *f, const char *host, int is_ip, apr_port_t port)
{
    apr_sockaddr_t *sa;
    apr_status_t rv;
    apr_socket_t *s;

    if (!is_ip) {
        if (resolve(f, host, port, &sa) != 0) {
            return -1;
        }
    } else { /* an address: nothing to look up, nothing to wait for */
        rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, port, 0, f->pool);
        if (rv != APR_SUCCESS) {
            return fail(f, AJ_FETCH_ERR_RESOLVE,
                        apr_psprintf(f->pool, "cannot resolve %s: %pm", host, &rv));
        }
    }
    for (; sa; sa = sa->next) {
        apr_interval_time_t left = time_left(f);
        if (left <= 0) {
            return fail(f, AJ_FETCH_ERR_TIMEOUT, "deadline passed while connecting");
        }
        rv = apr_socket_create(&s, sa->family, SOCK_STREAM, APR_PROTO_TCP, f->pool);
        if (rv != APR_SUCCESS) {
            continue;
        }
        apr_socket_timeout_set(s, left);
        rv = apr_socket_connect(s, sa);
        if (rv == APR_SUCCESS) {
            f->sock = s;
            apr_socket_timeout_set(s, 0); /* non-blocking from here on */
            return 0;
        }
        apr_socket_close(s);
    }
    if (APR_STATUS_IS_TIMEUP(rv) || time_left(f) <= 0) {
        return fail(f, AJ_FETCH_ERR_TIMEOUT, "deadline passed while connecting");
    }
    return fail(f, AJ_FETCH_ERR_CONNECT,
                apr_psprintf(f->pool, "cannot connect to %s port %d: %pm", host, port, &rv));
}

/* Plain socket I/O, used only to talk to the proxy before TLS starts. */
static int plain_send(fetch_t *f, const char *data, apr_size_t len)
{
    while (len > 0) {
        apr_size_t n = len;
        apr_status_t rv = apr_socket_send(f->sock, data, &n);
        if (APR_STATUS_IS_EAGAIN(rv)) {
            if (wait_io(f, 0) != 0) {
                return -1;
            }
            continue;
        }
        if (rv != APR_SUCCESS) {
            return fail(f, AJ_FETCH_ERR_PROXY, "cannot write to the proxy");
        }
        data += n;
        len -= n;
    }
    return 0;
}

/* CONNECT host:port through the proxy; its answer must be a 2xx head and nothing more. */
static int proxy_connect(fetch_t *f, const url_t *target)
{
    char head[4096];
    apr_size_t len = 0;
    const char *authority = target->is_ip && strchr(target->host, ':')
                                ? apr_psprintf(f->pool, "[%s]:%d", target->host, target->port)
                                : apr_psprintf(f->pool, "%s:%d", target->host, target->port);
    const char *req =
        apr_psprintf(f->pool, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", authority, authority);

    if (plain_send(f, req, strlen(req)) != 0) {
        return -1;
    }
    /* Read one byte at a time so nothing of the tunnel is consumed. */
    while (len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4) != 0) {
        apr_size_t n = 1;
        apr_status_t rv;
        if (len >= sizeof(head) - 1) {
            return fail(f, AJ_FETCH_ERR_PROXY, "proxy answer too long");
        }
        rv = apr_socket_recv(f->sock, head + len, &n);
        if (APR_STATUS_IS_EAGAIN(rv)) {
            if (wait_io(f, 1) != 0) {
                return -1;
            }
            continue;
        }
        if (rv != APR_SUCCESS || n == 0) {
            return fail(f, AJ_FETCH_ERR_PROXY, "proxy closed the connection");
        }
        len += n;
    }
    head[len] = '\0';
    if (strncmp(head, "HTTP/1.", 7) != 0 || len < 12 || head[9] != '2') {
        return fail(f, AJ_FETCH_ERR_PROXY,
                    apr_psprintf(f->pool, "proxy refused CONNECT (status %.3s)",
                                 len >= 12 ? head + 9 : "???"));
    }
    return 0;
}

/* Drive an SSL call that may want to read or write, until done or the deadline. */
static int ssl_wait(fetch_t *f, int ret)
{
    switch (SSL_get_error(f->ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        return wait_io(f, 1) == 0 ? 1 : -1;
    case SSL_ERROR_WANT_WRITE:
        return wait_io(f, 0) == 0 ? 1 : -1;
    default:
        return 0;
    }
}

static int tls_start(fetch_t *f, const url_t *u, const char *ca_file)
{
    apr_os_sock_t fd;
    int ret, w;
    long verify;

    f->ctx = SSL_CTX_new(TLS_client_method());
    if (f->ctx == NULL || !SSL_CTX_set_min_proto_version(f->ctx, TLS1_2_VERSION)) {
        return fail(f, AJ_FETCH_ERR_TLS, "cannot set up TLS");
    }
    SSL_CTX_set_verify(f->ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file ? SSL_CTX_load_verify_locations(f->ctx, ca_file, NULL) != 1
                : SSL_CTX_set_default_verify_paths(f->ctx) != 1) {
        return fail(f, AJ_FETCH_ERR_CERT,
                    apr_psprintf(f->pool, "cannot load CA certificates from %s",
                                 ca_file ? ca_file : "the system store"));
    }
    f->ssl = SSL_new(f->ctx);
    apr_os_sock_get(&fd, f->sock);
    if (f->ssl == NULL || SSL_set_fd(f->ssl, fd) != 1) {
        return fail(f, AJ_FETCH_ERR_TLS, "cannot set up TLS");
    }
    /* the name (or address) check and SNI: a failure here must stop the fetch,
       never leave the check off */
    if (u->is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(f->ssl), u->host) != 1
                 : SSL_set_tlsext_host_name(f->ssl, u->host) != 1 ||
                       SSL_set1_host(f->ssl, u->host) != 1) {
        return fail(f, AJ_FETCH_ERR_TLS,
                    apr_psprintf(f->pool, "cannot check the certificate against %s", u->host));
    }
    while ((ret = SSL_connect(f->ssl)) != 1) {
        w = ssl_wait(f, ret);
        if (w < 0) {
            return -1;
        }
        if (w == 0) {
            verify = SSL_get_verify_result(f->ssl);
            if (verify != X509_V_OK) {
                return fail(f, AJ_FETCH_ERR_CERT,
                            apr_psprintf(f->pool, "certificate of %s not trusted: %s", u->host,
                                         X509_verify_cert_error_string(verify)));
            }
            return fail(f, AJ_FETCH_ERR_TLS,
                        apr_psprintf(f->pool, "TLS handshake with %s failed: %s", u->host,
                                     ERR_reason_error_string(ERR_peek_last_error())
                                         ? ERR_reason_error_string(ERR_peek_last_error())
                                         : "connection closed"));
        }
    }
    return 0;
}

static int tls_send(fetch_t *f, const char *data, size_t len)
{
    while (len > 0) {
        int ret = SSL_write(f->ssl, data, (int)len), w;
        if (ret > 0) {
            data += ret;
            len -= (size_t)ret;
            continue;
        }
        w = ssl_wait(f, ret);
        if (w < 0) {
            return -1;
        }
        if (w == 0) {
            return fail(f, AJ_FETCH_ERR_IO, "cannot send the request");
        }
    }
    return 0;
}

/* Read the response into the parser until it is complete, broken, or the peer stops. */
static int tls_receive(fetch_t *f, aj_http_parser *hp)
{
    char buf[16384];
    aj_http_result_e r = AJ_HTTP_MORE;

    while (r == AJ_HTTP_MORE) {
        int ret = SSL_read(f->ssl, buf, sizeof(buf)), w;
        if (ret > 0) {
            r = aj_http_feed(hp, buf, (apr_size_t)ret);
            if (r == AJ_HTTP_MORE && aj_http_head_done(hp) && aj_http_status(hp) != 200) {
                break; /* the status alone decides: no need for the body */
            }
            continue;
        }
        if (SSL_get_error(f->ssl, ret) == SSL_ERROR_ZERO_RETURN) {
            r = aj_http_eof(hp);
            break;
        }
        w = ssl_wait(f, ret);
        if (w < 0) {
            return -1;
        }
        if (w == 0) {
            /* reset, TLS error, or an end without close_notify: a response not
             * complete by its own framing is truncated, never taken as it is */
            r = AJ_HTTP_ERR_TRUNCATED;
            break;
        }
    }
    if (r == AJ_HTTP_ERR_BODY_SIZE) {
        return fail(f, AJ_FETCH_ERR_TOO_LARGE, "response body over the size limit");
    }
    if (r != AJ_HTTP_DONE && r != AJ_HTTP_MORE) {
        return fail(f, AJ_FETCH_ERR_HTTP, aj_http_result_text(r));
    }
    return 0;
}

static apr_status_t fetch_cleanup(void *data)
{
    fetch_t *f = data;

    SSL_free(f->ssl);
    SSL_CTX_free(f->ctx);
    f->ssl = NULL;
    f->ctx = NULL;
    if (f->sock) {
        apr_socket_close(f->sock);
        f->sock = NULL;
    }
    return APR_SUCCESS;
}

void aj_fetch(aj_fetch_result_t *res, apr_pool_t *p, const aj_fetch_opts_t *opts)
{
    fetch_t f;
    url_t target, proxy;
    aj_http_parser *hp;
    const char *req, *host_header;
    int status;

    memset(res, 0, sizeof(*res));
    memset(&f, 0, sizeof(f));
    f.pool = p;
    f.res = res;
    f.deadline = apr_time_now() + opts->timeout;
    if (parse_url(&target, p, opts->url, "https", 443) != 0) {
        fail(&f, AJ_FETCH_ERR_URL, "not an https://host[:port]/path URL");
        return;
    }
    if (opts->proxy && parse_url(&proxy, p, opts->proxy, "http", 80) != 0) {
        fail(&f, AJ_FETCH_ERR_URL, "proxy is not an http://host:port URL");
        return;
    }
    apr_pool_cleanup_register(p, &f, fetch_cleanup, apr_pool_cleanup_null);
    host_header = strchr(target.host, ':') ? apr_psprintf(p, "[%s]", target.host) : target.host;
    if (target.port != 443) {
        host_header = apr_psprintf(p, "%s:%d", host_header, target.port);
    }
    req = apr_psprintf(p,
                       "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mod_auth0_jwt\r\n"
                       "Accept: application/json\r\nConnection: close\r\n\r\n",
                       target.path, host_header);
    hp = aj_http_parser_make(p, opts->max_body ? opts->max_body : AJ_FETCH_MAX_BODY);
    if ((opts->proxy
             ? tcp_connect(&f, proxy.host, proxy.is_ip, proxy.port) == 0 &&
                   proxy_connect(&f, &target) == 0
             : tcp_connect(&f, target.host, target.is_ip, target.port) == 0) &&
        tls_start(&f, &target, opts->ca_file) == 0 && tls_send(&f, req, strlen(req)) == 0 &&
        tls_receive(&f, hp) == 0) {
        status = res->status = aj_http_status(hp);
        if (status >= 300 && status < 400) {
            fail(&f, AJ_FETCH_ERR_REDIRECT,
                 apr_psprintf(p, "status %d: redirects are not followed", status));
        } else if (status != 200) {
            fail(&f, AJ_FETCH_ERR_STATUS, apr_psprintf(p, "status %d", status));
        } else {
            res->body = aj_http_body(hp, &res->body_len);
        }
    } else {
        res->status = aj_http_status(hp);
    }
    apr_pool_cleanup_run(p, &f, fetch_cleanup);
}
