/* SPDX-License-Identifier: Apache-2.0 */
/* The guard between clients and libevent's evhttp (2.1), which bounds neither connections nor the
 * time a request may take, and reads any number of header lines. Each connection is a filter
 * bufferevent whose input side holds back each request head until it is complete and checked,
 * then passes it and exactly Content-Length body bytes on. A request that breaks a rule is
 * replaced by a synthetic one routed to the guard's own handler, which answers and closes. */
#include "channel/http/http_guard.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/log.h"
#include "channel/http/http_guard_int.h"

/* The path of the synthetic requests. A client may ask for it too: it gets a 404 unless the
 * guard has itself decided to refuse that connection. */
#define GUARD_PATH "/.mandat-guard"
static const char guard_request[] = "GET " GUARD_PATH " HTTP/1.1\r\nHost: mandat\r\n"
                                    "Connection: close\r\n\r\n";

enum conn_state {
    CONN_HEAD, /* holding back a request head (scan, line_start ... describe it) */
    CONN_BODY, /* passing body_left more bytes on */
    CONN_DONE, /* refused: the synthetic request is (to be) passed on, the rest dropped */
};

struct guard_conn {
    struct http_guard *g; /* NULL once the guard is freed before the connection */
    struct guard_conn *prev, *next;
    struct bufferevent *under;  /* the socket (or TLS) bufferevent */
    struct bufferevent *filter; /* what evhttp sees */
    struct event *timer;        /* admission (zero delay), then the request deadline */
    struct event *kick;         /* runs the filter again once evhttp has room (stalled) */
    struct event *flush;        /* moves evhttp's output below the filter */
    bufferevent_data_cb under_read, under_write; /* the filter's own callbacks on under */
    bufferevent_event_cb under_event;
    void *under_arg;
    struct sockaddr_storage addr;
    bool admitted;  /* the address is known and counted */
    bool counted;   /* counted in its address's connections */
    bool got_bytes; /* bytes of the current request arrived */
    bool passed;    /* bytes of the current request went to evhttp */
    bool injected;  /* the synthetic request went to evhttp */
    bool stalled;   /* bytes wait below the filter until evhttp takes what it was given */
    enum conn_state state;
    enum http_why why;
    struct http_head head; /* the request head being held */
    uint64_t body_left;
    uint64_t body_passed; /* bytes of the current body passed on */
};

struct http_guard {
    struct event_base *base;
    struct evhttp *http;
    SSL_CTX *tls;
    struct http_guard_limits lim;
    struct evconnlistener *listener; /* owned by http once bound */
    struct event *resume;            /* re-enables accepting after a pause */
    int spare_fd;                    /* released to accept and close one client at EMFILE */
    uint32_t connections;            /* open connections, refused ones included */
    uint32_t pauses;                 /* accept pauses since the last warning */
    time_t warned_s;                 /* when the last warning about them was logged */
    struct guard_conn *conns;        /* every open connection */
};

void http_guard_limits_default(struct http_guard_limits *lim)
{
    lim->request_line_max = HTTP_REQUEST_LINE_MAX_DEFAULT;
    lim->header_count_max = HTTP_HEADER_COUNT_MAX_DEFAULT;
    lim->head_bytes_max = HTTP_HEAD_BYTES_MAX_DEFAULT;
    lim->request_deadline_ms = HTTP_REQUEST_TIMEOUT_S_DEFAULT * 1000;
    lim->connections_max = HTTP_CONNECTIONS_MAX_DEFAULT;
    lim->connections_per_addr_max = HTTP_CONNECTIONS_PER_ADDR_MAX_DEFAULT;
}

/* ---- a connection ----------------------------------------------------------------------- */

static void conn_refuse(struct guard_conn *c, enum http_why why)
{
    c->state = CONN_DONE;
    c->why = why;
}

static void conn_deadline_arm(struct guard_conn *c)
{
    uint32_t ms = c->g->lim.request_deadline_ms;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

    evtimer_add(c->timer, &tv);
}

