/*
 * fuzz_http.c: the fetcher's incremental HTTP/1.1 response parser (aj_http_*).
 *
 * Input layout: byte 0 chooses max_body (low 2 bits) and whether the end of
 * the connection follows (bit 2); bytes 1-2 seed the split points; the rest is
 * the response as the network would deliver it.
 *
 * The response is fed in random pieces (sizes 0 to 64, now and then larger)
 * chosen from the seed, then aj_http_eof() when bit 2 is set or the parser
 * still wants bytes. The same bytes are fed to a second parser in one piece.
 * Checks: no memory error; both parsers agree on result, status, body and
 * headers (splitting must not matter); results stay sticky after DONE or an
 * error; the body never exceeds max_body and is NUL-terminated; a DONE with
 * Content-Length has exactly that many body bytes.
 *
 * Known bug (tests/fuzz/crashes/http-*, open): after a chunk's data that is not
 * followed by CRLF, aj_http_feed() records AJ_HTTP_ERR_CHUNK but goes back to
 * reading chunk sizes, so the error is not sticky and a later "0" chunk turns
 * it into AJ_HTTP_DONE. With FUZZ_IGNORE_KNOWN=1 (scripts/fuzz.sh
 * --ignore-known) the split feed goes on after an error and the stickiness
 * checks are skipped, so fuzzing can look for other bugs meanwhile.
 * Known bug 2 (tests/fuzz/crashes/http-status-000-*, open): the status line
 * "HTTP/1.1 000" is accepted, and since aj_http_head_done() means status != 0
 * such a response completes (DONE) while the head reads as not done. Skipped
 * with FUZZ_IGNORE_KNOWN=1 too.
 */
#include "fuzz_common.h"

#include "aj_http.h"

static const apr_size_t max_bodies[4] = {0, 9, 300, 65536};
static int ignore_known;

static const char *const header_names[] = {
    "Content-Length", "Transfer-Encoding", "Content-Type", "cache-control", "ETag", "Location"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    ignore_known = getenv("FUZZ_IGNORE_KNOWN") != NULL && strcmp(getenv("FUZZ_IGNORE_KNOWN"), "0");
    return 0;
}

static uint32_t next_rand(uint32_t *x)
{
    /* xorshift32; the seed is never 0 */
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static int is_final(aj_http_result_e r)
{
    return r != AJ_HTTP_MORE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    aj_http_parser *split, *whole;
    aj_http_result_e rs = AJ_HTTP_MORE, rw, again;
    apr_size_t max_body, off = 0, blen_s, blen_w;
    const char *body_s, *body_w, *msg;
    uint32_t seed;
    int want_eof;

    if (size < 3) {
        return 0;
    }
    max_body = max_bodies[data[0] & 3];
    want_eof = (data[0] & 4) != 0;
    seed = ((uint32_t)data[1] << 8 | data[2]) * 2654435761u | 1u;
    data += 3;
    size -= 3;

    p = fz_pool_begin();
    split = aj_http_parser_make(p, max_body);
    whole = aj_http_parser_make(p, max_body);

    /* Exact-size copies of each piece, so ASan sees any read past a piece. */
    while (off < size) {
        uint32_t r = next_rand(&seed);
        apr_size_t n = (r & 0xff) < 16 ? 0 : (r & 0xff) < 240 ? (r >> 8) % 65 : (r >> 8) % 4096;
        char *piece;
        if (n > size - off) {
            n = size - off;
        }
        piece = malloc(n ? n : 1);
        memcpy(piece, data + off, n);
        rs = aj_http_feed(split, piece, n);
        free(piece);
        off += n;
        if (is_final(rs) && !ignore_known) {
            break;
        }
    }
    {
        char *all = malloc(size ? size : 1);
        memcpy(all, data, size);
        rw = aj_http_feed(whole, all, size);
        free(all);
    }
    if (want_eof || rs == AJ_HTTP_MORE) {
        rs = aj_http_eof(split);
    }
    FZ_CHECK(rs != AJ_HTTP_MORE);
    if (want_eof || rw == AJ_HTTP_MORE) {
        rw = aj_http_eof(whole);
    }
    FZ_CHECK(rs == rw);
    FZ_CHECK(aj_http_status(split) == aj_http_status(whole));
    FZ_CHECK(aj_http_head_done(split) == aj_http_head_done(whole));
    FZ_CHECK(aj_http_status(split) >= 0 && aj_http_status(split) <= 999);

    body_s = aj_http_body(split, &blen_s);
    body_w = aj_http_body(whole, &blen_w);
    FZ_CHECK(blen_s <= max_body && body_s[blen_s] == '\0');
    if (rs == AJ_HTTP_DONE) {
        FZ_CHECK(blen_s == blen_w && memcmp(body_s, body_w, blen_s) == 0);
        FZ_CHECK(aj_http_head_done(split) || (ignore_known && aj_http_status(split) == 0));
    }
    for (size_t i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++) {
        const char *hs = aj_http_header(split, header_names[i]);
        const char *hw = aj_http_header(whole, header_names[i]);
        FZ_CHECK((hs == NULL) == (hw == NULL));
        FZ_CHECK(hs == NULL || strcmp(hs, hw) == 0);
    }
    if (rs == AJ_HTTP_DONE && aj_http_header(split, "Transfer-Encoding") == NULL) {
        const char *cl = aj_http_header(split, "Content-Length");
        int st = aj_http_status(split);
        if (cl && !(st >= 100 && st < 200) && st != 204 && st != 304) {
            FZ_CHECK(strtoull(cl, NULL, 10) == (unsigned long long)blen_s);
        }
    }

    /* Sticky: more bytes or another end change nothing. */
    if (!ignore_known) {
        again = aj_http_feed(split, "HTTP/1.1 200 OK\r\n\r\n", 19);
        FZ_CHECK(again == rs);
        FZ_CHECK(aj_http_eof(split) == rs);
    }
    msg = aj_http_result_text(rs);
    FZ_CHECK(msg != NULL && strcmp(msg, "unknown") != 0);

    fz_pool_end(p);
    return 0;
}
