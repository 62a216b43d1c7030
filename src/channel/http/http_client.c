/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot HTTP/1.1 requests on libevent: the host resolved once with evdns and every address
 * checked by the SSRF guard, then one evhttp_connection per request to the address checked (over
 * a bufferevent_openssl for https, with SNI and the certificate checked against the URL's host
 * name or address), a deadline over the whole request, and done called from a zero-timeout event
 * of our own, where the connection is freed with no libevent frame of it below. */
#include "channel/http/http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/log.h"

/* One request in flight. Its connection and request live until on_finish: the request is ours
 * from the start (evhttp_request_own), so that libevent never frees it behind our back and its
 * response can be handed to done after libevent is through with it. First its host is resolved
 * (lookup), then the connection is made to the address the guard checked. */
struct call {
    struct http_client *c;
    struct call *prev, *next;                 /* the client's list of calls in flight */
    struct evdns_getaddrinfo_request *lookup; /* while the name resolves; else NULL */
    bool resolving;                           /* on_resolved not called yet */
    struct evhttp_connection *conn; /* ours, once resolved; freed in on_finish or at the deadline */
    struct evhttp_request *req;     /* ours (owned); freed in call_free */
    struct event *deadline;         /* the whole request: timeout_s */
    struct event *finish;           /* activated once libevent is over with the request */
    http_client_done_fn done;
    void *arg;
    bool over;           /* on_done or the deadline came: finish is active */
    bool timed_out;      /* the deadline came first */
    bool got_response;   /* on_done had the request: a whole response came, or connect failed */
    bool connected;      /* TCP (and TLS) was up: libevent called on_close */
    bool start_failed;   /* evhttp_make_request could not even start */
    int sys_errno;       /* errno in on_error or when the start failed */
    int status_line;     /* the head's status, 0 until it came */
    int error;           /* 1 + enum evhttp_request_error, 0 when none */
    long tls_verify;     /* X509_V_ERR_* of a refused certificate, 0 when none */
    int dns_error;       /* EVUTIL_EAI_* of a failed lookup, 0 when none */
    const char *refused; /* the guard's range of refused_addr; NULL when none */
    char refused_addr[INET6_ADDRSTRLEN]; /* the special-purpose address the name resolves to */
    bool tls;
    bool ip_literal;
    uint16_t port;
    enum evhttp_cmd_type method;
    char host[HTTP_HOST_MAX];
    char path[HTTP_TARGET_PATH_MAX]; /* may hold a merchant's token: wiped in call_free */
};

struct http_client {
    struct event_base *base;
    struct evdns_base *dns; /* names: /etc/hosts, then the nameservers of /etc/resolv.conf */
    SSL_CTX *tls;
    struct http_client_config cfg;
    struct call *calls; /* in flight, newest first */
    size_t in_flight;
};

/* Which SSL ex_data slot points back at the call, for the verify callback. */
static int ssl_call_index = -1;
static pthread_once_t ssl_index_once = PTHREAD_ONCE_INIT;

