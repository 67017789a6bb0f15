/*
 * aj_reason.c: the refusal table. Descriptions use only the characters RFC 6750
 * allows in error_description (printable ASCII without '"' and '\').
 */
#include <string.h>

#include "aj_reason.h"

#define R(code, name, log, desc) [code] = {code, name, log, desc}
#define AJ_JWE_FAILED "The token cannot be decrypted"

static const aj_reason_t reasons[AJ_R__COUNT] = {
    R(AJ_OK, "ok", "token accepted", "The token is valid"),
    R(AJ_R_NO_TOKEN, "no_token", "no bearer token in the request", "No bearer token"),
    R(AJ_R_HEADER_SYNTAX, "header_syntax", "Authorization header is not 'Bearer <token>'",
      "The Authorization header is malformed"),
    R(AJ_R_MULTIPLE_TOKENS, "multiple_tokens", "the request carries a token in more than one place",
      "Send the token in one place only"),
    R(AJ_R_TOO_LARGE, "too_large", "token is larger than 16 KiB", "The token is too large"),
    R(AJ_R_SEGMENTS, "segments", "token is not a compact JWS of three segments",
      "The token is not a signed JWT"),
    R(AJ_R_BASE64, "base64", "a token segment is not strict base64url",
      "The token is not correctly encoded"),
    R(AJ_R_HEADER_NOT_JSON, "header_not_json", "token header is not JSON",
      "The token header is malformed"),
    R(AJ_R_HEADER_NOT_OBJECT, "header_not_object", "token header is not a JSON object",
      "The token header is malformed"),
    R(AJ_R_HEADER_DUPLICATE, "header_duplicate", "token header has a duplicate member",
      "The token header is malformed"),
    R(AJ_R_HEADER_TOO_DEEP, "header_too_deep", "token header nests too deeply",
      "The token header is malformed"),
    R(AJ_R_ALG_MISSING, "alg_missing", "token header has no string alg",
      "The token has no signing algorithm"),
    R(AJ_R_ALG_NONE, "alg_none", "token is unsigned (alg none)",
      "Unsigned tokens are not accepted"),
    R(AJ_R_ALG_NOT_ALLOWED, "alg_not_allowed",
      "token alg is not in the allowed list (Auth0Algorithms)",
      "The token signing algorithm is not accepted"),
    R(AJ_R_TYP_INVALID, "typ_invalid", "token typ is neither JWT nor at+jwt",
      "The token type is not accepted"),
    R(AJ_R_CRIT, "crit", "token header has crit extensions, none are understood",
      "The token uses unsupported critical extensions"),
    R(AJ_R_KID_INVALID, "kid_invalid", "token kid is not a string",
      "The token key id is malformed"),
    R(AJ_R_NO_KEYS, "no_keys", "no signing keys are loaded", "No signing keys are available"),
    R(AJ_R_KID_UNKNOWN, "kid_unknown", "token kid is not in the key set",
      "The token signing key is unknown"),
    R(AJ_R_KEY_AMBIGUOUS, "key_ambiguous", "several keys could have signed the token",
      "The token signing key is ambiguous"),
    R(AJ_R_NO_MATCHING_KEY, "no_matching_key", "no key in the set fits the token alg",
      "The token signing key is unknown"),
    R(AJ_R_KEY_USE, "key_use", "the token's key is not a signing key (use)",
      "The token signing key is not usable"),
    R(AJ_R_KEY_OPS, "key_ops", "the token's key does not allow verify (key_ops)",
      "The token signing key is not usable"),
    R(AJ_R_KEY_TOO_SMALL, "key_too_small",
      "the token's key is too small (RSA under 2048 bits, secret under the hash size)",
      "The token signing key is not usable"),
    R(AJ_R_KEY_ALG_MISMATCH, "key_alg_mismatch", "the token's key does not fit its alg",
      "The token signing key does not match its algorithm"),
    R(AJ_R_KEY_WEAK, "key_weak", "the token's key is a known-weak RSA key (ROCA fingerprint)",
      "The token signing key is not usable"),
    R(AJ_R_KEY_MIXED_SET, "key_mixed_set",
      "the token's key is a shared secret published beside public keys",
      "The token signing key is not usable"),
    R(AJ_R_SIGNATURE_LENGTH, "signature_length", "signature has the wrong length",
      "The token signature is invalid"),
    R(AJ_R_SIGNATURE_INVALID, "signature_invalid", "signature does not verify",
      "The token signature is invalid"),
    R(AJ_R_PAYLOAD_NOT_JSON, "payload_not_json", "token payload is not JSON",
      "The token payload is malformed"),
    R(AJ_R_PAYLOAD_NOT_OBJECT, "payload_not_object", "token payload is not a JSON object",
      "The token payload is malformed"),
    R(AJ_R_PAYLOAD_DUPLICATE, "payload_duplicate", "token payload has a duplicate member",
      "The token payload is malformed"),
    R(AJ_R_PAYLOAD_TOO_DEEP, "payload_too_deep", "token payload nests too deeply",
      "The token payload is malformed"),
    R(AJ_R_PAYLOAD_UTF8, "payload_utf8", "token payload is not valid UTF-8",
      "The token payload is malformed"),
    R(AJ_R_EXP_MISSING, "exp_missing", "token has no exp claim", "The token has no expiry"),
    R(AJ_R_EXP_INVALID, "exp_invalid", "token exp is not a usable NumericDate",
      "The token expiry is malformed"),
    R(AJ_R_EXPIRED, "expired", "token has expired", "The token has expired"),
    R(AJ_R_NBF_INVALID, "nbf_invalid", "token nbf is not a usable NumericDate",
      "The token not-before time is malformed"),
    R(AJ_R_NOT_YET_VALID, "not_yet_valid", "token nbf is in the future",
      "The token is not valid yet"),
    R(AJ_R_IAT_INVALID, "iat_invalid", "token iat is not a usable NumericDate",
      "The token issued-at time is malformed"),
    R(AJ_R_IAT_FUTURE, "iat_future", "token iat is in the future",
      "The token was issued in the future"),
    R(AJ_R_ISS_MISSING, "iss_missing", "token has no iss claim", "The token has no issuer"),
    R(AJ_R_ISS_MISMATCH, "iss_mismatch", "token iss is not the configured issuer",
      "The token issuer is not accepted"),
    R(AJ_R_AUD_MISSING, "aud_missing", "token has no aud claim", "The token has no audience"),
    R(AJ_R_AUD_INVALID, "aud_invalid", "token aud is neither a string nor an array of strings",
      "The token audience is malformed"),
    R(AJ_R_AUD_MISMATCH, "aud_mismatch", "token aud holds none of the configured audiences",
      "The token audience is not accepted"),
    R(AJ_R_USER_CLAIM, "user_claim", "token lacks the Auth0RemoteUserClaim claim as a string",
      "The token has no user identifier"),
    R(AJ_R_INSUFFICIENT_SCOPE, "insufficient_scope", "token lacks a required scope",
      "The token lacks a required scope"),
    R(AJ_R_INSUFFICIENT_PERMISSION, "insufficient_permission", "token lacks a required permission",
      "The token lacks a required permission"),
    R(AJ_R_CLAIM_MISMATCH, "claim_mismatch", "token claim does not have a required value",
      "The token lacks a required claim value"),
    R(AJ_R_ACCESS_DENIED, "access_denied", "the Require rules deny this valid token",
      "The token does not allow this request"),
    R(AJ_R_DPOP_MISSING, "dpop_missing", "a DPoP token came without a DPoP proof, or a bearer "
      "token where Auth0DPoP Required asks for DPoP", "A DPoP proof is required"),
    R(AJ_R_DPOP_MULTIPLE, "dpop_multiple", "the request carries more than one DPoP proof",
      "Exactly one DPoP proof is allowed"),
    R(AJ_R_DPOP_MALFORMED, "dpop_malformed",
      "the DPoP proof is not a compact JWS with JSON header and payload",
      "The DPoP proof is malformed"),
    R(AJ_R_DPOP_TYP, "dpop_typ", "the DPoP proof typ is not dpop+jwt",
      "The DPoP proof type is not accepted"),
    R(AJ_R_DPOP_ALG, "dpop_alg", "the DPoP proof alg is missing, none or not in "
      "Auth0DPoPAlgorithms", "The DPoP proof algorithm is not accepted"),
    R(AJ_R_DPOP_JWK, "dpop_jwk", "the DPoP proof jwk is missing, not a public key, or does not "
      "fit its alg", "The DPoP proof key is not accepted"),
    R(AJ_R_DPOP_SIGNATURE, "dpop_signature", "the DPoP proof signature does not verify",
      "The DPoP proof signature is invalid"),
    R(AJ_R_DPOP_JTI, "dpop_jti", "the DPoP proof has no usable jti",
      "The DPoP proof has no identifier"),
    R(AJ_R_DPOP_HTM, "dpop_htm", "the DPoP proof htm is not the request method",
      "The DPoP proof is for another method"),
    R(AJ_R_DPOP_HTU, "dpop_htu", "the DPoP proof htu is not the request URI",
      "The DPoP proof is for another URI"),
    R(AJ_R_DPOP_IAT, "dpop_iat", "the DPoP proof iat is missing or outside "
      "Auth0DPoPProofLifetime", "The DPoP proof is too old or too new"),
    R(AJ_R_DPOP_ATH, "dpop_ath", "the DPoP proof ath is not the hash of the access token",
      "The DPoP proof is for another token"),
    R(AJ_R_DPOP_REPLAY, "dpop_replay", "the DPoP proof jti was seen before",
      "The DPoP proof was already used"),
    R(AJ_R_DPOP_BINDING, "dpop_binding", "the token cnf.jkt is missing or is not the "
      "thumbprint of the DPoP proof key", "The token is not bound to the DPoP proof key"),
    R(AJ_R_DPOP_DOWNGRADE, "dpop_downgrade", "a DPoP-bound token (cnf.jkt) was sent as a bearer "
      "token", "A DPoP-bound token must be sent with a DPoP proof"),
    R(AJ_R_CERT_BINDING, "cert_binding", "the token cnf x5t#S256 is not the thumbprint of the TLS "
      "client certificate (or there is none)",
      "The token is not bound to the client certificate"),
    R(AJ_R_DPOP_STORE, "dpop_store", "the DPoP replay store cannot record the proof (full, or "
      "its socache cannot be reached)", "DPoP proofs cannot be checked right now"),
    /* one client description for every decryption failure: no oracle */
    R(AJ_R_JWE_MALFORMED, "jwe_malformed", "the encrypted token is not a compact JWE with a JSON "
      "header and base64url parts of the right sizes", AJ_JWE_FAILED),
    R(AJ_R_JWE_ALG, "jwe_alg", "the encrypted token's alg is not RSA-OAEP, RSA-OAEP-256, "
      "RSA-OAEP-384 or RSA-OAEP-512", AJ_JWE_FAILED),
    R(AJ_R_JWE_ENC, "jwe_enc", "the encrypted token's enc is not AES-GCM or AES-CBC-HMAC-SHA2",
      AJ_JWE_FAILED),
    R(AJ_R_JWE_HEADER, "jwe_header", "the encrypted token's header has zip, crit, or a cty other "
      "than JWT", AJ_JWE_FAILED),
    R(AJ_R_JWE_KEY, "jwe_key", "no Auth0DecryptionKeyFile key has the encrypted token's kid (or "
      "it names none and there are several)", AJ_JWE_FAILED),
    R(AJ_R_JWE_UNWRAP, "jwe_unwrap", "the encrypted token's content key does not decrypt with "
      "the decryption key", AJ_JWE_FAILED),
    R(AJ_R_JWE_TAG, "jwe_tag", "the encrypted token's authentication tag does not match its "
      "header, IV and ciphertext", AJ_JWE_FAILED),
    R(AJ_R_JWE_NESTED, "jwe_nested", "the encrypted token does not hold a compact JWS (another "
      "JWE, or something else)", AJ_JWE_FAILED),
    R(AJ_R_JWE_REQUIRED, "jwe_required", "a token that is not encrypted where "
      "Auth0TokenEncryption is Required", "The token must be encrypted"),
};

static const aj_reason_t unknown = {AJ_R__COUNT, "unknown", "unknown reason",
                                    "The token is invalid"};

const aj_reason_t *aj_reason(aj_reason_e code)
{
    if ((int)code < 0 || code >= AJ_R__COUNT || reasons[code].name == NULL) {
        return &unknown;
    }
    return &reasons[code];
}

const char *aj_reason_name(aj_reason_e code)
{
    return aj_reason(code)->name;
}

const char *aj_reason_description(aj_reason_e code)
{
    return aj_reason(code)->description;
}

aj_reason_e aj_reason_by_name(const char *name)
{
    for (int i = 0; i < AJ_R__COUNT; i++) {
        if (reasons[i].name && strcmp(reasons[i].name, name) == 0) {
            return (aj_reason_e)i;
        }
    }
    return AJ_R__COUNT;
}
