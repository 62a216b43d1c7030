/* SPDX-License-Identifier: Apache-2.0 */
/* Kannel smsbox get-url/post-url compatible MO endpoint and the dev phone's inbox, on libevent's
 * HTTP server. A message is answered only when the handler says it is durable. */
#include "channel/http/kannel.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/http/api_parse.h"

/* Request bodies (post-url: the message text) above this are refused: a concatenated SMS is at
 * most STORE_TEXT_MAX bytes. */
#define KANNEL_BODY_MAX STORE_TEXT_MAX
#define KANNEL_OUTBOX_TAKE_MAX 32

struct kannel {
    struct evhttp *http;
    struct http_guard *guard;
    struct kannel_handlers h;
    SSL_CTX *tls; /* NULL: plain HTTP */
};

struct kannel_request {
    struct evhttp_request *req; /* NULL once the client went away */
};

static void on_close(struct evhttp_connection *conn, void *arg)
{
    struct kannel_request *kr = arg;

    (void)conn;
    kr->req = NULL;
}

static void send_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; charset=utf-8");
    evbuffer_add(b, text, strlen(text));
    evhttp_send_reply(req, code, reason, b);
    evbuffer_free(b);
}

bool kannel_reply(struct kannel_request *kr, int rc, const char *const *replies, size_t n)
{
    struct evhttp_request *req = kr->req;
    struct evbuffer *b;
    bool sent = false;

    if (req != NULL) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    }
    if (req == NULL) {
        /* The client left: Kannel retries, and the retry is recognised as a redelivery. */
    } else if (rc == MDT_E(EXISTS)) {
        send_text(req, 200, "OK", ""); /* already handled: nothing more to say */
    } else if (rc == MDT_E(BUSY) || rc == MDT_E(FULL)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        send_text(req, 503, "Busy", "busy: retry in a second\n");
    } else if (rc < 0) {
        send_text(req, 500, "Store error", "not stored: retry later\n");
    } else {
        b = evbuffer_new();
        for (size_t i = 0; b != NULL && i < n; i++) {
            evbuffer_add_printf(b, "%s%s", i > 0 ? "\n" : "", replies[i]);
        }
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "text/plain; charset=utf-8");
        evhttp_send_reply(req, 200, "OK", b);
        evbuffer_free(b);
        sent = true;
    }
    free(kr);
    return sent;
}

/* Kannel's %t is "YYYY-MM-DD HH:MM:SS"; plain Unix seconds are accepted too. 0 if absent. */
static int64_t parse_time(const char *t)
{
    int y, mo, d, h, mi, s;
    char *end = NULL;
    long long secs;

    if (t == NULL || *t == '\0') {
        return 0;
    }
    if (sscanf(t, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) == 6) {
        return clock_utc_us(y, mo, d, h, mi, s);
    }
    secs = strtoll(t, &end, 10);
    return (end != NULL && *end == '\0' && secs > 0) ? (int64_t)secs * 1000000 : 0;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
    if (src == NULL || strlen(src) >= cap) {
        return -1;
    }
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

/* The message text: the query's text for get-url, the body for post-url. */
static const char *request_text(struct evhttp_request *req, const struct evkeyvalq *q, char *buf,
                                size_t cap, size_t *len)
{
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    const char *t = evhttp_find_header(q, "text");
    size_t n;

    if (t != NULL) {
        *len = strlen(t);
        return *len < cap ? t : NULL;
    }
    n = evbuffer_get_length(body);
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST || n >= cap) {
        return NULL;
    }
    evbuffer_copyout(body, buf, n);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *param(struct evhttp_request *req, const struct evkeyvalq *q, const char *name,
                         const char *header)
{
    const char *v = evhttp_find_header(q, name);

    return v != NULL ? v : evhttp_find_header(evhttp_request_get_input_headers(req), header);
}

static void on_mo(struct evhttp_request *req, void *arg)
{
    static char body[KANNEL_BODY_MAX];
    struct kannel *k = arg;
    struct evkeyvalq q = {0};
    struct dialog_message m = {.channel = CHANNEL_SMS};
    struct kannel_request *kr;
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

    if (evhttp_parse_query_str(query != NULL ? query : "", &q) < 0) {
        send_text(req, 400, "Bad Request", "malformed query string\n");
        return;
    }
    m.text = request_text(req, &q, body, sizeof(body), &m.len);
    if (m.text == NULL ||
        copy_field(m.source, sizeof(m.source), param(req, &q, "from", "X-Kannel-From")) < 0) {
        send_text(req, 400, "Bad Request",
                  "from and text are required (from at most 32 bytes, text at most 4599): "
                  "/kannel/mo?from=%p&to=%P&text=%a&id=%I&time=%t\n");
        evhttp_clear_headers(&q);
        return;
    }
    if (copy_field(m.dest, sizeof(m.dest), param(req, &q, "to", "X-Kannel-To")) < 0) {
        m.dest[0] = '\0';
    }
    if (copy_field(m.peer_id, sizeof(m.peer_id), param(req, &q, "id", "X-Kannel-SMSC-ID")) < 0) {
        m.peer_id[0] = '\0';
    }
    m.peer_time_us = parse_time(param(req, &q, "time", "X-Kannel-Time"));
    kr = calloc(1, sizeof(*kr));
    if (kr == NULL) {
        send_text(req, 503, "Busy", "out of memory\n");
        evhttp_clear_headers(&q);
        return;
    }
    kr->req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_close, kr);
    k->h.mo(k->h.ctx, &m, kr);
    evhttp_clear_headers(&q);
}