/* The last body byte of a request went to evhttp: the next head starts afresh. */
static void conn_request_end(struct guard_conn *c)
{
    if (c->admitted) {
        evtimer_del(c->timer);
    }
    c->state = CONN_HEAD;
    c->got_bytes = c->passed = false;
    memset(&c->head, 0, sizeof(c->head));
    c->body_left = c->body_passed = 0;
}

/* evhttp is given one request at a time, so that what a connection holds is bounded: a head
 * is passed on only when evhttp has read everything before it, and a body beyond
 * head_bytes_max only when evhttp has read its head (and so checked Content-Length against its
 * max_body_size). Meanwhile the filter stalls: the socket is not read (the bytes wait in the
 * kernel), and kick resumes when evhttp has read or answered. Without this, requests pipelined
 * while a response is written would pile up unbounded. */
static void conn_stall(struct guard_conn *c)
{
    if (!c->stalled) {
        c->stalled = true;
        bufferevent_disable(c->under, EV_READ);
    }
}

/* Passes on what it may of the body. Returns true when something was passed on. */
static bool conn_body_pass(struct guard_conn *c, struct evbuffer *src, struct evbuffer *dst)
{
    size_t n = evbuffer_get_length(src);
    bool head_read = evbuffer_get_length(dst) <= c->body_passed;

    if (c->body_left < n) {
        n = (size_t)c->body_left;
    }
    if (!head_read && c->body_passed + n > c->g->lim.head_bytes_max) {
        n = c->body_passed < c->g->lim.head_bytes_max
                ? (size_t)(c->g->lim.head_bytes_max - c->body_passed)
                : 0;
    }
    if (n > 0) {
        evbuffer_remove_buffer(src, dst, n);
        c->body_left -= n;
        c->body_passed += n;
    }
    if (c->body_left == 0) {
        conn_request_end(c);
    } else if (evbuffer_get_length(src) > 0) {
        conn_stall(c);
    }
    return n > 0;
}

/* CONN_HEAD: scan what came; pass the head on once it is complete and accepted, and evhttp has
 * read everything before it. Returns true when something was passed on. */
static bool conn_head_take(struct guard_conn *c, struct evbuffer *src, struct evbuffer *dst)
{
    if (evbuffer_get_length(src) == 0) {
        return false;
    }
    if (!c->got_bytes && c->admitted && !evtimer_pending(c->timer, NULL)) {
        conn_deadline_arm(c);
    }
    c->got_bytes = true;
    if (c->head.len == 0 && http_head_scan(&c->head, &c->g->lim, src) == 0) {
        if (c->head.why != WHY_NONE) {
            conn_refuse(c, c->head.why);
        }
        return false;
    }
    if (evbuffer_get_length(dst) > 0) {
        conn_stall(c);
        return false;
    }
    evbuffer_remove_buffer(src, dst, c->head.len);
    c->passed = true;
    c->state = CONN_BODY;
    c->body_left = c->head.bodyless ? 0 : c->head.cl;
    conn_body_pass(c, src, dst);
    return true;
}

/* The input filter (bufferevent_filter_cb): src holds what the client sent, dst what evhttp
 * reads. It returns BEV_OK when it passed something on and BEV_NEED_MORE when it cannot go
 * further now, which ends libevent's loop around it. */
static enum bufferevent_filter_result conn_filter_in(struct evbuffer *src, struct evbuffer *dst,
                                                     ev_ssize_t limit,
                                                     enum bufferevent_flush_mode mode, void *ctx)
{
    struct guard_conn *c = ctx;

    (void)limit;
    (void)mode;
    if (c->g == NULL) {
        evbuffer_drain(src, evbuffer_get_length(src));
        return BEV_NEED_MORE;
    }
    if (c->state == CONN_HEAD && conn_head_take(c, src, dst)) {
        return BEV_OK;
    }
    if (c->state == CONN_BODY && evbuffer_get_length(src) > 0 && conn_body_pass(c, src, dst)) {
        return BEV_OK;
    }
    if (c->state == CONN_DONE) {
        /* Whatever follows a refused request is never read: the connection closes after the
         * answer. Dropping it costs O(1) per read. */
        evbuffer_drain(src, evbuffer_get_length(src));
        if (!c->injected) {
            evbuffer_add(dst, guard_request, sizeof(guard_request) - 1);
            c->injected = true;
            return BEV_OK;
        }
    }
    return BEV_NEED_MORE;
}