static void ssl_index_init(void)
{
    ssl_call_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* ---- the end of a request ---- */

/* Why a request that got no response failed, from what its callbacks saw and, read before its
 * connection is freed, what libevent knows: an unknown name, or OpenSSL's reason. */
static enum http_client_fail fail_why(struct call *k, char *text, size_t cap)
{
    struct bufferevent *bev = k->conn != NULL ? evhttp_connection_get_bufferevent(k->conn) : NULL;
    unsigned long ssl = k->tls && bev != NULL ? bufferevent_get_openssl_error(bev) : 0;
    int e = k->sys_errno;

    if (k->refused != NULL) {
        snprintf(text, cap, HTTP_CLIENT_SSRF_PREFIX "%s resolves to %s, %s", k->host,
                 k->refused_addr, k->refused);
        return HTTP_CLIENT_FAIL_REFUSED;
    }
    if (k->timed_out || k->error == 1 + (int)EVREQ_HTTP_TIMEOUT) {
        snprintf(text, cap, "timed out after %u s", k->c->cfg.timeout_s);
        return HTTP_CLIENT_FAIL_TIMEOUT;
    }
    if (k->tls_verify != 0) {
        snprintf(text, cap, HTTP_CLIENT_CERT_PREFIX "%s",
                 X509_verify_cert_error_string(k->tls_verify));
        return HTTP_CLIENT_FAIL_CERTIFICATE;
    }
    switch (k->error) {
    case 1 + (int)EVREQ_HTTP_DATA_TOO_LONG:
        snprintf(text, cap, "response too large (body over %zu bytes or headers over %d)",
                 k->c->cfg.body_max, HTTP_CLIENT_HEADERS_MAX);
        return HTTP_CLIENT_FAIL_TOO_LARGE;
    case 1 + (int)EVREQ_HTTP_INVALID_HEADER:
        snprintf(text, cap, "malformed response");
        return HTTP_CLIENT_FAIL_MALFORMED;
    case 1 + (int)EVREQ_HTTP_BUFFER_ERROR:
        snprintf(text, cap, "read or write error");
        return HTTP_CLIENT_FAIL_IO;
    default:
        break;
    }
    if (k->connected) {
        snprintf(text, cap, "connection closed before the whole response");
        return HTTP_CLIENT_FAIL_CLOSED;
    }
    /* Never connected (with TLS: never through the handshake). */
    if (k->dns_error != 0) {
        snprintf(text, cap, "cannot resolve %s: %s", k->host, evutil_gai_strerror(k->dns_error));
        return HTTP_CLIENT_FAIL_CONNECT;
    }
    if (ssl != 0) {
        snprintf(text, cap, "TLS handshake failed: %s", ERR_reason_error_string(ssl));
        return HTTP_CLIENT_FAIL_TLS;
    }
    /* libevent calls done with the request and no error when the peer refused the connection;
     * other errors reach on_error with errno as the socket had it, or lost on the way. */
    if (k->error == 0 || e == ECONNREFUSED) {
        snprintf(text, cap, "connection refused");
    } else if (e == EHOSTUNREACH || e == ENETUNREACH || e == ETIMEDOUT || e == ECONNRESET ||
               e == EADDRNOTAVAIL || e == EMFILE || e == ENFILE) {
        snprintf(text, cap, "cannot connect: %s", strerror(e));
    } else {
        snprintf(text, cap, "cannot connect");
    }
    return HTTP_CLIENT_FAIL_CONNECT;
}

/* The response, or why there is none (text holds the error). Before the connection is freed. */
static void response_make(struct call *k, struct http_response *r, char *text, size_t cap)
{
    int status = k->got_response ? evhttp_request_get_response_code(k->req) : 0;

    memset(r, 0, sizeof(*r));
    text[0] = '\0';
    r->error = text;
    r->body = "";
    r->status_line = k->status_line != 0 ? k->status_line : status;
    if (status > 0 && k->error == 0 && !k->timed_out) {
        r->status = status;
        r->error = "";
    } else if (k->start_failed) {
        r->fail = HTTP_CLIENT_FAIL_CONNECT;
        snprintf(text, cap, "cannot open a connection: %s", strerror(k->sys_errno));
    } else {
        r->fail = fail_why(k, text, cap);
    }
}

/* Free what a call holds. The request's header values may be secrets: wiped first. */
static void call_free(struct call *k)
{
    if (k->lookup != NULL) {
        /* Its callback still comes, later, with EVUTIL_EAI_CANCEL: it must not touch k. */
        evdns_getaddrinfo_cancel(k->lookup);
    }
    if (k->conn != NULL) {
        evhttp_connection_free(k->conn); /* leaves the owned request alone, calls nothing */
    }
    if (k->req != NULL) {
        struct evkeyvalq *h = evhttp_request_get_output_headers(k->req);

        for (struct evkeyval *kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
            explicit_bzero(kv->value, strlen(kv->value));
        }
        evhttp_request_free(k->req);
    }
    if (k->deadline != NULL) {
        event_free(k->deadline);
    }
    if (k->finish != NULL) {
        event_free(k->finish);
    }
    explicit_bzero(k->path, sizeof(k->path));
    free(k);
}

static void call_unlink(struct call *k)
{
    struct http_client *c = k->c;

    MDT_ASSERT(c->in_flight > 0);
    if (k->prev != NULL) {
        k->prev->next = k->next;
    } else {
        c->calls = k->next;
    }
    if (k->next != NULL) {
        k->next->prev = k->prev;
    }
    c->in_flight--;
}

/* Straight from the loop, no connection's frame below: free the connection, then tell the
 * caller. done may free the client or start requests: the call is out of the list by then. */
static void on_finish(evutil_socket_t fd, short what, void *arg)
{
    struct call *k = arg;
    struct http_response r;
    char text[HTTP_HOST_MAX + 192]; /* "SSRF guard: <host> resolves to <address>, <range>" */

    (void)fd;
    (void)what;
    MDT_ASSERT(k->over);
    response_make(k, &r, text, sizeof(text));
    if (k->conn != NULL) {
        evhttp_connection_free(k->conn);
        k->conn = NULL;
    }
    if (k->tls) {
        ERR_clear_error(); /* a refused handshake leaves its reasons in this thread's queue */
    }
    if (r.status != 0) {
        struct evbuffer *in = evhttp_request_get_input_buffer(k->req);

        r.headers = evhttp_request_get_input_headers(k->req);
        r.body_len = evbuffer_get_length(in);
        /* One byte more for the NUL, in place: no copy unless the buffer is in pieces. */
        if (evbuffer_add(in, "", 1) == 0) {
            r.body = (const char *)evbuffer_pullup(in, -1);
        }
        if (r.body == NULL) {
            r = (struct http_response){.error = "out of memory reading the response",
                                       .body = "",
                                       .fail = HTTP_CLIENT_FAIL_IO,
                                       .status_line = r.status};
        }
    }
    call_unlink(k);
    k->done(k->arg, &r);
    call_free(k);
}

static void call_over(struct call *k)
{
    MDT_ASSERT(!k->over);
    k->over = true;
    evtimer_del(k->deadline);
    event_active(k->finish, EV_TIMEOUT, 0);
}

/* ---- libevent's callbacks ---- */

static int on_headers(struct evhttp_request *req, void *arg)
{
    struct call *k = arg;

    k->status_line = evhttp_request_get_response_code(req);
    return 0;
}

/* errno is the socket's error here: libevent restores it for this callback. */
static void on_error(enum evhttp_request_error error, void *arg)
{
    struct call *k = arg;

    k->sys_errno = errno;
    k->error = 1 + (int)error;
}

/* libevent closes a connection that was up (connected, and past the TLS handshake). */
static void on_close(struct evhttp_connection *conn, void *arg)
{
    struct call *k = arg;

    (void)conn;
    k->connected = true;
}

/* req is NULL after an error (on_error came first); else the whole response came, or, with
 * status 0, connecting failed. Either way libevent is through with the request. */
static void on_done(struct evhttp_request *req, void *arg)
{
    struct call *k = arg;

    if (k->over) {
        return; /* after the deadline: the connection is already gone */
    }
    k->got_response = req != NULL;
    call_over(k);
}

/* The whole request took longer than timeout_s (a name that never resolves, a server that
 * trickles its answer). From the loop, no connection frame below: the connection is freed now,
 * which ends it without calling back. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct call *k = arg;

    (void)fd;
    (void)what;
    k->timed_out = true;
    if (k->lookup != NULL) {
        evdns_getaddrinfo_cancel(k->lookup); /* its callback comes later, as cancelled */
        k->lookup = NULL;
    }
    if (k->conn != NULL) {
        evhttp_connection_free(k->conn);
        k->conn = NULL;
    }
    call_over(k);
}

