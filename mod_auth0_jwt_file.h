/*
 * mod_auth0_jwt_file.h: reading a file safely (mod_auth0_jwt_file.c).
 */
#ifndef MOD_AUTH0_JWT_FILE_H
#define MOD_AUTH0_JWT_FILE_H

#include <apr_pools.h>
#include <apr_time.h>

/*
 * Read a regular file of at most max bytes into p, NUL-terminated: never
 * blocking on a FIFO or device (an .htaccess may name one), and with nofollow
 * never through a link. APR_EINVAL for anything but a regular file, EFBIG when
 * larger than max, else the system's error. mtime may be NULL.
 */
apr_status_t auth0_jwt_read_file(char **buf, apr_size_t *len, apr_time_t *mtime, apr_pool_t *p,
                                 const char *path, apr_size_t max, int nofollow);

#endif