/* evhttp read from its input: if the filter stalled, run it again from the loop (not from
 * inside evhttp's read). */
static void conn_in_read(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    struct guard_conn *c = arg;

    (void)in;
    if (info->n_deleted > 0 && c->stalled) {
        event_active(c->kick, EV_TIMEOUT, 1);
    }
}

/* Runs the filter now, so that a refusal decided outside it (a cap, the deadline) reaches
 * evhttp. c may be freed when this returns. */
static void conn_inject(struct guard_conn *c)
{
    bufferevent_trigger(c->under, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
}

static void conn_on_kick(evutil_socket_t fd, short what, void *arg)
{
    struct guard_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->g == NULL || !c->stalled) {
        return;
    }
    if (!(bufferevent_get_enabled(c->filter) & EV_READ)) {
        return; /* evhttp is busy with a request: conn_under_write kicks again after it */
    }
    c->stalled = false;
    bufferevent_enable(c->under, EV_READ);
    conn_inject(c);
}

/* Same client: same address, whatever the port. */
static bool addr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
    const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

    if (a->ss_family != b->ss_family) {
        return false;
    }
    if (a->ss_family == AF_INET) {
        return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        return memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
    }
    return true; /* no address (a Unix socket): one client */
}

/* Counts connections from c's address: O(connections), at most connections_max, once per
 * accepted connection (about a microsecond at 1024). */
static uint32_t addr_count(const struct http_guard *g, const struct guard_conn *c)
{
    uint32_t n = 0;

    for (const struct guard_conn *o = g->conns; o != NULL; o = o->next) {
        if (o != c && o->counted && addr_same(&o->addr, &c->addr)) {
            n++;
        }
    }
    return n;
}

/* Zero delay after the accept, once evhttp has given the bufferevent its socket: the caps. */
static void conn_admit(struct guard_conn *c)
{
    struct http_guard *g = c->g;
    socklen_t len = sizeof(c->addr);
    evutil_socket_t fd = bufferevent_getfd(c->filter);
    enum http_why why = WHY_NONE;

    c->admitted = true;
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&c->addr, &len) < 0) {
        memset(&c->addr, 0, sizeof(c->addr));
    }
    if (g->connections > g->lim.connections_max) {
        why = WHY_FULL;
    } else if (addr_count(g, c) >= g->lim.connections_per_addr_max) {
        why = WHY_ADDR_FULL;
    } else {
        c->counted = true;
    }
    /* The first request must be complete within the deadline of the accept: this also bounds a
     * TLS handshake and a client that connects and sends nothing. */
    conn_deadline_arm(c);
    if (why != WHY_NONE) {
        conn_refuse(c, why);
        conn_inject(c);
    }
}

/* The deadline: a 408 when nothing of the request went to evhttp yet and the client sent
 * something; otherwise evhttp is told the client is gone, and closes. */