/* OpenSSL's verdict on each certificate of the chain: kept to say why a handshake failed. */
static int on_verify(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct call *k = ssl != NULL ? SSL_get_ex_data(ssl, ssl_call_index) : NULL;

    if (!ok && k != NULL && k->tls_verify == 0) {
        k->tls_verify = X509_STORE_CTX_get_error(store);
    }
    return ok;
}

/* ---- starting a request ---- */

/* An SSL bufferevent that checks the peer's certificate against the target's host name (or
 * address) before any byte of the request leaves. NULL when out of memory. */
static struct bufferevent *tls_bufferevent(struct http_client *c, struct call *k)
{
    SSL *ssl = SSL_new(c->tls);
    X509_VERIFY_PARAM *param;
    struct bufferevent *bev;
    int ok;

    if (ssl == NULL) {
        return NULL;
    }
    param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (k->ip_literal) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(param, k->host);
    } else {
        /* RFC 6066 §3: server names are DNS names, never addresses. The URL's name, not the
         * address connected to: the certificate must be the name's. */
        ok = X509_VERIFY_PARAM_set1_host(param, k->host, 0) &&
             SSL_set_tlsext_host_name(ssl, k->host);
    }
    if (ok != 1 || SSL_set_ex_data(ssl, ssl_call_index, k) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    /* Frees ssl on failure (BEV_OPT_CLOSE_ON_FREE). */
    bev = bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (bev != NULL) {
        /* The response is framed by HTTP (Content-Length, chunks); many servers close without
         * a TLS close_notify, which must not turn a complete answer into an error. */
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    return bev;
}

/* RFC 9110 §5.1: a field name is a token. */
static bool header_name_ok(const char *name)
{
    static const char *const ours[] = {"Host", "Connection", "Content-Length", "Transfer-Encoding"};
    size_t n = strlen(name);

    if (n == 0 || strspn(name, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n) {
        return false;
    }
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
        if (strcasecmp(name, ours[i]) == 0) {
            return false;
        }
    }
    return true;
}

/* RFC 9110 §5.5: no line breaks (libevent would take CR LF SP as an obsolete fold). */
static bool header_value_ok(const char *value)
{
    return strpbrk(value, "\r\n") == NULL;
}

/* Check the caller's headers. The name is quoted in err, never the value. */
static int headers_check(const struct http_header *headers, size_t n, bool *has_agent,
                         struct mdt_err *err)
{
    *has_agent = false;
    if (n > HTTP_CLIENT_HEADERS_COUNT_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "%zu headers: at most %d", n,
                           HTTP_CLIENT_HEADERS_COUNT_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if (headers[i].name == NULL || headers[i].value == NULL ||
            !header_name_ok(headers[i].name)) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "header '%.40s': not a field name, or one the client sets itself",
                               headers[i].name != NULL ? headers[i].name : "(null)");
        }
        if (!header_value_ok(headers[i].value)) {
            return mdt_err_set(err, MDT_E(INVAL), "header '%.40s': line break in its value",
                               headers[i].name);
        }
        *has_agent = *has_agent || strcasecmp(headers[i].name, "User-Agent") == 0;
    }
    return 0;
}

