/*
 * test_jwe.c: encrypted tokens (src/aj_jwe.c). The published examples (RFC
 * 7516 Appendix A, RFC 7520 section 5, RFC 7518 Appendix B; tests/vectors/jwe/),
 * then every alg and enc both ways, and the attacks: each part of a token
 * tampered with, the wrong key or kid, compression, critical headers, a JWE
 * inside a JWE, and keys that must not be loaded.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/pem.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"
#include "aj_jwe.h"
#include "aj_sign.h"

static const char *const vectors[] = {
    "rfc7516-a1", "rfc7516-a2", "rfc7520-5.1", "rfc7520-5.2", "rfc7520-5.3", "rfc7520-5.4",
    "rfc7520-5.5", "rfc7520-5.6", "rfc7520-5.7", "rfc7520-5.8", "rfc7520-5.9",
};

static json_t *vector(const char *name)
{
    apr_size_t len;
    char *text = unit_source_file(apr_psprintf(unit_pool, "tests/vectors/jwe/%s.json", name), &len);
    json_t *v = json_loadb(text, len, 0, NULL);

    ck_assert_msg(v != NULL, "%s: not JSON", name);
    return aj_json_pool_own(unit_pool, v);
}

static apr_array_header_t *one_key(EVP_PKEY *pkey, const char *kid)
{
    apr_array_header_t *keys = apr_array_make(unit_pool, 2, sizeof(aj_jwe_key_t));
    aj_jwe_key_t *k = apr_array_push(keys);

    k->kid = kid;
    k->pkey = pkey;
    return keys;
}

static EVP_PKEY *pem_key(const char *pem)
{
    const char *why = NULL;
    EVP_PKEY *pkey = aj_jwe_read_key(unit_pool, pem, strlen(pem), &why);

    ck_assert_msg(pkey != NULL, "key refused: %s", why ? why : "?");
    return pkey;
}

/* The published examples: RSA-OAEP ones decrypt to their plaintext; RSA1_5,
 * PBES2, ECDH-ES, dir, key wrap and the compressed one are refused by alg. */
START_TEST(jwe_published_examples)
{
    json_t *v = vector(vectors[_i]);
    const char *compact = aj_json_string(v, "compact"), *expect = aj_json_string(v, "expect");
    const char *kid = aj_json_string(v, "kid");
    EVP_PKEY *pkey = pem_key(aj_json_string(v, "key_pem"));
    const unsigned char *plain = NULL;
    apr_size_t plain_len = 0;
    json_t *header = NULL;
    aj_reason_e rv = aj_jwe_open(&plain, &plain_len, &header, unit_pool, compact, strlen(compact),
                                 one_key(pkey, kid));

    ck_assert_str_eq(aj_reason_name(rv), expect);
    ck_assert_ptr_nonnull(header); /* read before anything is refused */
    if (rv == AJ_OK) {
        const char *want = aj_json_string(v, "plaintext");
        ck_assert_uint_eq(plain_len, strlen(want));
        ck_assert_mem_eq(plain, want, plain_len);
        /* prose is not a token: the full rule refuses it */
        const char *jws;
        ck_assert_reason(aj_jwe_decrypt(&jws, &plain_len, NULL, unit_pool, compact,
                                        strlen(compact), one_key(pkey, kid)),
                         AJ_R_JWE_NESTED, vectors[_i]);
    }
}
END_TEST

static unsigned char *hex(const char *text, apr_size_t *len)
{
    apr_size_t n = strlen(text) / 2;
    unsigned char *out = apr_palloc(unit_pool, n + 1);

    for (apr_size_t i = 0; i < n; i++) {
        unsigned int b;
        ck_assert_int_eq(sscanf(text + 2 * i, "%2x", &b), 1);
        out[i] = (unsigned char)b;
    }
    *len = n;
    return out;
}

/* RFC 7518 Appendix B: AES_CBC_HMAC_SHA2 gives E and T, and opens them; any
 * changed byte of E, T, A or IV is refused before anything is decrypted. */