static void conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct guard_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->g == NULL) {
        return;
    }
    if (!c->admitted) {
        conn_admit(c);
        return;
    }
    if (c->state == CONN_HEAD && c->got_bytes && !c->passed) {
        conn_refuse(c, WHY_DEADLINE);
        conn_deadline_arm(c); /* then closed if the client does not take its answer */
        conn_inject(c);
        return;
    }
    bufferevent_trigger_event(c->filter, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

/* The filter's free_context: the connection is gone. */
static void conn_free(void *arg)
{
    struct guard_conn *c = arg;

    if (c->g != NULL) {
        if (c->prev != NULL) {
            c->prev->next = c->next;
        } else {
            c->g->conns = c->next;
        }
        if (c->next != NULL) {
            c->next->prev = c->prev;
        }
        c->g->connections--;
    }
    event_free(c->timer);
    event_free(c->kick);
    event_free(c->flush);
    free(c);
}

/* ---- the output side ------------------------------------------------------------------- */

/* libevent 2.1's filter passes output on only while evhttp has writing enabled, which it enables
 * after writing its response into the filter (nothing then flushes it), and tells evhttp that
 * the response is written as soon as it is below the filter, so that a "Connection: close"
 * answer is cut off. So the guard moves evhttp's output below the filter itself (conn_on_flush),
 * and tells evhttp when the socket has taken all of it (conn_under_write). */
static void conn_out_added(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
    struct guard_conn *c = arg;

    (void)out;
    if (info->n_added > 0) {
        event_active(c->flush, EV_TIMEOUT, 1);
    }
}

/* Once per loop turn, from the loop: evhttp writes a response in many small pieces, moved at
 * once they stay in one chunk (one allocation, one write). Not evbuffer_defer_callbacks(),
 * whose callback keeps the filter alive after bufferevent_free() has freed under; this event is
 * freed with the connection (conn_free). */
static void conn_on_flush(evutil_socket_t fd, short what, void *arg)
{
    struct guard_conn *c = arg;
    struct evbuffer *out = bufferevent_get_output(c->filter);

    (void)fd;
    (void)what;
    if (evbuffer_get_length(out) > 0) {
        evbuffer_add_buffer(bufferevent_get_output(c->under), out);
    }
}

/* The filter's output function (once evhttp enables writing, libevent calls it on each addition
 * too): it moves what it is given and never says it passed something on, which would tell
 * evhttp its response is written while it is only below the filter. */
static enum bufferevent_filter_result conn_filter_out(struct evbuffer *src, struct evbuffer *dst,
                                                      ev_ssize_t limit,
                                                      enum bufferevent_flush_mode mode, void *ctx)
{
    (void)limit;
    (void)mode;
    (void)ctx;
    evbuffer_add_buffer(dst, src);
    return BEV_NEED_MORE;
}

static void conn_under_read(struct bufferevent *under, void *arg)
{
    struct guard_conn *c = arg;

    c->under_read(under, c->under_arg);
}

static void conn_under_event(struct bufferevent *under, short what, void *arg)
{
    struct guard_conn *c = arg;

    c->under_event(under, what, c->under_arg);
}

/* The socket took everything: evhttp's response is written. c may be freed on return. */
static void conn_under_write(struct bufferevent *under, void *arg)
{
    struct guard_conn *c = arg;

    c->under_write(under, c->under_arg);
    if (c->stalled) {
        event_active(c->kick, EV_TIMEOUT, 1); /* evhttp reads again after this answer */
    }
    if ((bufferevent_get_enabled(c->filter) & EV_WRITE) &&
        evbuffer_get_length(bufferevent_get_output(c->filter)) == 0 &&
        evbuffer_get_length(bufferevent_get_output(under)) == 0) {
        bufferevent_trigger(c->filter, EV_WRITE, 0);
    }
}

static struct bufferevent *conn_under_new(struct http_guard *g, struct event_base *base)
{
    SSL *ssl;

    if (g->tls == NULL) {
        return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    ssl = SSL_new(g->tls);
    return ssl == NULL ? NULL
                       : bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                        BEV_OPT_CLOSE_ON_FREE);
}

/* evhttp's bufferevent callback, once per accepted connection. NULL (out of memory) makes
 * evhttp use a plain bufferevent of its own. */
static struct bufferevent *conn_new(struct event_base *base, void *arg)
{
    struct http_guard *g = arg;
    struct guard_conn *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        return NULL;
    }
    c->timer = evtimer_new(base, conn_on_timer, c);
    c->kick = evtimer_new(base, conn_on_kick, c);
    c->flush = evtimer_new(base, conn_on_flush, c);
    c->under = conn_under_new(g, base);
    if (c->timer == NULL || c->kick == NULL || c->flush == NULL || c->under == NULL) {
        goto fail;
    }
    c->filter = bufferevent_filter_new(c->under, conn_filter_in, conn_filter_out,
                                       BEV_OPT_CLOSE_ON_FREE, conn_free, c);
    if (c->filter == NULL) {
        goto fail;
    }
    if (evbuffer_add_cb(bufferevent_get_output(c->filter), conn_out_added, c) == NULL ||
        evbuffer_add_cb(bufferevent_get_input(c->filter), conn_in_read, c) == NULL) {
        bufferevent_free(c->filter); /* frees under and c (conn_free) */
        return NULL;
    }
    bufferevent_getcb(c->under, &c->under_read, &c->under_write, &c->under_event, &c->under_arg);
    bufferevent_setcb(c->under, conn_under_read, conn_under_write, conn_under_event, c);
    c->g = g;
    c->next = g->conns;
    if (g->conns != NULL) {
        g->conns->prev = c;
    }
    g->conns = c;
    g->connections++;
    event_active(c->timer, EV_TIMEOUT, 1);
    return c->filter;
fail:
    if (c->under != NULL) {
        bufferevent_free(c->under);
    }
    if (c->timer != NULL) {
        event_free(c->timer);
    }
    if (c->kick != NULL) {
        event_free(c->kick);
    }
    if (c->flush != NULL) {
        event_free(c->flush);
    }
    free(c);
    return NULL;
}

