/*
 * test_rfc.c: the worked examples of RFC 7515 appendix A, RFC 8037 appendix A.4
 * and RFC 7520 section 4, verified through aj_jwk_parse, aj_jws_parse and
 * aj_jws_verify, and refused once any byte of what they sign changes.
 *
 * The RFC payloads carry old exp values (or are not JSON at all), so only the
 * signature path is checked here; claims are tested with a fixed clock elsewhere.
 */
#include <string.h>

#include <apr_strings.h>

#include "unit.h"
#include "aj_b64.h"
#include "aj_json.h"

static const struct {
    const char *name;
    const char *alg;
    const char *jwk;        /* the public part of the example's key, as the RFC prints it */
    const char *token;      /* the example's compact serialization */
    aj_reason_e payload;    /* aj_jws_payload once the signature verified */
    aj_reason_e in_one_set; /* the pipeline when every example key is in one JWKS */
} vectors[] = {
    {"RFC 7515 A.1 HS256", "HS256",
     /* a 64-byte oct key; header with CRLF and a leading space */
     "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75a"
     "KtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}",
     "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEz"
     "MDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4C"
     "VP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
     AJ_OK, AJ_R_KEY_AMBIGUOUS},
    {"RFC 7515 A.2 RS256", "RS256",
     /* a 2048-bit RSA key */
     "{\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mP"
     "ddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOW"
     "vG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBd"
     "QOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhy"
     "xXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\""
     ":\"AQAB\"}",
     "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0"
     "dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__"
     "dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJd"
     "bF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkS"
     "jtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI"
     "7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0"
     "igcN_IoypGlUPQGe77Rw",
     AJ_OK, AJ_R_KEY_AMBIGUOUS},
    {"RFC 7515 A.3 ES256", "ES256",
     /* P-256; ECDSA is randomized, the RFC's signature still verifies */
     "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE"
     "U\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
     "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0"
     "dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-X"
     "x-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
     AJ_OK, AJ_OK},
    {"RFC 7515 A.4 ES512", "ES512",
     /* P-521, 132-byte r||s; the payload is the text "Payload" */
     "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxr"
     "rjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\",\"y\":\"ADSmRA43Z1DSNx_RvcLI"
     "87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}",
     "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi7"
     "0cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPE"
     "X3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn",
     AJ_R_PAYLOAD_NOT_JSON, AJ_R_KEY_AMBIGUOUS},
    {"RFC 8037 A.4 Ed25519", "EdDSA",
     /* Ed25519 over the text "Example of Ed25519 signing" */
     "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPc"
     "HURo\"}",
     "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0Jz"
     "lnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
     AJ_R_PAYLOAD_NOT_JSON, AJ_R_PAYLOAD_NOT_JSON},
    {"RFC 7520 4.1 RS256", "RS256",
     /* the RFC 7520 3.4 RSA key, selected by kid */
     "{\"kty\":\"RSA\",\"kid\":\"bilbo.baggins@hobbiton.example\",\"use\":\"sig\",\"n\":\"n4EP"
     "tAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7n"
     "qQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqk"
     "HHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3"
     "uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbL"
     "Y7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw\",\"e\":\"AQAB\"}",
     "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
     "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vc"
     "i4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZm"
     "VldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB"
     "0by4.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM"
     "1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL"
     "0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9U"
     "zpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F"
     "4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg",
     AJ_R_PAYLOAD_NOT_JSON, AJ_R_PAYLOAD_NOT_JSON},
    {"RFC 7520 4.2 PS384", "PS384",
     /* PSS is randomized: this signature is one of many valid ones */
     "{\"kty\":\"RSA\",\"kid\":\"bilbo.baggins@hobbiton.example\",\"use\":\"sig\",\"n\":\"n4EP"
     "tAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7n"
     "qQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqk"
     "HHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3"
     "uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbL"
     "Y7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw\",\"e\":\"AQAB\"}",
     "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
     "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vc"
     "i4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZm"
     "VldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB"
     "0by4.cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tP"
     "id6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQ"
     "Flfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9s"
     "hnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAA"
     "jVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw",
     AJ_R_PAYLOAD_NOT_JSON, AJ_R_PAYLOAD_NOT_JSON},
    {"RFC 7520 4.3 ES512", "ES512",
     /* the RFC 7520 3.2 P-521 key (same kid as the RSA key) */
     "{\"kty\":\"EC\",\"kid\":\"bilbo.baggins@hobbiton.example\",\"use\":\"sig\",\"crv\":\"P-5"
     "21\",\"x\":\"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqv"
     "jyekWF-7ytDyRXYgCF5cj0Kt\",\"y\":\"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6"
     "pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1\"}",
     "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
     "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vc"
     "i4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZm"
     "VldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB"
     "0by4.AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon"
     "7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_"
     "IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2",
     AJ_R_PAYLOAD_NOT_JSON, AJ_R_PAYLOAD_NOT_JSON},
    {"RFC 7520 4.4 HS256", "HS256",
     /* the RFC 7520 3.5 32-byte oct key with alg HS256 */
     "{\"kty\":\"oct\",\"kid\":\"018c0ae5-4d9b-471b-bfd6-eef314bc7037\",\"use\":\"sig\",\"al"
     "g\":\"HS256\",\"k\":\"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg\"}",
     "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjN"
     "zAzNyJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvd"
     "XIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIH"
     "lvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB"
     "0IG9mZiB0by4.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0",
     AJ_R_PAYLOAD_NOT_JSON, AJ_R_PAYLOAD_NOT_JSON},
};