START_TEST(jwe_cbc_hmac_rfc7518_b)
{
    json_t *cases = json_object_get(vector("rfc7518-b"), "cases");
    size_t i;
    json_t *c;

    ck_assert_uint_eq(json_array_size(cases), 3);
    json_array_foreach(cases, i, c)
    {
        const char *enc = aj_json_string(c, "enc");
        apr_size_t klen, plen, alen, ivlen, elen, tlen, ctlen, taglen, outlen;
        unsigned char *k = hex(aj_json_string(c, "k"), &klen);
        unsigned char *pt = hex(aj_json_string(c, "p"), &plen);
        unsigned char *a = hex(aj_json_string(c, "a"), &alen);
        unsigned char *iv = hex(aj_json_string(c, "iv"), &ivlen);
        unsigned char *e = hex(aj_json_string(c, "e"), &elen);
        unsigned char *t = hex(aj_json_string(c, "t"), &tlen);
        unsigned char *ct, tag[32], *out;

        ck_assert_int_eq(aj_jwe_content_seal(&ct, &ctlen, tag, &taglen, unit_pool, enc, k, klen, a,
                                             alen, iv, ivlen, pt, plen),
                         AJ_OK);
        ck_assert_uint_eq(ctlen, elen);
        ck_assert_mem_eq(ct, e, elen);
        ck_assert_uint_eq(taglen, tlen);
        ck_assert_mem_eq(tag, t, tlen);
        ck_assert_int_eq(aj_jwe_content_open(&out, &outlen, unit_pool, enc, k, klen, a, alen, iv,
                                             ivlen, e, elen, t, tlen),
                         AJ_OK);
        ck_assert_uint_eq(outlen, plen);
        ck_assert_mem_eq(out, pt, plen);
        e[5] ^= 1;
        ck_assert_int_eq(aj_jwe_content_open(&out, &outlen, unit_pool, enc, k, klen, a, alen, iv,
                                             ivlen, e, elen, t, tlen),
                         AJ_R_JWE_TAG);
        e[5] ^= 1;
        a[0] ^= 1;
        ck_assert_int_eq(aj_jwe_content_open(&out, &outlen, unit_pool, enc, k, klen, a, alen, iv,
                                             ivlen, e, elen, t, tlen),
                         AJ_R_JWE_TAG);
        a[0] ^= 1;
        iv[0] ^= 1;
        ck_assert_int_eq(aj_jwe_content_open(&out, &outlen, unit_pool, enc, k, klen, a, alen, iv,
                                             ivlen, e, elen, t, tlen),
                         AJ_R_JWE_TAG);
        iv[0] ^= 1;
        /* a truncated tag, or the whole HMAC, is not the tag */
        ck_assert_int_eq(aj_jwe_content_open(&out, &outlen, unit_pool, enc, k, klen, a, alen, iv,
                                             ivlen, e, elen, t, tlen - 1),
                         AJ_R_JWE_ENC);
    }
}
END_TEST

static const char *const key_algs[] = {"RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512"};
static const char *const encs[] = {"A128GCM",       "A192GCM",       "A256GCM",
                                   "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"};

/* A signed token to encrypt (its signature is not checked here). */
#define INNER "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1bml0In0.c2lnbmF0dXJl"

static const char *encrypt(EVP_PKEY *pkey, const char *kid, const char *alg, const char *enc,
                           const char *plain)
{
    const char *why = NULL;
    char *jwe = aj_jwe_encrypt(unit_pool, pkey, kid, alg, enc, plain, strlen(plain), &why);

    ck_assert_msg(jwe != NULL, "%s %s: %s", alg, enc, why ? why : "?");
    return jwe;
}

/* Every alg with every enc: what we encrypt, we decrypt. */
START_TEST(jwe_every_alg_and_enc_round_trip)
{
    EVP_PKEY *pkey = unit_priv(UK_RSA);

    for (size_t a = 0; a < UNIT_N(key_algs); a++) {
        for (size_t e = 0; e < UNIT_N(encs); e++) {
            const char *jwe = encrypt(pkey, "enc-1", key_algs[a], encs[e], INNER), *jws;
            apr_size_t len;
            json_t *header;

            ck_assert(aj_jwe_is_compact(jwe, strlen(jwe)));
            ck_assert_reason(aj_jwe_decrypt(&jws, &len, &header, unit_pool, jwe, strlen(jwe),
                                            one_key(pkey, "enc-1")),
                             AJ_OK, encs[e]);
            ck_assert_str_eq(jws, INNER);
            ck_assert_str_eq(aj_json_string(header, "alg"), key_algs[a]);
            ck_assert_str_eq(aj_json_string(header, "enc"), encs[e]);
        }
    }
}
END_TEST

