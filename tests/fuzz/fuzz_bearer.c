/*
 * fuzz_bearer.c: aj_bearer_parse(), the Authorization header value parser.
 *
 * Input: the header value (a NUL-terminated copy, cut at the first NUL as httpd
 * would). Checks: only the three documented results; on success the token lies
 * inside the value, is non-empty, is one RFC 6750 b64token (padding '=' only at
 * its end), is preceded by "Bearer" and spaces only and followed by blanks only.
 */
#include "fuzz_common.h"

#include <strings.h>

#include "aj_token.h"

static int b64token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *t = (const char *)1;
    apr_size_t len = 1;

    (void)argc;
    (void)argv;
    fz_init();
    FZ_CHECK(aj_bearer_parse(&t, &len, NULL) == AJ_R_NO_TOKEN && t == NULL && len == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = fz_cstr(data, size);
    size_t n = strlen(value);
    const char *token = (const char *)1;
    apr_size_t len = 12345;
    aj_reason_e r = aj_bearer_parse(&token, &len, value);

    FZ_CHECK(r == AJ_OK || r == AJ_R_NO_TOKEN || r == AJ_R_HEADER_SYNTAX);
    if (r != AJ_OK) {
        FZ_CHECK(token == NULL && len == 0);
    } else {
        const char *s = value;
        apr_size_t i = 0;

        FZ_CHECK(token > value && len > 0 && token + len <= value + n);
        /* [ \t]* "Bearer" SP+ */
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        FZ_CHECK(strncasecmp(s, "Bearer", 6) == 0);
        s += 6;
        FZ_CHECK(*s == ' ');
        while (*s == ' ') {
            s++;
        }
        FZ_CHECK(s == token);
        /* 1*b64token-char *"=" */
        while (i < len && b64token_char((unsigned char)token[i])) {
            i++;
        }
        FZ_CHECK(i > 0);
        while (i < len && token[i] == '=') {
            i++;
        }
        FZ_CHECK(i == len);
        for (s = token + len; *s; s++) {
            FZ_CHECK(*s == ' ' || *s == '\t');
        }
    }
    free(value);
    return 0;
}
