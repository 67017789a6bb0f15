/*
 * fuzz_require.c: aj_require_words(), the splitting of `Require auth0-*` lines.
 *
 * Input: the line (cut at the first NUL, as httpd hands over C strings).
 * Checks: no memory error; NULL exactly when an error is reported; every word
 * is a C string no longer than the line; and for a line without quotes or
 * backslashes the words are exactly those of a plain split on spaces and tabs.
 */
#include "fuzz_common.h"

#include <apr_strings.h>
#include <apr_tables.h>

#include "aj_require.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fz_cstr(data, size);
    size_t n = strlen(line);
    apr_pool_t *p = fz_pool_begin();
    const char *err = (const char *)1;
    apr_array_header_t *words = aj_require_words(p, line, &err);

    if (words == NULL) {
        FZ_CHECK(err != NULL);
        FZ_CHECK(strchr(line, '"') || strchr(line, '\''));
    } else {
        FZ_CHECK(err == NULL);
        for (int i = 0; i < words->nelts; i++) {
            const char *w = APR_ARRAY_IDX(words, i, const char *);
            FZ_CHECK(w != NULL && strlen(w) <= n);
        }
        if (strpbrk(line, "\"'\\") == NULL) {
            char *copy = strdup(line), *last = NULL, *tok;
            int i = 0;
            for (tok = apr_strtok(copy, " \t", &last); tok; tok = apr_strtok(NULL, " \t", &last)) {
                FZ_CHECK(i < words->nelts);
                FZ_CHECK(strcmp(tok, APR_ARRAY_IDX(words, i, const char *)) == 0);
                i++;
            }
            FZ_CHECK(i == words->nelts);
            free(copy);
        }
    }
    fz_pool_end(p);
    free(line);
    return 0;
}
