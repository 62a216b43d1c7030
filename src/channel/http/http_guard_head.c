/* SPDX-License-Identifier: Apache-2.0 */
/* The guard's request head scanner: request line, header count and bytes, and the headers that
 * frame the body (RFC 9112 §5, §6.3), checked as the bytes arrive, without copying a head that
 * came in one read. See http_guard_int.h. */
#include <event2/buffer.h>
#include <string.h>
#include <strings.h>

#include "channel/http/http_guard_int.h"

static void head_refuse(struct http_head *h, enum http_why why)
{
    h->why = why;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Content-Length as evhttp reads it (leading and trailing blanks ignored), but only 1*DIGIT
 * (RFC 9112 §6.3 item 5: a list or anything else is unrecoverable). */
static int content_length_parse(const char *v, size_t n, uint64_t *out)
{
    size_t i = 0, digits = 0;
    uint64_t x = 0;

    while (i < n && is_space(v[i])) {
        i++;
    }
    /* 18 digits fit in int64_t, which is what evhttp parses it into. */
    for (; i < n && v[i] >= '0' && v[i] <= '9' && digits < 18; i++, digits++) {
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    while (i < n && is_space(v[i])) {
        i++;
    }
    if (digits == 0 || i != n) {
        return -1;
    }
    *out = x;
    return 0;
}

/* The held head: a pointer into the buffer when its first chunk holds all of it (the usual case:
 * a request read at once; no copy), else read through the evbuffer API. */
struct head_view {
    struct evbuffer *src;
    const char *flat; /* NULL: not contiguous */
};

static void head_view_init(struct head_view *v, struct evbuffer *src)
{
    size_t have = evbuffer_get_length(src);

    v->src = src;
    v->flat = NULL;
    if (have > 0 && evbuffer_get_contiguous_space(src) >= have) {
        v->flat = (const char *)evbuffer_pullup(src, (ev_ssize_t)have); /* no copy: contiguous */
    }
}

/* n bytes at pos, pointed to or copied into buf (n <= its size). NULL if they are not there. */
static const char *head_view_at(const struct head_view *v, size_t pos, char *buf, size_t n)
{
    struct evbuffer_ptr p;

    if (v->flat != NULL) {
        return v->flat + pos;
    }
    evbuffer_ptr_set(v->src, &p, pos, EVBUFFER_PTR_SET);
    return evbuffer_copyout_from(v->src, &p, buf, n) == (ev_ssize_t)n ? buf : NULL;
}

/* The next LF at or after from, below have; -1 if none. */
static ev_ssize_t head_view_find_lf(const struct head_view *v, size_t from, size_t have)
{
    struct evbuffer_ptr p;
    const char *lf;

    if (v->flat != NULL) {
        lf = memchr(v->flat + from, '\n', have - from);
        return lf != NULL ? lf - v->flat : -1;
    }
    evbuffer_ptr_set(v->src, &p, from, EVBUFFER_PTR_SET);
    return evbuffer_search(v->src, "\n", 1, &p).pos;
}

/* One header line, len bytes without its CRLF, at pos. Only the few headers that frame the body
 * are read; the others are only checked to be "name:" with no blank in the name, so that
 * evhttp's view of the head (which would keep "Content-Length :" as another name) and ours
 * agree (RFC 9112 §5.1). Obsolete line folding is refused (§5.2). */
static void head_header_check(struct http_head *h, const struct head_view *v, size_t pos,
                              size_t len)
{
    char buf[128];
    size_t n = len < sizeof(buf) ? len : sizeof(buf);
    const char *line = head_view_at(v, pos, buf, n);
    const char *colon;
    size_t name_len;

    if (line == NULL) {
        head_refuse(h, WHY_MALFORMED);
        return;
    }
    colon = memchr(line, ':', n);
    if (is_space(line[0]) || colon == NULL) {
        /* A name longer than the buffer is not one of ours; it must still have no blank. */
        if (is_space(line[0]) || memchr(line, ' ', n) != NULL || n == len) {
            head_refuse(h, WHY_MALFORMED);
        }
        return;
    }
    name_len = (size_t)(colon - line);
    if (name_len == 0 || memchr(line, ' ', name_len) != NULL ||
        memchr(line, '\t', name_len) != NULL) {
        head_refuse(h, WHY_MALFORMED);
    } else if (name_len == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
        h->te = true;
    } else if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        h->cl_count++;
        if (n != len || h->cl_count > 1 ||
            content_length_parse(colon + 1, n - name_len - 1, &h->cl) < 0) {
            head_refuse(h, WHY_CL);
        }
    }
}

/* A complete line of the head: the request line, a header, or the empty line that ends it. */
static void head_line_check(struct http_head *h, const struct http_guard_limits *lim,
                            const struct head_view *v, size_t len)
{
    char buf[6] = {0};
    const char *method;

    if (h->lines == 0) {
        if (len + 2 > lim->request_line_max) {
            head_refuse(h, WHY_LINE);
            return;
        }
        method = len >= 6 ? head_view_at(v, h->line_start, buf, 6) : NULL;
        h->bodyless =
            method != NULL && (memcmp(method, "HEAD ", 5) == 0 || memcmp(method, "TRACE ", 6) == 0);
    } else if (len == 0) {
        /* The empty line that ends the head. */
    } else if (h->lines > lim->header_count_max) {
        head_refuse(h, WHY_COUNT);
    } else {
        head_header_check(h, v, h->line_start, len);
    }
}

/* The head is complete: the body framing rules of RFC 9112 §6.3, as evhttp applies them. */
static void head_framing_check(struct http_head *h)
{
    if (h->te && h->cl_count > 0) {
        head_refuse(h, WHY_TE_CL); /* §6.3 item 3: a smuggling attempt */
    } else if (h->te) {
        head_refuse(h, WHY_CHUNKED); /* no client of ours sends chunked requests */
    } else if (h->bodyless && h->cl > 0) {
        head_refuse(h, WHY_NO_BODY); /* evhttp would read the body as the next request */
    }
}

/* Scans the new bytes of the held head, a line at a time: each byte is looked at once, so a
 * head costs time linear in its length (plus, when it came in pieces, per line a walk over the
 * buffer's chunks to the scan position: at most header_count_max times head_bytes_max / 4 KiB).
 * Returns the head's length when it is complete and accepted, 0 while it is not complete or when
 * it is refused (h->state says). */
size_t http_head_scan(struct http_head *h, const struct http_guard_limits *lim,
                      struct evbuffer *src)
{
    size_t have = evbuffer_get_length(src);
    struct head_view v;

    head_view_init(&v, src);
    /* Bounded by the bytes held (at most head_bytes_max plus one read), one line per turn. */
    while (h->why == WHY_NONE && h->scan < have) {
        ev_ssize_t lf = head_view_find_lf(&v, h->scan, have);
        const char *last;
        char cr = 0;
        size_t len;

        if (lf < 0) {
            h->scan = have;
            break;
        }
        h->scan = (size_t)lf + 1;
        len = (size_t)lf - h->line_start;
        last = len > 0 ? head_view_at(&v, (size_t)lf - 1, &cr, 1) : NULL;
        if (last != NULL && *last == '\r') {
            len--;
        }
        if (h->scan > lim->head_bytes_max) {
            head_refuse(h, h->lines == 0 ? WHY_LINE : WHY_BYTES);
            break;
        }
        if (len == 0 && h->lines == 0) {
            /* Empty lines before a request line are ignored (RFC 9112 §2.2); not passed on. */
            evbuffer_drain(src, h->scan);
            have -= h->scan;
            h->scan = h->line_start = 0;
            head_view_init(&v, src);
            continue;
        }
        head_line_check(h, lim, &v, len);
        h->lines++;
        h->line_start = h->scan;
        if (len == 0 && h->why == WHY_NONE) {
            head_framing_check(h);
            h->len = h->why == WHY_NONE ? h->scan : 0;
            return h->len;
        }
    }
    if (h->why == WHY_NONE && h->lines == 0 && h->scan > lim->request_line_max) {
        head_refuse(h, WHY_LINE);
    } else if (h->why == WHY_NONE && h->scan > lim->head_bytes_max) {
        /* As for a complete line above, so that the answer never depends on how reads fell. */
        head_refuse(h, h->lines == 0 ? WHY_LINE : WHY_BYTES);
    }
    return 0;
}
