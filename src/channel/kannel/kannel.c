/* SPDX-License-Identifier: Apache-2.0 */
/* Kannel smsbox get-url/post-url compatible MO endpoint and the dev phone's inbox, on libevent's
 * HTTP server. A message is answered only when the handler says it is durable. */
#include "channel/kannel/kannel.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/api/api_auth.h"
#include "channel/api/api_parse.h"
#include "vault/vault.h"

/* Request bodies (post-url: the message text) above this are refused: a concatenated SMS is at
 * most STORE_TEXT_MAX bytes. */
#define KANNEL_BODY_MAX STORE_TEXT_MAX
#define KANNEL_OUTBOX_TAKE_MAX 32
/* Entries of [kannel] mo_allow: a gateway or two and their networks, not a firewall. */
#define KANNEL_ALLOW_MAX 16

/* One entry of the allow-list: an address and how many leading bits must match. */
struct allow_net {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned bits;
};

struct kannel {
    struct evhttp *http;
    struct http_guard *guard;
    struct kannel_handlers h;
    SSL_CTX *tls; /* NULL: plain HTTP */
    struct allow_net allow[KANNEL_ALLOW_MAX];
    size_t allow_count; /* 0: any address (the secret alone decides) */
};

/* An address in text form, with IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack listener
 * reports for IPv4 clients) read as the IPv4 address it is. */
static bool addr_parse(const char *text, int *family, uint8_t addr[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    memset(addr, 0, 16);
    if (inet_pton(AF_INET, text, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, addr) != 1) {
        return false;
    }
    *family = AF_INET6;
    if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
        memmove(addr, addr + 12, 4);
        memset(addr + 4, 0, 12);
        *family = AF_INET;
    }
    return true;
}

/* [kannel] mo_allow: "127.0.0.1, 10.1.0.0/16, ::1", separated by commas or spaces. */
static int allow_parse(struct kannel *k, const char *list, struct mdt_err *err)
{
    char item[64];
    const char *p = list;

    while (*p != '\0') {
        size_t n = strcspn(p, ", \t");
        struct allow_net *a = &k->allow[k->allow_count];
        char *slash, *end = NULL;
        long bits;

        if (n == 0) {
            p++;
            continue;
        }
        if (n >= sizeof(item) || k->allow_count >= KANNEL_ALLOW_MAX) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "[kannel] mo_allow: at most %d addresses or networks of at most "
                               "%zu characters each",
                               KANNEL_ALLOW_MAX, sizeof(item) - 1);
        }
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        slash = strchr(item, '/');
        if (slash != NULL) {
            *slash = '\0';
        }
        if (!addr_parse(item, &a->family, a->addr)) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "[kannel] mo_allow: '%s' is not an IPv4 or IPv6 address", item);
        }
        bits = a->family == AF_INET ? 32 : 128;
        if (slash != NULL) {
            long max = bits;

            bits = strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end != '\0' || bits < 0 || bits > max) {
                return mdt_err_set(err, MDT_E(INVAL),
                                   "[kannel] mo_allow: '/%s' after %s is not a prefix length "
                                   "from 0 to %ld",
                                   slash + 1, item, max);
            }
        }
        a->bits = (unsigned)bits;
        k->allow_count++;
    }
    return 0;
}

