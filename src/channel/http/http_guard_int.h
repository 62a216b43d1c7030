/* SPDX-License-Identifier: Apache-2.0 */
/* Inside channel/http's guard: the request head scanner (http_guard_head.c), which checks a head
 * held in an evbuffer against the guard's limits and RFC 9112's framing rules as bytes arrive.
 * No I/O. Only http_guard.c includes this. */
#ifndef MDT_CHANNEL_HTTP_HTTP_GUARD_INT_H
#define MDT_CHANNEL_HTTP_HTTP_GUARD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/http/http_guard.h"

struct evbuffer;

/* Why a request (or a connection) is refused; http_guard.c says it to the client. */
enum http_why {
    WHY_NONE,
    WHY_LINE,      /* 414 */
    WHY_COUNT,     /* 431 */
    WHY_BYTES,     /* 431 */
    WHY_DEADLINE,  /* 408 */
    WHY_CL,        /* 400 */
    WHY_TE_CL,     /* 400 */
    WHY_CHUNKED,   /* 411 */
    WHY_MALFORMED, /* 400 */
    WHY_NO_BODY,   /* 400 */
    WHY_FULL,      /* 503 */
    WHY_ADDR_FULL, /* 503 */
};

/* A request head being received. All zero: nothing of it seen yet. */
struct http_head {
    enum http_why why; /* WHY_NONE, or why the head is refused */
    size_t len;        /* the head is complete and accepted: its length; else 0 */
    size_t scan;       /* bytes of the held head already scanned */
    size_t line_start; /* where the line being scanned starts */
    uint32_t lines;    /* complete lines of the head so far */
    uint32_t cl_count; /* Content-Length headers */
    uint64_t cl;       /* their value */
    bool te;           /* a Transfer-Encoding header */
    bool bodyless;     /* HEAD or TRACE: evhttp reads no body after them */
};

/* Scans the bytes of src (the head from its first byte, and whatever follows) not scanned yet.
 * Returns the head's length once it is complete and accepted (h->len too); 0 while it is not
 * complete, or when it is refused (h->why). Empty lines before the request line are drained from
 * src (RFC 9112 §2.2). Then h->cl is the body's length, unless h->bodyless. */
size_t http_head_scan(struct http_head *h, const struct http_guard_limits *lim,
                      struct evbuffer *src);

#endif