/* ---- the guard's answers ---------------------------------------------------------------- */

struct guard_answer {
    int status;
    const char *reason;
    const char *text; /* printf format; its one %u is the limit, when there is one */
};

static struct guard_answer guard_answer_of(enum http_why why)
{
    switch (why) {
    case WHY_LINE:
        return (struct guard_answer){414, "URI Too Long",
                                     "request line longer than %u bytes: shorten the URL\n"};
    case WHY_COUNT:
        return (struct guard_answer){431, "Request Header Fields Too Large",
                                     "more than %u header lines: send fewer headers\n"};
    case WHY_BYTES:
        return (struct guard_answer){431, "Request Header Fields Too Large",
                                     "request head larger than %u bytes: send smaller headers\n"};
    case WHY_DEADLINE:
        return (struct guard_answer){408, "Request Timeout",
                                     "request not complete within %u ms: send it at once\n"};
    case WHY_CL:
        return (struct guard_answer){400, "Bad Request",
                                     "Content-Length repeated or not a number: send one\n"};
    case WHY_TE_CL:
        return (struct guard_answer){400, "Bad Request",
                                     "Transfer-Encoding and Content-Length together: send "
                                     "Content-Length only\n"};
    case WHY_CHUNKED:
        return (struct guard_answer){411, "Length Required",
                                     "chunked request bodies are not accepted: send "
                                     "Content-Length\n"};
    case WHY_NO_BODY:
        return (struct guard_answer){400, "Bad Request", "HEAD and TRACE requests take no body\n"};
    case WHY_FULL:
        return (struct guard_answer){503, "Service Unavailable",
                                     "more than %u connections: retry in a second\n"};
    case WHY_ADDR_FULL:
        return (struct guard_answer){503, "Service Unavailable",
                                     "%u connections from your address already: close some, "
                                     "then retry\n"};
    case WHY_MALFORMED:
    case WHY_NONE:
    default:
        return (struct guard_answer){400, "Bad Request",
                                     "malformed header line: write name: value, no blank "
                                     "before the colon, no folded lines\n"};
    }
}

static uint32_t guard_limit_of(const struct http_guard *g, enum http_why why)
{
    switch (why) {
    case WHY_LINE:
        return g->lim.request_line_max;
    case WHY_COUNT:
        return g->lim.header_count_max;
    case WHY_BYTES:
        return g->lim.head_bytes_max;
    case WHY_DEADLINE:
        return g->lim.request_deadline_ms;
    case WHY_FULL:
        return g->lim.connections_max;
    case WHY_ADDR_FULL:
        return g->lim.connections_per_addr_max;
    default:
        return 0;
    }
}

/* The handler of the synthetic requests. O(connections) to find the connection, only when a
 * request is refused. */