/* Attack: a token with five dots (six segments), or three, taken for a JWE
 * and sent down the decryption path (or a JWE not taken for one). Exactly
 * four dots make a compact JWE, wherever they are: empty segments, a dot at
 * either end, a dot past a NUL byte counted as any other byte. */
START_TEST(jwe_compact_shape_is_four_dots)
{
    static const struct {
        const char *text;
        apr_size_t len;
        int compact;
    } cases[] = {
        {"a.b.c.d.e", 9, 1},   {"....", 4, 1},      {".a.b.c.", 7, 1},  {"a.b.c.d", 7, 0},
        {"a.b.c.d.e.f", 11, 0}, {".....", 5, 0},    {"", 0, 0},         {"abc", 3, 0},
        {"a.b.c.d.e.", 10, 0}, {"a.b\0.c.d.e", 10, 1}, {"a.b.c.d.e", 7, 0},
    };

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        ck_assert_msg(aj_jwe_is_compact(cases[i].text, cases[i].len) == cases[i].compact,
                      "case %zu", i);
    }
}
END_TEST

/* Change one character of part `part` of a compact JWE (not the last one of a
 * part, whose low bits may not count in base64url). */
static char *tamper(const char *jwe, int part)
{
    char *t = apr_pstrdup(unit_pool, jwe), *at = t;

    for (int i = 0; i < part; i++) {
        at = strchr(at, '.') + 1;
    }
    at[1] = at[1] == 'A' ? 'B' : 'A';
    return t;
}

/* Tampering with any part: the wrapped key (no padding or key oracle: it still
 * goes through the content step, with a random key), the IV, the ciphertext,
 * the tag, the header (authenticated as additional data). */
START_TEST(jwe_tampered_parts_refused)
{
    EVP_PKEY *pkey = unit_priv(UK_RSA);
    static const struct {
        int part;
        aj_reason_e want;
    } cases[] = {{1, AJ_R_JWE_UNWRAP}, {2, AJ_R_JWE_TAG}, {3, AJ_R_JWE_TAG}, {4, AJ_R_JWE_TAG}};

    for (size_t e = 0; e < UNIT_N(encs); e++) {
        const char *jwe = encrypt(pkey, NULL, "RSA-OAEP-256", encs[e], INNER), *jws;
        apr_size_t len;
        static const char reordered[] = "{\"alg\":\"RSA-OAEP-256\",\"cty\":\"JWT\","
                                        "\"enc\":\"A128GCM\"}";
        char *hdr;

        for (size_t c = 0; c < UNIT_N(cases); c++) {
            const char *bad = tamper(jwe, cases[c].part);
            ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, bad, strlen(bad),
                                            one_key(pkey, NULL)),
                             cases[c].want, encs[e]);
        }
        /* the same header written differently is other additional data */
        hdr = apr_pstrcat(unit_pool,
                          aj_b64url_encode(unit_pool, (const unsigned char *)reordered,
                                           strlen(reordered)),
                          strchr(jwe, '.'), NULL);
        if (strcmp(encs[e], "A128GCM") == 0) {
            ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, hdr, strlen(hdr),
                                            one_key(pkey, NULL)),
                             AJ_R_JWE_TAG, "reordered header");
        }
    }
}
END_TEST

/* A wrapped key OpenSSL would turn away before any RSA work (longer or shorter
 * than the modulus, or not below it) is answered as any wrapped key that does
 * not unwrap, after the same work: the time must not tell the modulus. */
START_TEST(jwe_unshaped_wrapped_key)
{
    EVP_PKEY *pkey = unit_priv(UK_RSA);
    const char *jwe = encrypt(pkey, NULL, "RSA-OAEP", "A256GCM", INNER), *jws;
    const char *dot1 = strchr(jwe, '.'), *dot2 = strchr(dot1 + 1, '.');
    unsigned char big[256], small[255];
    apr_size_t len;

    memset(big, 0xff, sizeof(big)); /* above any 2048-bit modulus */
    memset(small, 0x01, sizeof(small));
    const char *forms[] = {aj_b64url_encode(unit_pool, big, sizeof(big)),
                           aj_b64url_encode(unit_pool, small, sizeof(small))};
    for (size_t i = 0; i < UNIT_N(forms); i++) {
        const char *t = apr_pstrcat(unit_pool, apr_pstrndup(unit_pool, jwe, dot1 - jwe + 1),
                                    forms[i], dot2, NULL);
        ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, t, strlen(t),
                                        one_key(pkey, NULL)),
                         AJ_R_JWE_UNWRAP, "unshaped wrapped key");
    }
}
END_TEST

