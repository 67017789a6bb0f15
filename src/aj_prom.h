/*
 * aj_prom.h: the pieces of Prometheus' text exposition format (version 0.0.4)
 * that must be exact whatever the input: label values, which come from the
 * configuration (a key source's URI or file path) and must not break out of
 * their quotes. (Every sample the module writes is an integer, printed with
 * APR_INT64_T_FMT, so numbers need no helper.)
 */
#ifndef AJ_PROM_H
#define AJ_PROM_H

#include <apr_pools.h>

/* A label value as it goes between double quotes: backslash, double quote and
 * newline escaped (\\, \", \n), every other byte as it is. NULL reads as "". */
char *aj_prom_label(apr_pool_t *p, const char *value);

#endif