static void guard_on_request(struct evhttp_request *req, void *arg)
{
    struct http_guard *g = arg;
    struct bufferevent *bev = evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    const struct guard_conn *c = g->conns;
    struct guard_answer a;
    struct evbuffer *b;

    while (c != NULL && c->filter != bev) {
        c = c->next;
    }
    if (c == NULL || !c->injected) {
        evhttp_send_error(req, 404, NULL); /* a client asking for the path itself */
        return;
    }
    a = guard_answer_of(c->why);
    log_debug("http: refused with %d (%s)", a.status, a.reason);
    b = evbuffer_new();
    if (b != NULL) {
        const char *num = strstr(a.text, "%u");

        if (num != NULL) {
            evbuffer_add_printf(b, "%.*s%u%s", (int)(num - a.text), a.text,
                                guard_limit_of(g, c->why), num + 2);
        } else {
            evbuffer_add_printf(b, "%s", a.text);
        }
    }
    evhttp_add_header(out, "Content-Type", "text/plain; charset=utf-8");
    evhttp_add_header(out, "Connection", "close");
    if (a.status == 503) {
        evhttp_add_header(out, "Retry-After", "1");
    }
    evhttp_send_reply(req, a.status, a.reason, b);
    if (b != NULL) {
        evbuffer_free(b);
    }
}

/* ---- accepting -------------------------------------------------------------------------- */

/* libevent 2.1's evhttp_bind_listener makes the evhttp the argument of the listener's
 * callbacks, so the error callback learns the evhttp, not the guard: this table finds it. Only
 * the loop's thread touches it (listen, free, the error callback). */
static struct {
    const struct evhttp *http;
    struct http_guard *g;
} guard_table[HTTP_GUARD_LISTENERS_MAX];

static struct http_guard *guard_find(const struct evhttp *http)
{
    for (size_t i = 0; i < HTTP_GUARD_LISTENERS_MAX; i++) {
        if (guard_table[i].http == http) {
            return guard_table[i].g;
        }
    }
    return NULL;
}

static int guard_table_set(const struct evhttp *from, const struct evhttp *to, struct http_guard *g)
{
    for (size_t i = 0; i < HTTP_GUARD_LISTENERS_MAX; i++) {
        if (guard_table[i].http == from) {
            guard_table[i].http = to;
            guard_table[i].g = to != NULL ? g : NULL;
            return 0;
        }
    }
    return -1;
}

static void guard_on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct http_guard *g = arg;

    (void)fd;
    (void)what;
    evconnlistener_enable(g->listener);
}

/* accept() failed for want of descriptors (or memory). libevent would retry at once and log each
 * time: instead, refuse the client that waits (the spare descriptor makes room to accept and
 * close it, so it is not left hanging), and stop accepting for HTTP_ACCEPT_PAUSE_MS. One
 * warning per HTTP_ACCEPT_WARN_S at most, with the count of pauses. */
static void guard_on_accept_error(struct evconnlistener *lev, void *arg)
{
    int e = EVUTIL_SOCKET_ERROR();
    struct http_guard *g = guard_find(arg);
    struct timeval tv = {0, HTTP_ACCEPT_PAUSE_MS * 1000}, now;
    int fd;

    if (g == NULL) {
        evconnlistener_disable(lev); /* cannot happen: the guard frees its listener first */
        return;
    }
    if (g->spare_fd >= 0 && (e == EMFILE || e == ENFILE)) {
        close(g->spare_fd);
        fd = accept(evconnlistener_get_fd(lev), NULL, NULL);
        if (fd >= 0) {
            close(fd);
        }
        g->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    g->pauses++;
    event_base_gettimeofday_cached(g->base, &now);
    if (now.tv_sec - g->warned_s >= HTTP_ACCEPT_WARN_S) {
        log_warn("http: cannot accept connections (%s): paused %u times for %d ms since the "
                 "last warning; raise the file limit (ulimit -n) or lower [http] "
                 "max_connections",
                 strerror(e), g->pauses, HTTP_ACCEPT_PAUSE_MS);
        g->warned_s = now.tv_sec;
        g->pauses = 0;
    }
    evconnlistener_disable(lev);
    evtimer_add(g->resume, &tv);
}

static int guard_bind(struct http_guard *g, const char *listen, struct mdt_err *err)
{
    char host[64], port[8];
    const char *colon = strrchr(listen, ':');
    struct evutil_addrinfo hints = {0}, *ai = NULL;
    size_t hlen = colon != NULL ? (size_t)(colon - listen) : 0;

    /* Port 0: the kernel picks one (tests read it back with kannel_local_addr). */
    if (colon == NULL || hlen >= sizeof(host) || strlen(colon + 1) >= sizeof(port) ||
        colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        strtol(colon + 1, NULL, 10) > 65535) {
        return mdt_err_set(err, MDT_E(INVAL), "[http] listen '%s': write host:port", listen);
    }
    memcpy(host, listen, hlen);
    host[hlen] = '\0';
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    snprintf(port, sizeof(port), "%s", colon + 1);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    if (evutil_getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai) != 0) {
        return mdt_err_set(err, MDT_E(INVAL), "[http] listen '%s': not an address", listen);
    }
    g->listener = evconnlistener_new_bind(g->base, NULL, NULL,
                                          LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
                                              LEV_OPT_REUSEABLE | LEV_OPT_DISABLED,
                                          HTTP_LISTEN_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
    evutil_freeaddrinfo(ai);
    if (g->listener == NULL) {
        return mdt_err_set(err, MDT_E(IO), "cannot listen on %s: %s", listen, strerror(errno));
    }
    return 0;
}

static int limits_check(const struct http_guard_limits *lim, struct mdt_err *err)
{
    if (lim->request_line_max < 64 || lim->head_bytes_max < lim->request_line_max ||
        lim->header_count_max == 0 || lim->request_deadline_ms == 0 || lim->connections_max == 0 ||
        lim->connections_per_addr_max == 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "http limits: every one must be above 0, the request line at least "
                           "64 bytes and at most the head's bytes");
    }
    return 0;
}