/* The key: by kid, or the only one; another key never unwraps. */
START_TEST(jwe_key_choice)
{
    EVP_PKEY *mine = unit_priv(UK_RSA), *other = unit_priv(UK_RSA_OTHER);
    const char *named = encrypt(mine, "mine", "RSA-OAEP", "A256GCM", INNER);
    const char *unnamed = encrypt(mine, NULL, "RSA-OAEP", "A256GCM", INNER), *jws;
    apr_array_header_t *both = one_key(other, "other");
    apr_size_t len;
    aj_jwe_key_t *k = apr_array_push(both);

    k->kid = "mine";
    k->pkey = mine;
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, named, strlen(named), both),
                     AJ_OK, "kid names the second key");
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, unnamed, strlen(unnamed), both),
                     AJ_R_JWE_KEY, "no kid and two keys");
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, named, strlen(named),
                                    one_key(mine, "someone-else")),
                     AJ_R_JWE_KEY, "unknown kid");
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, unnamed, strlen(unnamed),
                                    one_key(other, NULL)),
                     AJ_R_JWE_UNWRAP, "another key");
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, named, strlen(named),
                                    one_key(other, "mine")),
                     AJ_R_JWE_UNWRAP, "another key under the right kid");
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, named, strlen(named), NULL),
                     AJ_R_JWE_KEY, "no keys at all");
    /* one key given without a kid takes a token whatever kid it names */
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, named, strlen(named),
                                    one_key(mine, NULL)),
                     AJ_OK, "the only key, without a kid");
}
END_TEST

/* A token whose header is hdr (JSON) and whose other parts are well-formed
 * but never reached. */
static const char *with_header(const char *hdr)
{
    return apr_pstrcat(unit_pool,
                       aj_b64url_encode(unit_pool, (const unsigned char *)hdr, strlen(hdr)),
                       ".AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA", NULL);
}

/* Header rules, before any key is touched. */
START_TEST(jwe_header_rules)
{
    static const struct {
        const char *hdr;
        aj_reason_e want;
    } cases[] = {
        {"{\"alg\":\"RSA1_5\",\"enc\":\"A128CBC-HS256\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"dir\",\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"A128KW\",\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"none\",\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"rsa-oaep\",\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"enc\":\"A128GCM\"}", AJ_R_JWE_ALG},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128CBC\"}", AJ_R_JWE_ENC},
        {"{\"alg\":\"RSA-OAEP\"}", AJ_R_JWE_ENC},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\",\"zip\":\"DEF\"}", AJ_R_JWE_HEADER},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\",\"crit\":[\"exp\"],\"exp\":1}", AJ_R_JWE_HEADER},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\",\"cty\":\"text/plain\"}", AJ_R_JWE_HEADER},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\",\"cty\":1}", AJ_R_JWE_HEADER},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\",\"kid\":7}", AJ_R_JWE_MALFORMED},
        {"{\"alg\":\"RSA-OAEP\",\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\"}", AJ_R_JWE_MALFORMED},
        {"[\"alg\"]", AJ_R_JWE_MALFORMED},
        /* cty JWT in any case passes; the junk wrapped key then does not unwrap */
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\",\"cty\":\"jwt\"}", AJ_R_JWE_UNWRAP},
        /* A256GCM's IV is 12 bytes too, its tag 16: a wrong-size IV is malformed */
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128CBC-HS256\"}", AJ_R_JWE_MALFORMED},
    };
    const char *jws;
    apr_size_t len;

    for (size_t i = 0; i < UNIT_N(cases); i++) {
        const char *t = with_header(cases[i].hdr);
        ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, t, strlen(t),
                                        one_key(unit_priv(UK_RSA), NULL)),
                         cases[i].want, cases[i].hdr);
    }
    /* shapes that are no compact JWE */
    static const char *const shapes[] = {"a.b.c.d", "a.b.c.d.e.f", "....", "!!!!.AAAA.AAAA.AAAA.AAAA"};
    for (size_t i = 0; i < UNIT_N(shapes); i++) {
        ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, shapes[i], strlen(shapes[i]),
                                        one_key(unit_priv(UK_RSA), NULL)),
                         AJ_R_JWE_MALFORMED, shapes[i]);
    }
}
END_TEST

