/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server's guard against hostile clients: it owns a listener of an evhttp and bounds,
 * per connection, the request head (line, header count, bytes), the time to send a request, and
 * Content-Length framing; and, per listener, connections in total and per client address; and it
 * pauses accepting, instead of spinning, when the process runs out of file descriptors. */
#ifndef MDT_CHANNEL_HTTP_HTTP_GUARD_H
#define MDT_CHANNEL_HTTP_HTTP_GUARD_H

#include <stdint.h>

#include "base/error.h"

struct event_base;
struct evhttp;
struct http_guard;
typedef struct ssl_ctx_st SSL_CTX;

/* What a client may send and hold. Answers when a limit is passed: 414 (request line), 431
 * (header count, head bytes), 408 (deadline, when nothing of the request reached the handler;
 * otherwise the connection is closed), 503 with Retry-After (connections), each followed by
 * closing the connection. */
struct http_guard_limits {
    uint32_t request_line_max;         /* bytes of the request line, CRLF included */
    uint32_t header_count_max;         /* header lines */
    uint32_t head_bytes_max;           /* request line and headers, CRLFs included */
    uint32_t request_deadline_ms;      /* first byte of a head to last byte of its body */
    uint32_t connections_max;          /* open connections on this listener */
    uint32_t connections_per_addr_max; /* of those, from one client address */
};

/* The defaults of src/base/limits.h (HTTP_*_DEFAULT). */
void http_guard_limits_default(struct http_guard_limits *lim);

/* Listen on "host:port" for http (an evhttp of base that has no listener yet) behind the guard.
 * tls: NULL for plain HTTP, else every connection speaks TLS with it (borrowed: it must outlive
 * the guard). lim is copied. Registers a handler for the path /.mandat-guard on http (the
 * guard's own answers) and sets http's header size limit above lim's, as a backstop.
 * *out: free with http_guard_free() after evhttp_free(http). Errors: INVAL (listen or limits),
 * IO (cannot bind), NOMEM. Not thread safe: everything runs on base's loop. */
int http_guard_listen(struct event_base *base, struct evhttp *http, const char *listen,
                      SSL_CTX *tls, const struct http_guard_limits *lim, struct http_guard **out,
                      struct mdt_err *err);

/* Frees the guard; call it after evhttp_free() of its evhttp (which closes the listener and the
 * connections). NULL is a no-op. */
void http_guard_free(struct http_guard *g);

#endif
