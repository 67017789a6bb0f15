/*
 * aj_reason.h: every way a token can be refused, in one table.
 *
 * Each refusal has a stable code (used in logs, counters and tests), a short
 * log text for administrators, and a fixed RFC 6750 error_description that is
 * safe to send to clients: it never carries request data. Logs, responses and
 * the status counters all read this table, so they always agree.
 */
#ifndef AJ_REASON_H
#define AJ_REASON_H

typedef enum {
    AJ_OK = 0,
    /* where the token comes from (the httpd glue) */
    AJ_R_NO_TOKEN,
    AJ_R_HEADER_SYNTAX,
    AJ_R_MULTIPLE_TOKENS,
    /* compact serialization */
    AJ_R_TOO_LARGE,
    AJ_R_SEGMENTS,
    AJ_R_BASE64,
    /* JOSE header */
    AJ_R_HEADER_NOT_JSON,
    AJ_R_HEADER_NOT_OBJECT,
    AJ_R_HEADER_DUPLICATE,
    AJ_R_HEADER_TOO_DEEP,
    AJ_R_ALG_MISSING,
    AJ_R_ALG_NONE,
    AJ_R_ALG_NOT_ALLOWED,
    AJ_R_TYP_INVALID,
    AJ_R_CRIT,
    AJ_R_KID_INVALID,
    /* key choice */
    AJ_R_NO_KEYS,
    AJ_R_KID_UNKNOWN,
    AJ_R_KEY_AMBIGUOUS,
    AJ_R_NO_MATCHING_KEY,
    AJ_R_KEY_USE,
    AJ_R_KEY_OPS,
    AJ_R_KEY_TOO_SMALL,
    AJ_R_KEY_ALG_MISMATCH,
    AJ_R_KEY_WEAK,
    AJ_R_KEY_MIXED_SET,
    /* signature */
    AJ_R_SIGNATURE_LENGTH,
    AJ_R_SIGNATURE_INVALID,
    /* payload */
    AJ_R_PAYLOAD_NOT_JSON,
    AJ_R_PAYLOAD_NOT_OBJECT,
    AJ_R_PAYLOAD_DUPLICATE,
    AJ_R_PAYLOAD_TOO_DEEP,
    AJ_R_PAYLOAD_UTF8,
    /* claims */
    AJ_R_EXP_MISSING,
    AJ_R_EXP_INVALID,
    AJ_R_EXPIRED,
    AJ_R_NBF_INVALID,
    AJ_R_NOT_YET_VALID,
    AJ_R_IAT_INVALID,
    AJ_R_IAT_FUTURE,
    AJ_R_ISS_MISSING,
    AJ_R_ISS_MISMATCH,
    AJ_R_AUD_MISSING,
    AJ_R_AUD_INVALID,
    AJ_R_AUD_MISMATCH,
    AJ_R_USER_CLAIM,
    /* authorization (Require auth0-*) */
    AJ_R_INSUFFICIENT_SCOPE,
    AJ_R_INSUFFICIENT_PERMISSION,
    AJ_R_CLAIM_MISMATCH,
    AJ_R_ACCESS_DENIED,
    /* sender-constrained tokens: the DPoP proof (RFC 9449), the certificate (RFC 8705) */
    AJ_R_DPOP_MISSING,
    AJ_R_DPOP_MULTIPLE,
    AJ_R_DPOP_MALFORMED,
    AJ_R_DPOP_TYP,
    AJ_R_DPOP_ALG,
    AJ_R_DPOP_JWK,
    AJ_R_DPOP_SIGNATURE,
    AJ_R_DPOP_JTI,
    AJ_R_DPOP_HTM,
    AJ_R_DPOP_HTU,
    AJ_R_DPOP_IAT,
    AJ_R_DPOP_ATH,
    AJ_R_DPOP_REPLAY,
    AJ_R_DPOP_BINDING,
    AJ_R_DPOP_DOWNGRADE,
    AJ_R_CERT_BINDING,
    AJ_R_DPOP_STORE, /* the replay store cannot take the proof: 503 */
    /* encrypted tokens (JWE, RFC 7516): every decryption failure answers alike */
    AJ_R_JWE_MALFORMED,
    AJ_R_JWE_ALG,
    AJ_R_JWE_ENC,
    AJ_R_JWE_HEADER,
    AJ_R_JWE_KEY,
    AJ_R_JWE_UNWRAP,
    AJ_R_JWE_TAG,
    AJ_R_JWE_NESTED,
    AJ_R_JWE_REQUIRED,
    AJ_R__COUNT
} aj_reason_e;

typedef struct {
    aj_reason_e code;
    const char *name;        /* stable identifier, e.g. "expired" */
    const char *log;         /* one line for the error log */
    const char *description; /* RFC 6750 error_description, client-safe */
} aj_reason_t;

/* The table row for a code; an out-of-range code yields a generic row. */
const aj_reason_t *aj_reason(aj_reason_e code);

/* Short forms. */
const char *aj_reason_name(aj_reason_e code);
const char *aj_reason_description(aj_reason_e code);

/* Look a code up by its name; AJ_R__COUNT when unknown. */
aj_reason_e aj_reason_by_name(const char *name);

#endif
