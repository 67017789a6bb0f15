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

int aj_tcache_rec_read(const unsigned char *rec, apr_size_t n, double now, aj_tcache_hit_t *hit)
{
    apr_size_t kid_len, kid_mark, ath_len, text_len;
    const aj_alg_t *alg;
    json_t *payload = NULL;
    aj_claims_view_t view;
    const char *text, *kid, *ath;
    aj_tcache_held_t *hold;

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
    kid = kid_mark ? (const char *)rec + HEAD : NULL;
    ath = ath_len ? (const char *)rec + HEAD + kid_len : NULL;
    /* what no writer makes: a kid with a NUL in it (every reader takes it as
     * a C string, cut short) or that is not UTF-8 (a token header's kid is a
     * JSON string), an ath that is not the base64url of 32 bytes */
    if (memchr(rec + HEAD, '\0', kid_len) != NULL || !aj_json_utf8_valid(kid, kid_len) ||
        (ath_len && !aj_b64url_valid(ath, ath_len))) {
        return 0;
    }
    text = (const char *)rec + HEAD + kid_len + ath_len;
    text_len = n - HEAD - kid_len - ath_len;
    /* read with every rule a token's payload meets (depth, duplicates,
     * UTF-8): in the common form only the claims the view keeps are built
     * (a reader that wants another claim parses the text then); in any
     * other form the whole payload, with jansson's reader */
    if (!aj_claims_view_text(&view, text, text_len)) {
        if (aj_json_parse_object(&payload, NULL, text, text_len) != AJ_JSON_OK) {
            return 0; /* (with no pool, the reference is the block's) */
        }
        aj_claims_view(&view, payload);
        aj_claims_view_hold(&view);
    }
    /* never past exp by this process's clock, whatever the record said */
    if (!json_is_number(view.exp) || !(now < json_number_value(view.exp))) {
        json_decref(payload);
        aj_claims_view_release(&view);
        return 0;
    }
    if ((hold = aj_tcache_held_make(payload, &view, text, text_len, kid, kid_len, ath, ath_len)) ==
        NULL) {
        return 0;
    }
    hit->hold = hold;
    hit->payload = hold->payload;
    hit->claims = hold->claims;
    hit->view = hold->view;
    hit->kid = hold->kid;
    hit->ath = hold->ath;
    memcpy(hit->thumbprint, rec + 5, 32);
    hit->alg = alg;
    return 1;
}
