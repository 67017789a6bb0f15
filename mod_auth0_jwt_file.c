/*
 * mod_auth0_jwt_file.c: the one way the module reads a file it did not write
 * at start-up: key files, shared secrets, saved key sets. An .htaccess may name
 * a FIFO or a device, and the server user may plant a link where the root
 * parent reads, so every read is non-blocking, of a regular file only, and of
 * a bounded size (docs/security.md, "Keys and the key host").
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mod_auth0_jwt_file.h"

apr_status_t auth0_jwt_read_file(char **buf, apr_size_t *len, apr_time_t *mtime, apr_pool_t *p,
                                 const char *path, apr_size_t max, int nofollow)
{
    struct stat st;
    ssize_t n;
    size_t got = 0;
    int fd, err;

    *buf = NULL;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return APR_EINVAL; /* a FIFO, a device, a directory: never waited on */
    }
    if ((apr_size_t)st.st_size > max) {
        close(fd);
        return APR_FROM_OS_ERROR(EFBIG);
    }
    *buf = apr_palloc(p, (apr_size_t)st.st_size + 1);
    while (got < (size_t)st.st_size && ((n = read(fd, *buf + got, (size_t)st.st_size - got)) > 0 ||
                                        (n < 0 && errno == EINTR))) {
        got += n > 0 ? (size_t)n : 0;
    }
    err = errno;
    close(fd);
    if (got != (size_t)st.st_size) {
        *buf = NULL;
        return APR_FROM_OS_ERROR(err ? err : EIO);
    }
    (*buf)[got] = '\0';
    *len = got;
    if (mtime) {
        *mtime = apr_time_from_sec(st.st_mtime);
    }
    return APR_SUCCESS;
}