static bool allow_match(const struct allow_net *a, int family, const uint8_t addr[16])
{
    unsigned full = a->bits / 8, rest = a->bits % 8;

    if (a->family != family || memcmp(a->addr, addr, full) != 0) {
        return false;
    }
    return rest == 0 || ((a->addr[full] ^ addr[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* Whether the peer of req may speak for phones: on the allow-list when there is one. */
static bool peer_allowed(const struct kannel *k, struct evhttp_request *req)
{
    char *host = NULL;
    ev_uint16_t port = 0;
    uint8_t addr[16];
    int family;

    if (k->allow_count == 0) {
        return true;
    }
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
    if (host == NULL || !addr_parse(host, &family, addr)) {
        return false;
    }
    for (size_t i = 0; i < k->allow_count; i++) {
        if (allow_match(&k->allow[i], family, addr)) {
            return true;
        }
    }
    return false;
}

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
        /* The client left: Kannel retries, recognised as a redelivery by its id (%I). */
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

/* Kannel's %t is "YYYY-MM-DD HH:MM:SS"; plain Unix seconds are accepted too. *us is 0 if absent.
 * -MDT_EINVAL for anything else, or a time outside 1970..9999 (no overflow further down). */
static int parse_time(const char *t, int64_t *us)
{
    int y, mo, d, h, mi, s, used = 0;
    char *end = NULL;
    long long secs;

    *us = 0;
    if (t == NULL || *t == '\0') {
        return 0;
    }
    if (sscanf(t, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) == 6) {
        *us = t[used] == '\0' && y >= 1970 ? clock_utc_us(y, mo, d, h, mi, s) : CLOCK_INVALID_US;
        return *us == CLOCK_INVALID_US ? MDT_E(INVAL) : 0; /* it checks every field's range */
    }
    secs = strtoll(t, &end, 10);
    /* 253402300799: 9999-12-31 23:59:59, far below INT64_MAX / 1e6. */
    if (end == t || *end != '\0' || secs <= 0 || secs > 253402300799LL) {
        return MDT_E(INVAL);
    }
    *us = (int64_t)secs * 1000000;
    return 0;
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

/* Only the operator's gateway speaks for phones (DESIGN.md, "Who may speak for a phone"): the
 * caller must come from mo_allow's addresses when it is set, and carry mo_secret when it is set
 * (?secret= in Kannel's get-url or dlr-url, or Authorization: Bearer). Answers 403 or 401 and
 * returns false otherwise; nothing is recorded. */
static bool caller_allowed(const struct kannel *k, struct evhttp_request *req,
                           const struct evkeyvalq *q)
{
    const char *given = evhttp_find_header(q, "secret");
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

    if (!peer_allowed(k, req)) {
        send_text(req, 403, "Forbidden",
                  "forbidden: this address is not in [kannel] mo_allow: only the operator's "
                  "gateway may deliver messages\n");
        return false;
    }
    if (given == NULL) {
        given = api_bearer(auth);
    }
    if (k->h.mo_secret != NULL && k->h.mo_secret[0] != '\0' &&
        !vault_secret_equal(given, k->h.mo_secret)) {
        send_text(req, 401, "Unauthorized",
                  given == NULL ? "unauthorized: add secret=<[kannel] mo_secret> to the URL\n"
                                : "unauthorized: wrong secret: check [kannel] mo_secret and the "
                                  "gateway's get-url\n");
        return false;
    }
    return true;
}

/* A message from a phone, once its caller is trusted: hand it to the dialog. */
static void mo_accept(struct kannel *k, struct evhttp_request *req, struct evkeyvalq *q)
{
    static char body[KANNEL_BODY_MAX];
    struct dialog_message m = {.channel = CHANNEL_SMS};
    struct kannel_request *kr;

    m.text = request_text(req, q, body, sizeof(body), &m.len);
    if (m.text == NULL ||
        copy_field(m.source, sizeof(m.source), param(req, q, "from", "X-Kannel-From")) < 0) {
        send_text(req, 400, "Bad Request",
                  "from and text are required (from at most 32 bytes, text at most 4599): "
                  "/kannel/mo?from=%p&to=%P&text=%a&id=%I&time=%t\n");
        return;
    }
    if (copy_field(m.dest, sizeof(m.dest), param(req, q, "to", "X-Kannel-To")) < 0) {
        m.dest[0] = '\0';
    }
    if (copy_field(m.peer_id, sizeof(m.peer_id), param(req, q, "id", "X-Kannel-SMSC-ID")) < 0) {
        m.peer_id[0] = '\0';
    }
    if (parse_time(param(req, q, "time", "X-Kannel-Time"), &m.peer_time_us) < 0) {
        send_text(req, 400, "Bad Request",
                  "time must be Kannel's %t (YYYY-MM-DD HH:MM:SS, years 1970 to 9999) or Unix "
                  "seconds\n");
        return;
    }
    kr = calloc(1, sizeof(*kr));
    if (kr == NULL) {
        send_text(req, 503, "Busy", "out of memory\n");
        return;
    }
    kr->req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_close, kr);
    k->h.mo(k->h.ctx, &m, kr);
}

/* A message from the gateway (it must prove it is the gateway) or from the dev phone. */
static void mo_request(struct kannel *k, struct evhttp_request *req, bool gateway)
{
    struct evkeyvalq q = {0};
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

    if (evhttp_parse_query_str(query != NULL ? query : "", &q) < 0) {
        send_text(req, 400, "Bad Request", "malformed query string\n");
        return;
    }
    if (!gateway || caller_allowed(k, req, &q)) {
        mo_accept(k, req, &q);
    }
    evhttp_clear_headers(&q);
}

/* /kannel/mo (internal listener, configured gateways only). */
static void on_mo(struct evhttp_request *req, void *arg)
{
    mo_request(arg, req, true);
}

/* /dev/mo (internal listener, dev_mode only): the dev phone texts as any number, no secret. */
static void on_dev_mo(struct evhttp_request *req, void *arg)
{
    mo_request(arg, req, false);
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
    memset(rows, 0, n * sizeof(rows[0])); /* their links' tokens are not kept */
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
    if (!caller_allowed(k, req, &q)) {
        evhttp_clear_headers(&q);
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
    k->h.mo_secret = h->mo_secret != NULL ? h->mo_secret : "";
    if (h->limits != NULL) {
        lim = *h->limits;
    } else {
        http_guard_limits_default(&lim);
    }
    if (h->mo_allow != NULL) {
        rc = allow_parse(k, h->mo_allow, err);
        if (rc < 0) {
            goto out;
        }
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
    /* Listeners by audience: nothing that speaks for a phone is ever on the public one, and the
     * gateway's endpoints exist only once [kannel] says who the gateway is. */
    if (h->internal && (k->h.mo_secret[0] != '\0' || k->allow_count > 0)) {
        evhttp_set_cb(k->http, "/kannel/mo", on_mo, k);
        evhttp_set_cb(k->http, "/kannel/dlr", on_dlr, k);
    }
    if (h->internal && h->dev_mode) {
        evhttp_set_cb(k->http, "/dev/outbox", on_outbox, k);
        evhttp_set_cb(k->http, "/dev/mo", on_dev_mo, k);
    }
    evhttp_set_cb(k->http, "/healthz", on_health, k);
    evhttp_set_gencb(k->http, on_other, k);
    *out = k;
out:
    if (rc < 0) {
        kannel_free(k);
    }
    return rc;
}

static void first_bound(struct evhttp_bound_socket *bound, void *arg)
{
    evutil_socket_t *fd = arg;

    if (*fd < 0) {
        *fd = evhttp_bound_socket_get_fd(bound);
    }
}

int kannel_local_addr(const struct kannel *k, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    evutil_socket_t fd = -1;
    char host[INET6_ADDRSTRLEN];
    const void *a;
    unsigned port;
    int n;

    evhttp_foreach_bound_socket(k->http, first_bound, &fd);
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        return MDT_E(IO);
    }
    if (ss.ss_family == AF_INET6) {
        a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    } else {
        a = &((struct sockaddr_in *)&ss)->sin_addr;
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    if (evutil_inet_ntop(ss.ss_family, a, host, sizeof(host)) == NULL) {
        return MDT_E(IO);
    }
    if (ss.ss_family == AF_INET6) {
        n = snprintf(out, cap, "[%s]:%u", host, port);
    } else {
        n = snprintf(out, cap, "%s:%u", host, port);
    }
    return n > 0 && (size_t)n < cap ? 0 : MDT_E(IO);
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