static aj_key_t *vector_key(int i)
{
    json_error_t err;
    json_t *jwk = aj_json_pool_own(unit_pool, json_loads(vectors[i].jwk, 0, &err));
    const char *why = NULL;
    aj_key_t *key;

    ck_assert_msg(jwk != NULL, "%s: the JWK text does not parse: %s", vectors[i].name, err.text);
    key = aj_jwk_parse(unit_pool, jwk, &why);
    ck_assert_msg(key != NULL, "%s: JWK refused: %s", vectors[i].name, why ? why : "?");
    ck_assert_reason(key->unusable, AJ_OK, vectors[i].name);
    return key;
}

static void parse_vector(aj_jws_t *jws, int i, unsigned int allowed)
{
    const char *t = vectors[i].token;
    ck_assert_reason(aj_jws_parse(jws, unit_pool, t, strlen(t), allowed), AJ_OK, vectors[i].name);
    ck_assert_str_eq(jws->alg->name, vectors[i].alg);
}

START_TEST(rfc_example_verifies)
{
    aj_jws_t jws;
    aj_key_t *key = vector_key(_i);
    json_t *payload;
    const char *text;
    apr_size_t len;

    parse_vector(&jws, _i, unit_algs(vectors[_i].alg));
    ck_assert_reason(aj_key_fits(key, jws.alg), AJ_OK, vectors[_i].name);
    ck_assert_reason(aj_jws_verify(&jws, key), AJ_OK, vectors[_i].name);
    ck_assert_reason(aj_jws_payload(&payload, &text, &len, unit_pool, &jws), vectors[_i].payload,
                     vectors[_i].name);
    if (vectors[_i].payload == AJ_OK) {
        ck_assert_str_eq(aj_json_string(payload, "iss"), "joe");
    }
}
END_TEST

/* The same example is refused when its alg is not the one configured. */
START_TEST(rfc_example_outside_allow_list)
{
    aj_jws_t jws;
    const char *t = vectors[_i].token;
    unsigned int others = UNIT_ALL_ALGS & ~unit_algs(vectors[_i].alg);

    ck_assert_reason(aj_jws_parse(&jws, unit_pool, t, strlen(t), others), AJ_R_ALG_NOT_ALLOWED,
                     vectors[_i].name);
    ck_assert_reason(aj_jws_parse(&jws, unit_pool, t, strlen(t), AJ_ALGS_DEFAULT),
                     strcmp(vectors[_i].alg, "RS256") == 0 ? AJ_OK : AJ_R_ALG_NOT_ALLOWED,
                     vectors[_i].name);
}
END_TEST

/* Forgery by editing what was signed: every byte of header.payload, two ways. */
START_TEST(rfc_signing_input_byte_changed)
{
    static const unsigned char flips[] = {0x01, 0x40};
    aj_jws_t jws, forged;
    aj_key_t *key = vector_key(_i);
    char *input;

    parse_vector(&jws, _i, UNIT_ALL_ALGS);
    input = apr_pmemdup(unit_pool, jws.signing_input, jws.signing_input_len);
    forged = jws;
    forged.signing_input = input;
    for (apr_size_t pos = 0; pos < jws.signing_input_len; pos++) {
        for (size_t f = 0; f < sizeof(flips); f++) {
            input[pos] ^= flips[f];
            ck_assert_msg(aj_jws_verify(&forged, key) == AJ_R_SIGNATURE_INVALID,
                          "%s: byte %zu ^ 0x%02x of the signing input still verifies (%s)",
                          vectors[_i].name, (size_t)pos, flips[f],
                          aj_reason_name(aj_jws_verify(&forged, key)));
            input[pos] ^= flips[f];
        }
    }
    ck_assert_reason(aj_jws_verify(&forged, key), AJ_OK, "the restored input verifies again");
}
END_TEST