/* The request: our headers, the caller's, the body. Returns 0 or -MDT_ENOMEM. */
static int request_fill(struct call *k, const struct http_target *t, enum evhttp_cmd_type method,
                        const struct http_header *headers, size_t n, bool has_agent,
                        const char *body, size_t body_len)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(k->req);
    bool length = body_len > 0 || method == EVHTTP_REQ_POST || method == EVHTTP_REQ_PUT ||
                  method == EVHTTP_REQ_PATCH;
    char len_text[24];
    int fails = 0;

    snprintf(len_text, sizeof(len_text), "%zu", body_len);
    fails += evhttp_add_header(out, "Host", t->host_header) != 0;
    for (size_t i = 0; i < n; i++) {
        fails += evhttp_add_header(out, headers[i].name, headers[i].value) != 0;
    }
    if (!has_agent) {
        fails += evhttp_add_header(out, "User-Agent", HTTP_CLIENT_USER_AGENT) != 0;
    }
    /* One request per connection: the server closes after answering. */
    fails += evhttp_add_header(out, "Connection", "close") != 0;
    if (length) {
        fails += evhttp_add_header(out, "Content-Length", len_text) != 0;
    }
    if (body_len > 0) {
        fails += evbuffer_add(evhttp_request_get_output_buffer(k->req), body, body_len) != 0;
    }
    return fails == 0 ? 0 : MDT_E(NOMEM);
}