static void on_outbox(struct evhttp_request *req, void *arg)
{
    static struct outbox_row rows[KANNEL_OUTBOX_TAKE_MAX];
    struct kannel *k = arg;
    struct evkeyvalq q = {0};
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *to;
    struct evbuffer *b;
    size_t n;

    if (evhttp_parse_query_str(query != NULL ? query : "", &q) < 0) {
        send_text(req, 400, "Bad Request", "malformed query string\n");
        return;
    }
    to = evhttp_find_header(&q, "to");
    if (to == NULL) {
        send_text(req, 400, "Bad Request", "to is required: /dev/outbox?to=+33612345678\n");
        evhttp_clear_headers(&q);
        return;
    }
    n = k->h.outbox_take(k->h.ctx, to, rows, KANNEL_OUTBOX_TAKE_MAX);
    b = evbuffer_new();
    for (size_t i = 0; b != NULL && i < n; i++) {
        evbuffer_add_printf(b, "%s\n", rows[i].text);
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; charset=utf-8");
    evhttp_send_reply(req, 200, "OK", b);
    if (b != NULL) {
        evbuffer_free(b);
    }
    evhttp_clear_headers(&q);
}

/* Kannel's dlr-url status (%d): 1 delivered, 2 failed, 4 buffered, 8 accepted by the SMSC,
 * 16 rejected by the SMSC. Only final states are passed on. */
static void on_dlr(struct evhttp_request *req, void *arg)
{
    struct kannel *k = arg;
    struct evkeyvalq q = {0};
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *id, *status;
    long st;

    if (evhttp_parse_query_str(query != NULL ? query : "", &q) < 0) {
        send_text(req, 400, "Bad Request", "malformed query string\n");
        return;
    }
    id = evhttp_find_header(&q, "id");
    status = evhttp_find_header(&q, "status");
    if (id == NULL || status == NULL || strlen(id) >= STORE_PEER_ID_MAX) {
        send_text(req, 400, "Bad Request",
                  "id and status are required: /kannel/dlr?id=...&status=1\n");
        evhttp_clear_headers(&q);
        return;
    }
    st = strtol(status, NULL, 10);
    if (k->h.dlr != NULL && (st == 1 || st == 2 || st == 16)) {
        k->h.dlr(k->h.ctx, id, st == 1 ? "DELIVRD" : st == 2 ? "UNDELIV" : "REJECTD");
    }
    send_text(req, 200, "OK", "ok\n");
    evhttp_clear_headers(&q);
}

static void on_health(struct evhttp_request *req, void *arg)
{
    (void)arg;
    send_text(req, 200, "OK", "ok\n");
}

static int tls_setup(struct kannel *k, const char *cert, const char *key, struct mdt_err *err)
{
    k->tls = SSL_CTX_new(TLS_server_method());
    if (k->tls == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the TLS context");
    }
    SSL_CTX_set_min_proto_version(k->tls, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(k->tls, cert) != 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[http] tls_cert '%s': not a readable PEM certificate chain", cert);
    }
    if (SSL_CTX_use_PrivateKey_file(k->tls, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(k->tls) != 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[http] tls_key '%s': not a readable PEM key matching tls_cert", key);
    }
    return 0;
}

/* Any other path: the other handlers (the API), or 404. */
static void on_other(struct evhttp_request *req, void *arg)
{
    struct kannel *k = arg;

    if (k->h.other == NULL || !k->h.other(k->h.other_ctx, req)) {
        send_text(req, 404, "Not Found", "not found\n");
    }
}

int kannel_listen(struct event_base *base, const char *listen, const struct kannel_handlers *h,
                  struct kannel **out, struct mdt_err *err)
{
    struct kannel *k = calloc(1, sizeof(*k));
    struct http_guard_limits lim;
    int rc = 0;

    if (k == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory");
    }
    k->h = *h;
    k->h.limits = NULL;
    if (h->limits != NULL) {
        lim = *h->limits;
    } else {
        http_guard_limits_default(&lim);
    }
    k->http = evhttp_new(base);
    if (k->http == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory");
        goto out;
    }
    if (h->tls_cert != NULL && h->tls_cert[0] != '\0') {
        rc = tls_setup(k, h->tls_cert, h->tls_key != NULL ? h->tls_key : "", err);
        if (rc < 0) {
            goto out;
        }
    }
    rc = http_guard_listen(base, k->http, listen, k->tls, &lim, &k->guard, err);
    if (rc < 0) {
        goto out;
    }
    /* Twice the API's limit: bodies above API_BODY_MAX get the API's own problem+json 413 (and
     * Kannel MOs are held to STORE_TEXT_MAX by request_text); only larger ones are cut off by
     * libevent, with its plain 413, before they are read in full. */
    evhttp_set_max_body_size(k->http, 2 * API_BODY_MAX);
    /* Idle keep-alive connections and slow readers of a response; the guard bounds requests. */
    evhttp_set_timeout(k->http, 30);
    evhttp_set_cb(k->http, "/kannel/mo", on_mo, k);
    if (h->dev_mode) {
        evhttp_set_cb(k->http, "/dev/outbox", on_outbox, k);
    }
    evhttp_set_cb(k->http, "/healthz", on_health, k);
    evhttp_set_cb(k->http, "/kannel/dlr", on_dlr, k);
    evhttp_set_gencb(k->http, on_other, k);
    *out = k;
out:
    if (rc < 0) {
        kannel_free(k);
    }
    return rc;
}

void kannel_free(struct kannel *k)
{
    if (k == NULL) {
        return;
    }
    if (k->http != NULL) {
        evhttp_free(k->http); /* closes the listener and every connection first */
    }
    http_guard_free(k->guard);
    if (k->tls != NULL) {
        SSL_CTX_free(k->tls);
    }
    free(k);
}