/* A JWE inside a JWE, or anything but a compact JWS inside. */
START_TEST(jwe_nested_refused)
{
    EVP_PKEY *pkey = unit_priv(UK_RSA);
    const char *inner = encrypt(pkey, NULL, "RSA-OAEP", "A128GCM", INNER);
    const char *outer = encrypt(pkey, NULL, "RSA-OAEP", "A128GCM", inner), *jws;
    const char *notjws = encrypt(pkey, NULL, "RSA-OAEP", "A128GCM", "{\"sub\":\"x\"}");
    apr_size_t len;

    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, outer, strlen(outer),
                                    one_key(pkey, NULL)),
                     AJ_R_JWE_NESTED, "JWE in a JWE");
    ck_assert_reason(aj_jwe_decrypt(&jws, &len, NULL, unit_pool, notjws, strlen(notjws),
                                    one_key(pkey, NULL)),
                     AJ_R_JWE_NESTED, "JSON in a JWE");
}
END_TEST

/* Keys: an RSA private key of 2048 bits or more, never prompted for. */
START_TEST(jwe_key_loading)
{
    const char *why = NULL;
    char *pem;
    BIO *bio;
    BUF_MEM *mem;
    static const unit_key_e refused[] = {UK_RSA_1024, UK_EC256, UK_ED25519};

    for (size_t i = 0; i < UNIT_N(refused); i++) {
        pem = aj_key_private_pem(unit_pool, unit_priv(refused[i]));
        ck_assert_ptr_null(aj_jwe_read_key(unit_pool, pem, strlen(pem), &why));
        ck_assert_ptr_nonnull(why);
    }
    pem = aj_key_private_pem(unit_pool, unit_priv(UK_RSA));
    ck_assert_ptr_nonnull(aj_jwe_read_key(unit_pool, pem, strlen(pem), &why));
    /* a public key, or a private key under a passphrase: refused, no prompt */
    bio = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PUBKEY(bio, unit_priv(UK_RSA)) == 1);
    BIO_get_mem_ptr(bio, &mem);
    ck_assert_ptr_null(aj_jwe_read_key(unit_pool, mem->data, mem->length, &why));
    BIO_free(bio);
    bio = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PKCS8PrivateKey(bio, unit_priv(UK_RSA), EVP_aes_128_cbc(), "pw", 2,
                                            NULL, NULL) == 1);
    BIO_get_mem_ptr(bio, &mem);
    ck_assert_ptr_null(aj_jwe_read_key(unit_pool, mem->data, mem->length, &why));
    BIO_free(bio);
    ck_assert_ptr_null(aj_jwe_read_key(unit_pool, "junk", 4, &why));
    /* over 4096 bits: every token would cost that slow a private-key operation */
    apr_size_t len;
    pem = unit_source_file("tests/vectors/jwe/rsa-4160.pem", &len);
    ck_assert_ptr_null(aj_jwe_read_key(unit_pool, pem, len, &why));
    ck_assert_ptr_nonnull(strstr(why, "over 4096"));
}
END_TEST

Suite *suite_jwe(void)
{
    Suite *s = suite_create("jwe");
    TCase *tc = tcase_create("jwe");

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, jwe_published_examples, 0, (int)UNIT_N(vectors));
    tcase_add_test(tc, jwe_cbc_hmac_rfc7518_b);
    tcase_add_test(tc, jwe_every_alg_and_enc_round_trip);
    tcase_add_test(tc, jwe_compact_shape_is_four_dots);
    tcase_add_test(tc, jwe_tampered_parts_refused);
    tcase_add_test(tc, jwe_key_choice);
    tcase_add_test(tc, jwe_unshaped_wrapped_key);
    tcase_add_test(tc, jwe_header_rules);
    tcase_add_test(tc, jwe_nested_refused);
    tcase_add_test(tc, jwe_key_loading);
    suite_add_tcase(s, tc);
    return s;
}
