/*
 * aj_tcache_rec.c: verified tokens as records of bytes (aj_tcache_rec.h).
 */
#include <string.h>

#include "aj_b64.h"
#include "aj_json.h"
#include "aj_tcache_rec.h"

#define MAGIC   "AJT3"
#define HEAD    (4 + 1 + 32 + 2 + 1)
#define ATH_LEN 43 /* base64url of 32 bytes */

apr_size_t aj_tcache_rec_make(unsigned char rec[AJ_TCACHE_REC_MAX], const aj_alg_t *alg,
                              const unsigned char thumbprint[32], const char *kid,
                              const char *ath, const char *claims)
{
    apr_size_t kid_len = kid ? strlen(kid) : 0, claims_len = strlen(claims);
    apr_size_t ath_len = ath && strlen(ath) == ATH_LEN ? ATH_LEN : 0;
    apr_size_t mark = kid ? kid_len + 1 : 0;
    unsigned char *at = rec;

    if (kid_len >= 0xffff || claims_len > AJ_TCACHE_REC_MAX ||
        HEAD + kid_len + ath_len + claims_len > AJ_TCACHE_REC_MAX) {
        return 0;
    }
    memcpy(at, MAGIC, 4);
    at[4] = (unsigned char)alg->id;
    memcpy(at + 5, thumbprint, 32);
    at[37] = (unsigned char)(mark >> 8);
    at[38] = (unsigned char)mark;
    at[39] = (unsigned char)ath_len;
    at += HEAD;
    memcpy(at, kid ? kid : "", kid_len);
    memcpy(at + kid_len, ath_len ? ath : "", ath_len);
    memcpy(at + kid_len + ath_len, claims, claims_len);
    return HEAD + kid_len + ath_len + claims_len;
}

int aj_tcache_rec_read(const unsigned char *rec, apr_size_t n, double now, aj_tcache_hit_t *hit,
                       apr_pool_t *p)
{
    apr_size_t kid_len, kid_mark, ath_len, text_len;
    const aj_alg_t *alg;
    json_t *payload, *kid, *ath, *parsed = NULL;
    const char *text;
    int bad = 0;

    hit->hold = NULL;
    if (n < HEAD || memcmp(rec, MAGIC, 4) != 0 || rec[4] >= AJ_ALG__COUNT ||
        (alg = aj_alg_by_id((aj_alg_id_e)rec[4])) == NULL) {
        return 0;
    }
    kid_mark = (apr_size_t)rec[37] << 8 | rec[38];
    kid_len = kid_mark ? kid_mark - 1 : 0;
    ath_len = rec[39];
    if ((ath_len != 0 && ath_len != ATH_LEN) || HEAD + kid_len + ath_len > n) {
        return 0;
    }
    /* what no writer makes: a kid with a NUL in it (every reader takes it as
     * a C string, cut short), an ath that is not the base64url of 32 bytes */
    if (memchr(rec + HEAD, '\0', kid_len) != NULL ||
        (ath_len && !aj_b64url_valid((const char *)rec + HEAD + kid_len, ath_len))) {
        return 0;
    }
    text = (const char *)rec + HEAD + kid_len + ath_len;
    text_len = n - HEAD - kid_len - ath_len;
    /* read with every rule a token's payload meets (depth, duplicates, UTF-8);
     * the hold takes a reference of its own beside the pool's */
    payload = aj_json_parse_object(&parsed, p, text, text_len) == AJ_JSON_OK
                  ? json_incref(parsed)
                  : NULL;
    if (payload == NULL) {
        return 0;
    }
    /* (a kid or an ath that is not UTF-8 makes json_stringn fail: refused below) */
    kid = kid_mark ? json_stringn((const char *)rec + HEAD, kid_len) : json_null();
    ath = ath_len ? json_stringn((const char *)rec + HEAD + kid_len, ath_len) : json_null();
    if ((hit->hold = json_array()) == NULL) {
        json_decref(kid);
        json_decref(ath);
        json_decref(payload);
        return 0;
    }
    /* each append takes its value, or frees it when it fails: no short cut */
    bad |= json_array_append_new(hit->hold, payload);
    /* (the text just parsed as JSON, so it is UTF-8: no second check) */
    bad |= json_array_append_new(hit->hold, json_stringn_nocheck(text, text_len));
    bad |= json_array_append_new(hit->hold, kid);
    bad |= json_array_append_new(hit->hold, ath);
    if (bad) {
        json_decref(hit->hold);
        hit->hold = NULL;
        return 0;
    }
    hit->payload = payload;
    hit->claims = json_string_value(json_array_get(hit->hold, 1));
    hit->kid = json_string_value(kid);
    hit->ath = json_string_value(ath);
    aj_claims_view(&hit->view, payload);
    memcpy(hit->thumbprint, rec + 5, 32);
    hit->alg = alg;
    /* never past exp by this process's clock, whatever the record said */
    if (!json_is_number(hit->view.exp) || !(now < json_number_value(hit->view.exp))) {
        json_decref(hit->hold);
        hit->hold = NULL;
        return 0;
    }
    return 1;
}
