/*
 * fuzz_jwe.c: aj_jwe_decrypt() on an encrypted token, with the fixed RSA key
 * of tests/fuzz/keys/rsa.pem (kid fz-rsa) as the only decryption key.
 *
 * Input: the bytes (cut at the first NUL), taken as a compact JWE.
 * Checks: no memory error; the token decrypts to a compact JWS (three
 * segments, no NUL) or is refused with one of the JWE reasons; and a token
 * that decrypts no longer does once one character of its tag is changed.
 */
#include "fuzz_common.h"

#include <openssl/pem.h>

#include "aj_jwe.h"
#include "aj_jwk.h" /* aj_key_pool_own */
#include "fuzz_keys.h" /* generated: fz_rsa_pem, ... */

static apr_array_header_t *keys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    BIO *bio;
    aj_jwe_key_t *key;
    EVP_PKEY *pkey;

    (void)argc;
    (void)argv;
    fz_init();
    bio = BIO_new_mem_buf(fz_rsa_pem, (int)fz_rsa_pem_len);
    pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    FZ_CHECK(pkey != NULL);
    keys = apr_array_make(fz_global, 1, sizeof(aj_jwe_key_t));
    key = apr_array_push(keys);
    key->kid = "fz-rsa";
    key->pkey = aj_key_pool_own(fz_global, pkey);
    return 0;
}

static int dots(const char *s, apr_size_t len)
{
    int n = 0;
    for (apr_size_t i = 0; i < len; i++) {
        n += s[i] == '.';
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_cstr(data, size), *tag;
    apr_pool_t *p = fz_pool_begin();
    const char *plain = NULL;
    apr_size_t len = strlen(text), plain_len = 0;
    json_t *header = NULL;
    aj_reason_e r = aj_jwe_decrypt(&plain, &plain_len, &header, p, text, len, keys);

    FZ_CHECK(r == AJ_OK || (r >= AJ_R_JWE_MALFORMED && r <= AJ_R_JWE_NESTED));
    if (r == AJ_OK) {
        FZ_CHECK(plain != NULL && strlen(plain) == plain_len && dots(plain, plain_len) == 2);
        FZ_CHECK(header != NULL && json_is_object(header));
        tag = strrchr(text, '.') + 1;
        FZ_CHECK(*tag != '\0');
        *tag = *tag == 'A' ? 'B' : 'A';
        FZ_CHECK(aj_jwe_decrypt(&plain, &plain_len, NULL, p, text, len, keys) != AJ_OK);
    }
    fz_pool_end(p);
    free(text);
    return 0;
}