/* And every bit of the signature matters. */
START_TEST(rfc_signature_byte_changed)
{
    aj_jws_t jws, forged;
    aj_key_t *key = vector_key(_i);
    unsigned char *sig;

    parse_vector(&jws, _i, UNIT_ALL_ALGS);
    sig = apr_pmemdup(unit_pool, jws.sig, jws.sig_len);
    forged = jws;
    forged.sig = sig;
    for (apr_size_t pos = 0; pos < jws.sig_len; pos++) {
        sig[pos] ^= 0x01;
        ck_assert_msg(aj_jws_verify(&forged, key) == AJ_R_SIGNATURE_INVALID,
                      "%s: signature byte %zu changed: %s", vectors[_i].name, (size_t)pos,
                      aj_reason_name(aj_jws_verify(&forged, key)));
        sig[pos] ^= 0x01;
    }
}
END_TEST

/* The whole compact token with a changed character is refused too, by whichever rule sees it first.
 */
START_TEST(rfc_token_char_changed)
{
    const char *t = vectors[_i].token;
    apr_size_t len = strlen(t);
    char *copy = apr_pstrmemdup(unit_pool, t, len);
    aj_key_t *key = vector_key(_i);
    aj_jwks_t *set = unit_set(key, NULL);
    aj_token_t tok;

    ck_assert_reason(unit_verify(copy, unit_algs(vectors[_i].alg), set, &tok), vectors[_i].payload,
                     vectors[_i].name);
    for (apr_size_t pos = 0; pos < len; pos++) {
        char saved = copy[pos];
        aj_reason_e r;
        copy[pos] = saved == 'A' ? 'B' : 'A';
        r = unit_verify(copy, unit_algs(vectors[_i].alg), set, &tok);
        /* the payload refusal would mean the signature passed */
        ck_assert_msg(r != AJ_OK && r != vectors[_i].payload && r != AJ_R_PAYLOAD_NOT_JSON,
                      "%s: character %zu changed: %s", vectors[_i].name, (size_t)pos,
                      aj_reason_name(r));
        copy[pos] = saved;
    }
}
END_TEST

/*
 * All the example keys in one JWKS: tokens with a kid find their key (the
 * RFC 7520 RSA and EC keys even share one kid, and alg tells them apart);
 * tokens without one are refused as ambiguous whenever two keys fit.
 */
START_TEST(rfc_keys_in_one_set)
{
    static const int distinct[] = {0, 1, 2, 3, 4, 5, 7, 8}; /* 4.2 reuses the 4.1 key */
    aj_jwks_t *set = aj_jwks_make(unit_pool);
    aj_key_t *keys[UNIT_N(vectors)];
    aj_token_t tok;

    for (size_t i = 0; i < UNIT_N(vectors); i++) {
        keys[i] = vector_key((int)i);
    }
    for (size_t i = 0; i < UNIT_N(distinct); i++) {
        aj_jwks_add(set, keys[distinct[i]]);
    }
    for (size_t i = 0; i < UNIT_N(vectors); i++) {
        aj_reason_e r = unit_verify(vectors[i].token, UNIT_ALL_ALGS, set, &tok);
        ck_assert_reason(r, vectors[i].in_one_set, vectors[i].name);
        if (r == AJ_OK || r == AJ_R_PAYLOAD_NOT_JSON) {
            /* the signature verified, so the chosen key is the example's own */
            ck_assert_mem_eq(tok.key->thumbprint, keys[i]->thumbprint, 32);
        }
    }
}
END_TEST

/* RFC 7638 section 3.1: the thumbprint of the example RSA key. */
START_TEST(rfc7638_thumbprint)
{
    static const char jwk_text[] =
        "{\"kty\":\"RSA\",\"kid\":\"2011-04-29\",\"alg\":\"RS256\",\"e\":\"AQAB\","
        "\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR"
        "1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5"
        "v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08q"
        "NLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awap"
        "JzKnqDKgw\"}";
    const char *why;
    aj_key_t *key = aj_jwk_parse(unit_pool, unit_json(jwk_text), &why);

    ck_assert_ptr_nonnull(key);
    ck_assert_str_eq(aj_b64url_encode(unit_pool, key->thumbprint, sizeof(key->thumbprint)),
                     "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}
END_TEST

Suite *suite_rfc(void)
{
    Suite *s = suite_create("rfc");
    TCase *tc = tcase_create("examples");
    int n = (int)UNIT_N(vectors);

    tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, rfc_example_verifies, 0, n);
    tcase_add_loop_test(tc, rfc_example_outside_allow_list, 0, n);
    tcase_add_loop_test(tc, rfc_signing_input_byte_changed, 0, n);
    tcase_add_loop_test(tc, rfc_signature_byte_changed, 0, n);
    tcase_add_loop_test(tc, rfc_token_char_changed, 0, n);
    tcase_add_test(tc, rfc_keys_in_one_set);
    tcase_add_test(tc, rfc7638_thumbprint);
    suite_add_tcase(s, tc);
    return s;
}
