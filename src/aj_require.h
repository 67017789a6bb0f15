/*
 * aj_require.h: the words of a `Require auth0-*` line, split once at
 * configuration time (no httpd dependency, so it can be fuzzed alone).
 *
 * Words are separated by spaces or tabs. A word may be quoted with "..." or
 * '...' to hold spaces; inside quotes a backslash escapes the next character.
 * An unterminated quote is an error.
 */
#ifndef AJ_REQUIRE_H
#define AJ_REQUIRE_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The words of line (const char *), or NULL with *err set when a quote is left open. */
apr_array_header_t *aj_require_words(apr_pool_t *p, const char *line, const char **err);

#endif
