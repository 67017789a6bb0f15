/* unit.h: the suites of the unit test binary, one per src/ file. */
#ifndef AJ_UNIT_H
#define AJ_UNIT_H

#include <check.h>
#include <apr_pools.h>

/* A pool for the current test, created in setup and destroyed in teardown. */
extern apr_pool_t *unit_pool;
void unit_pool_setup(void);
void unit_pool_teardown(void);

Suite *suite_b64(void);

#endif
