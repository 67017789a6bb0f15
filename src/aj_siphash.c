/*
 * aj_siphash.c: SipHash-2-4, 128-bit output. Two compression rounds per
 * 8-byte word, four finalization rounds per output half; words are read
 * little-endian whatever the host's byte order.
 */
#include <string.h>

#include "aj_siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sip_round(uint64_t *v)
{
    v[0] += v[1];
    v[1] = ROTL(v[1], 13) ^ v[0];
    v[0] = ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = ROTL(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = ROTL(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = ROTL(v[1], 17) ^ v[2];
    v[2] = ROTL(v[2], 32);
}

static inline uint64_t load_le64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t x;
    memcpy(&x, p, sizeof(x)); /* one unaligned load */
    return x;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
#endif
}

static inline void store_le64(unsigned char *p, uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(x >> (8 * i));
    }
}

static inline void absorb(uint64_t *v, uint64_t m)
{
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
}

void aj_siphash_init(aj_siphash_t *s, const unsigned char key[16])
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);

    /* "somepseudorandomlygeneratedbytes", and 0xee into v1 for the long output */
    s->v[0] = k0 ^ UINT64_C(0x736f6d6570736575);
    s->v[1] = k1 ^ UINT64_C(0x646f72616e646f6d) ^ 0xee;
    s->v[2] = k0 ^ UINT64_C(0x6c7967656e657261);
    s->v[3] = k1 ^ UINT64_C(0x7465646279746573);
    s->tail = 0;
    s->ntail = 0;
    s->total = 0;
}

void aj_siphash_update(aj_siphash_t *s, const void *data, size_t len)
{
    const unsigned char *p = data;

    s->total += len;
    while (s->ntail > 0 && len > 0) { /* fill the partial word first */
        s->tail |= (uint64_t)*p++ << (8 * s->ntail);
        len--;
        if (++s->ntail == 8) {
            absorb(s->v, s->tail);
            s->tail = 0;
            s->ntail = 0;
        }
    }
    if (len >= 8) { /* the state in locals: the bytes cannot alias it */
        uint64_t v[4] = {s->v[0], s->v[1], s->v[2], s->v[3]};
        for (; len >= 32; p += 32, len -= 32) { /* four words a turn: less loop overhead */
            absorb(v, load_le64(p));
            absorb(v, load_le64(p + 8));
            absorb(v, load_le64(p + 16));
            absorb(v, load_le64(p + 24));
        }
        for (; len >= 8; p += 8, len -= 8) {
            absorb(v, load_le64(p));
        }
        memcpy(s->v, v, sizeof(v));
    }
    for (size_t i = 0; i < len; i++) {
        s->tail |= (uint64_t)p[i] << (8 * i);
    }
    s->ntail = (unsigned)len > 0 ? (unsigned)len : s->ntail;
}

void aj_siphash_final(aj_siphash_t *s, unsigned char out[16])
{
    uint64_t *v = s->v;

    /* the last word: the leftover bytes, and the length (mod 256) in the top byte */
    absorb(v, s->tail | (s->total & 0xff) << 56);
    v[2] ^= 0xee;
    for (int i = 0; i < 4; i++) {
        sip_round(v);
    }
    store_le64(out, v[0] ^ v[1] ^ v[2] ^ v[3]);
    v[1] ^= 0xdd;
    for (int i = 0; i < 4; i++) {
        sip_round(v);
    }
    store_le64(out + 8, v[0] ^ v[1] ^ v[2] ^ v[3]);
    memset(s, 0, sizeof(*s)); /* no key material left behind */
}

void aj_siphash128(unsigned char out[16], const unsigned char key[16], const void *data,
                   size_t len)
{
    aj_siphash_t s;

    aj_siphash_init(&s, key);
    aj_siphash_update(&s, data, len);
    aj_siphash_final(&s, out);
}
