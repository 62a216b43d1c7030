/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the HTTP guard's request head scanner (http_guard_head.c), the first code
 * that reads what a hostile client sends. The first bytes choose small limits and how the rest
 * is cut into reads; the rest is the stream. The scanner must decide the same whether the bytes
 * come at once or a few at a time (it keeps state between reads), never accept a head longer
 * than the limit or than what it was given, and never both accept and refuse. Aborts otherwise. */
#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/http/http_guard_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one scan of a stream decided. */
struct outcome {
    enum http_why why;
    size_t len;
    uint64_t cl;
    bool bodyless;
};

/* Feeds data to the scanner in reads of the sizes cuts[] gives (cycling), until it decides. */
static struct outcome scan(const struct http_guard_limits *lim, const uint8_t *data, size_t size,
                           const uint8_t *cuts, size_t ncuts)
{
    struct evbuffer *b = evbuffer_new();
    struct http_head h = {0};
    struct outcome o = {0};
    size_t off = 0, k = 0, given = 0;

    if (b == NULL) {
        abort();
    }
    while (off < size) {
        size_t n = ncuts > 0 ? (size_t)(cuts[k++ % ncuts] % 64) + 1 : size - off;

        if (n > size - off) {
            n = size - off;
        }
        evbuffer_add(b, data + off, n);
        off += n;
        given += n;
        o.len = http_head_scan(&h, lim, b);
        if (o.len > 0 && (h.why != WHY_NONE || o.len > evbuffer_get_length(b) ||
                          o.len > lim->head_bytes_max || h.len != o.len)) {
            abort(); /* accepted and refused, or longer than given or allowed */
        }
        if (o.len > 0 || h.why != WHY_NONE) {
            break;
        }
    }
    if (evbuffer_get_length(b) > given) {
        abort();
    }
    o.why = h.why;
    o.cl = h.cl;
    o.bodyless = h.bodyless;
    evbuffer_free(b);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_guard_limits lim;
    struct outcome whole, pieces;
    size_t ncuts;

    if (size < 4) {
        return 0;
    }
    http_guard_limits_default(&lim);
    /* Small limits, so that every refusal is reached with short inputs. */
    lim.request_line_max = 16 + data[0] * 4u;
    lim.header_count_max = 1 + data[1] % 16u;
    lim.head_bytes_max = 64 + data[2] * 8u;
    ncuts = 1 + data[3] % 8u;
    data += 4;
    size -= 4;
    if (size < ncuts) {
        return 0;
    }
    whole = scan(&lim, data + ncuts, size - ncuts, NULL, 0);
    pieces = scan(&lim, data + ncuts, size - ncuts, data, ncuts);
    if (whole.why != pieces.why || whole.len != pieces.len ||
        (whole.len > 0 && (whole.cl != pieces.cl || whole.bodyless != pieces.bodyless))) {
        abort(); /* the decision depends on how the bytes were read */
    }
    return 0;
}