/* A call with its events and request, not started. NULL when out of memory. */
static struct call *call_new(struct http_client *c, const struct http_target *t,
                             enum evhttp_cmd_type method)
{
    struct call *k = calloc(1, sizeof(*k));

    if (k == NULL) {
        return NULL;
    }
    k->c = c;
    k->tls = t->tls;
    k->ip_literal = t->ip_literal;
    k->port = t->port;
    k->method = method;
    snprintf(k->host, sizeof(k->host), "%s", t->host);
    snprintf(k->path, sizeof(k->path), "%s", t->path);
    k->deadline = evtimer_new(c->base, on_deadline, k);
    k->finish = event_new(c->base, -1, 0, on_finish, k);
    k->req = evhttp_request_new(on_done, k);
    if (k->deadline == NULL || k->finish == NULL || k->req == NULL) {
        call_free(k);
        return NULL;
    }
    evhttp_request_own(k->req);
    evhttp_request_set_header_cb(k->req, on_headers);
    evhttp_request_set_error_cb(k->req, on_error);
    return k;
}

/* The connection to addr (an address literal the guard passed), the request sent on it. A
 * failure to start ends the call (done still comes from the loop). */
static void call_connect(struct call *k, const char *addr)
{
    struct http_client *c = k->c;
    struct bufferevent *bev = NULL;

    if (k->tls) {
        bev = tls_bufferevent(c, k);
        if (bev == NULL) {
            goto fail;
        }
    }
    /* A literal: libevent's lookup of it is a parse, answered at once, never a query. */
    k->conn = evhttp_connection_base_bufferevent_new(c->base, c->dns, bev, addr, k->port);
    if (k->conn == NULL) {
        if (bev != NULL) {
            bufferevent_free(bev); /* not adopted: every failure comes before that */
        }
        goto fail;
    }
    /* A second past the deadline: the deadline always ends the request first, as a timeout. */
    evhttp_connection_set_timeout(k->conn, (int)c->cfg.timeout_s + 1);
    evhttp_connection_set_retries(k->conn, 0);
    evhttp_connection_set_closecb(k->conn, on_close, k);
    evhttp_connection_set_max_body_size(k->conn, (ev_ssize_t)c->cfg.body_max);
    evhttp_connection_set_max_headers_size(k->conn, HTTP_CLIENT_HEADERS_MAX);
    /* When connecting fails at once, libevent calls on_done from inside evhttp_make_request:
     * that only activates finish, so done still comes from the loop. */
    if (evhttp_make_request(k->conn, k->req, k->method, k->path) == 0) {
        return;
    }
fail:
    k->sys_errno = errno != 0 ? errno : ENOMEM; /* no socket: the request stays ours */
    k->start_failed = true;
    if (!k->over) {
        call_over(k);
    }
}

/* The address of sa as text ("?" when it is not an Internet address). */
static const char *sockaddr_text(const struct sockaddr *sa, char *out, size_t cap)
{
    const void *a = NULL;

    if (sa->sa_family == AF_INET) {
        a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    }
    if (a == NULL || evutil_inet_ntop(sa->sa_family, a, out, cap) == NULL) {
        snprintf(out, cap, "?");
        return NULL;
    }
    return out;
}

/* The first special-purpose address of res, into k (refused, refused_addr); false when none. */
static bool addrs_refused(struct call *k, const struct evutil_addrinfo *res)
{
    for (const struct evutil_addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        const char *why = http_addr_special(ai->ai_addr);

        if (why != NULL) {
            k->refused = why;
            sockaddr_text(ai->ai_addr, k->refused_addr, sizeof(k->refused_addr));
            return true;
        }
    }
    return false;
}

/* evdns's answer for the call's host: every address checked, then a connection to the first. */
static void on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
    struct call *k = arg;
    char addr[INET6_ADDRSTRLEN];

    if (result == EVUTIL_EAI_CANCEL) {
        return; /* the call was ended (deadline, free) and may be gone: k is not ours to read */
    }
    k->lookup = NULL;
    k->resolving = false;
    if (result != 0 || res == NULL) {
        k->dns_error = result != 0 ? result : EVUTIL_EAI_NODATA;
        call_over(k);
    } else if (!k->c->cfg.allow_private && addrs_refused(k, res)) {
        call_over(k);
    } else if (sockaddr_text(res->ai_addr, addr, sizeof(addr)) == NULL) {
        k->dns_error = EVUTIL_EAI_FAMILY;
        call_over(k);
    } else {
        call_connect(k, addr);
    }
    if (res != NULL) {
        evutil_freeaddrinfo(res);
    }
}