int http_guard_listen(struct event_base *base, struct evhttp *http, const char *listen,
                      SSL_CTX *tls, const struct http_guard_limits *lim, struct http_guard **out,
                      struct mdt_err *err)
{
    struct http_guard *g;
    int rc = limits_check(lim, err);

    if (rc < 0) {
        return rc;
    }
    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory");
    }
    *g = (struct http_guard){.base = base, .http = http, .tls = tls, .lim = *lim, .spare_fd = -1};
    g->resume = evtimer_new(base, guard_on_resume, g);
    g->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (g->resume == NULL || g->spare_fd < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "cannot reserve a spare file descriptor");
        goto out;
    }
    if (guard_table_set(NULL, http, g) < 0) {
        rc = mdt_err_set(err, MDT_E(FULL), "more than %d HTTP listeners", HTTP_GUARD_LISTENERS_MAX);
        goto out;
    }
    rc = guard_bind(g, listen, err);
    if (rc < 0) {
        goto out;
    }
    if (evhttp_bind_listener(http, g->listener) == NULL) {
        evconnlistener_free(g->listener);
        rc = mdt_err_set(err, MDT_E(NOMEM), "cannot attach the listener of %s", listen);
        goto out;
    }
    /* From here the listener is http's: evhttp_free closes it. */
    if (evhttp_set_cb(http, GUARD_PATH, guard_on_request, g) < 0) {
        rc = mdt_err_set(err, MDT_E(EXISTS), "%s is already served on %s", GUARD_PATH, listen);
        goto out;
    }
    evconnlistener_set_error_cb(g->listener, guard_on_accept_error);
    evhttp_set_bevcb(http, conn_new, g);
    /* A backstop only: the guard refuses a head long before evhttp would count this much. */
    evhttp_set_max_headers_size(http, 2 * (ev_ssize_t)lim->head_bytes_max);
    evconnlistener_enable(g->listener);
    *out = g;
out:
    if (rc < 0) {
        http_guard_free(g);
    }
    return rc;
}

void http_guard_free(struct http_guard *g)
{
    if (g == NULL) {
        return;
    }
    guard_table_set(g->http, NULL, g);
    /* Connections that outlive the guard (their evhttp is not freed yet) only free themselves. */
    for (struct guard_conn *c = g->conns; c != NULL; c = c->next) {
        c->g = NULL;
    }
    if (g->resume != NULL) {
        event_free(g->resume);
    }
    if (g->spare_fd >= 0) {
        close(g->spare_fd);
    }
    free(g);
}
