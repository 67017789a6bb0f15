/*
 * aj_b64.c: strict base64url.
 */
#include "aj_b64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0..63 for alphabet characters, 64 for everything else. */
/* clang-format off */
static const unsigned char values[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64, /* 0x00 - 0x1f */
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, /* 0x20: '-' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64, /* 0x30: digits */
    64, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40: A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63, /* 0x50: P-Z '_' */
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60: a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64, /* 0x70: p-z */
    X64, X64, X64, X64, X64, X64, X64, X64, /* 0x80 - 0xff */
#undef X64
};
/* clang-format on */

int aj_b64url_valid(const char *in, apr_size_t len)
{
    apr_size_t i;

    if (len % 4 == 1) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (values[(unsigned char)in[i]] == 64) {
            return 0;
        }
    }
    if (len % 4 == 2) { /* one byte: the last char carries 4 unused bits */
        return (values[(unsigned char)in[len - 1]] & 0x0f) == 0;
    }
    if (len % 4 == 3) { /* two bytes: 2 unused bits */
        return (values[(unsigned char)in[len - 1]] & 0x03) == 0;
    }
    return 1;
}

int aj_b64url_decode(unsigned char **out, apr_size_t *out_len, apr_pool_t *p, const char *in,
                     apr_size_t len)
{
    unsigned char *buf, *o;
    apr_size_t i, full = len - len % 4;
    unsigned int a, b, c, d;

    *out = NULL;
    *out_len = 0;
    if (len % 4 == 1) {
        return -1;
    }
    buf = o = apr_palloc(p, AJ_B64_DECODED_LEN(len) + 1);
    /* One pass: whole quads, then the 2- or 3-character tail. */
    for (i = 0; i < full; i += 4) {
        a = values[(unsigned char)in[i]];
        b = values[(unsigned char)in[i + 1]];
        c = values[(unsigned char)in[i + 2]];
        d = values[(unsigned char)in[i + 3]];
        if ((a | b | c | d) & 64) {
            return -1;
        }
        *o++ = (unsigned char)(a << 2 | b >> 4);
        *o++ = (unsigned char)(b << 4 | c >> 2);
        *o++ = (unsigned char)(c << 6 | d);
    }
    if (len - full >= 2) {
        a = values[(unsigned char)in[i]];
        b = values[(unsigned char)in[i + 1]];
        c = len - full == 3 ? values[(unsigned char)in[i + 2]] : 0;
        if ((a | b | c) & 64) {
            return -1;
        }
        *o++ = (unsigned char)(a << 2 | b >> 4);
        if (len - full == 3) {
            if (c & 0x03) {
                return -1; /* non-canonical: unused bits set */
            }
            *o++ = (unsigned char)(b << 4 | c >> 2);
        } else if (b & 0x0f) {
            return -1;
        }
    }
    *o = '\0';
    *out = buf;
    *out_len = (apr_size_t)(o - buf);
    return 0;
}

char *aj_b64url_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    char *buf = apr_palloc(p, (len + 2) / 3 * 4 + 1), *o = buf;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = alphabet[in[i] >> 2];
        *o++ = alphabet[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
        *o++ = alphabet[((in[i + 1] & 0x0f) << 2) | (in[i + 2] >> 6)];
        *o++ = alphabet[in[i + 2] & 0x3f];
    }
    if (len - i == 1) {
        *o++ = alphabet[in[i] >> 2];
        *o++ = alphabet[(in[i] & 0x03) << 4];
    } else if (len - i == 2) {
        *o++ = alphabet[in[i] >> 2];
        *o++ = alphabet[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
        *o++ = alphabet[(in[i + 1] & 0x0f) << 2];
    }
    *o = '\0';
    return buf;
}