/* Resolve the call's host once (an address literal needs no lookup), then connect. */
static void call_resolve(struct call *k)
{
    struct evutil_addrinfo hints;
    struct evdns_getaddrinfo_request *req;

    if (k->ip_literal) {
        call_connect(k, k->host);
        return;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = EVUTIL_AI_ADDRCONFIG; /* no IPv6 answers to a host without IPv6 */
    k->resolving = true;
    req = evdns_getaddrinfo(k->c->dns, k->host, NULL, &hints, on_resolved, k);
    /* /etc/hosts and failures answer from inside the call: then req is NULL and done with. */
    k->lookup = k->resolving ? req : NULL;
}

/* The URL's target, refused when it is not allowed. err says why. */
static int target_get(struct http_client *c, const char *url, struct http_target *t,
                      struct mdt_err *err)
{
    const char *why = "";
    const char *special;

    if (http_target_parse(url, t, &why) < 0) {
        return mdt_err_set(err, MDT_E(INVAL), "%s", why);
    }
    special = c->cfg.allow_private ? NULL : http_host_special(t->host);
    if (special != NULL) {
        return mdt_err_set(err, MDT_E(INVAL), HTTP_CLIENT_SSRF_PREFIX "%s is %s", t->host, special);
    }
    return 0;
}

int http_client_request(struct http_client *c, enum evhttp_cmd_type method, const char *url,
                        const struct http_header *headers, size_t n_headers, const char *body,
                        size_t body_len, http_client_done_fn done, void *arg, struct mdt_err *err)
{
    struct timeval deadline = {(time_t)c->cfg.timeout_s, 0};
    struct http_target t;
    struct call *k = NULL;
    bool has_agent = false;
    int rc;

    MDT_ASSERT(done != NULL && (body != NULL || body_len == 0));
    rc = target_get(c, url, &t, err);
    if (rc == 0) {
        rc = headers_check(headers, n_headers, &has_agent, err);
    }
    if (rc == 0 && c->in_flight >= HTTP_CLIENT_IN_FLIGHT_MAX) {
        rc = mdt_err_set(err, MDT_E(FULL), "%d requests in flight already",
                         HTTP_CLIENT_IN_FLIGHT_MAX);
    }
    if (rc < 0) {
        goto out;
    }
    k = call_new(c, &t, method);
    if (k == NULL ||
        request_fill(k, &t, method, headers, n_headers, has_agent, body, body_len) < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting a request");
        goto out;
    }
    k->done = done;
    k->arg = arg;
    k->next = c->calls;
    if (c->calls != NULL) {
        c->calls->prev = k;
    }
    c->calls = k;
    c->in_flight++;
    evtimer_add(k->deadline, &deadline);
    call_resolve(k);
    k = NULL;
out:
    if (k != NULL) {
        call_free(k);
    }
    explicit_bzero(&t, sizeof(t)); /* the path may hold a token */
    return rc;
}

size_t http_client_in_flight(const struct http_client *c)
{
    return c->in_flight;
}

/* ---- the client ---- */

int http_target_parse(const char *url, struct http_target *t, const char **why)
{
    struct evhttp_uri *u = evhttp_uri_parse_with_flags(url, 0);
    int rc;

    if (u == NULL) {
        memset(t, 0, sizeof(*t));
        *why = "not a URL: write it like https://host.example/path";
        return MDT_E(INVAL);
    }
    rc = http_target_make(evhttp_uri_get_scheme(u), evhttp_uri_get_userinfo(u),
                          evhttp_uri_get_host(u), evhttp_uri_get_port(u), evhttp_uri_get_path(u),
                          evhttp_uri_get_query(u), t, why);
    evhttp_uri_free(u);
    return rc;
}

/* TLS 1.2 or later, peers verified against the trust anchors. */
static int tls_start(struct http_client *c, struct mdt_err *err)
{
    const char *ca = c->cfg.tls_ca_file;
    int ok;

    pthread_once(&ssl_index_once, ssl_index_init);
    c->tls = SSL_CTX_new(TLS_client_method());
    if (c->tls == NULL || ssl_call_index < 0) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(c->tls, TLS1_2_VERSION);
    SSL_CTX_set_verify(c->tls, SSL_VERIFY_PEER, on_verify);
    ok = ca[0] != '\0' ? SSL_CTX_load_verify_locations(c->tls, ca, NULL)
                       : SSL_CTX_set_default_verify_paths(c->tls);
    ERR_clear_error();
    if (ok != 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           ca[0] != '\0' ? "tls_ca_file '%.200s': cannot read PEM certificates "
                                           "from it"
                                         : "cannot load the system's trust store%.0s",
                           ca);
    }
    return 0;
}

/* The resolver: non-blocking, /etc/hosts then the nameservers of /etc/resolv.conf, as the
 * system has them; without a readable resolv.conf (libevent then refuses to start one), the
 * hosts file only, rather than a getaddrinfo that would block the loop. Then cfg's hosts_file. */
static int dns_start(struct http_client *c, struct mdt_err *err)
{
    const char *extra = c->cfg.hosts_file;

    c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (c->dns == NULL) {
        c->dns = evdns_base_new(c->base, 0);
        if (c->dns == NULL) {
            return mdt_err_set(err, MDT_E(NOMEM), "cannot start a DNS resolver");
        }
        evdns_base_load_hosts(c->dns, "/etc/hosts");
        log_warn("http client: no nameserver from /etc/resolv.conf: only the names of /etc/hosts "
                 "resolve");
    }
    if (extra[0] != '\0' && evdns_base_load_hosts(c->dns, extra) < 0) {
        return mdt_err_set(err, MDT_E(INVAL), "hosts_file '%.200s': cannot read it", extra);
    }
    return 0;
}

int http_client_start(struct event_base *base, const struct http_client_config *cfg,
                      struct http_client **out, struct mdt_err *err)
{
    struct http_client *c = NULL;
    int rc = 0;

    if (cfg->timeout_s < 1 || cfg->timeout_s > HTTP_CLIENT_TIMEOUT_MAX_S) {
        rc = mdt_err_set(err, MDT_E(INVAL), "timeout %u s: use 1 to %d", cfg->timeout_s,
                         HTTP_CLIENT_TIMEOUT_MAX_S);
    } else if (cfg->body_max > HTTP_CLIENT_BODY_MAX_LIMIT) {
        rc = mdt_err_set(err, MDT_E(INVAL), "body_max %zu: at most %d", cfg->body_max,
                         HTTP_CLIENT_BODY_MAX_LIMIT);
    }
    if (rc < 0) {
        goto out;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting an HTTP client");
        goto out;
    }
    c->base = base;
    c->cfg = *cfg;
    c->cfg.tls_ca_file[sizeof(c->cfg.tls_ca_file) - 1] = '\0';
    c->cfg.hosts_file[sizeof(c->cfg.hosts_file) - 1] = '\0';
    if (c->cfg.body_max == 0) {
        c->cfg.body_max = HTTP_CLIENT_BODY_MAX_DEFAULT;
    }
    rc = tls_start(c, err);
    if (rc < 0) {
        goto out;
    }
    rc = dns_start(c, err);
out:
    if (rc < 0) {
        http_client_free(c);
    } else {
        *out = c;
    }
    return rc;
}

void http_client_free(struct http_client *c)
{
    if (c == NULL) {
        return;
    }
    /* Connections first: each cancels its own DNS lookup, before the resolver goes. */
    while (c->calls != NULL) {
        struct call *k = c->calls;

        call_unlink(k);
        call_free(k);
    }
    if (c->dns != NULL) {
        evdns_base_free(c->dns, 1); /* lookups still running end, as cancelled */
    }
    SSL_CTX_free(c->tls);
    free(c);
}
