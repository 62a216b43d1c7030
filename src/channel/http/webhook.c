/* SPDX-License-Identifier: Apache-2.0 */
/* The webhook sender on the event loop: a bounded table of events, a FIFO of those waiting for
 * one of [webhook] concurrency connections, one connection per try (http, or https through
 * bufferevent_openssl with certificate and host name verification), and each result saved
 * through the caller before the event is forgotten. The store is the queue of record: an event
 * waiting for its next try lives there, not here, and the once-a-second poll offers it again. */
#include "channel/http/webhook.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/http/webhook_int.h"

enum entry_state {
    ENTRY_FREE = 0,
    ENTRY_WAITING,    /* due, waiting for a free connection (in the waiting ring) */
    ENTRY_SENDING,    /* a try is in flight */
    ENTRY_SAVING,     /* its new state is being saved: offers of its id are ignored meanwhile */
    ENTRY_SAVE_AGAIN, /* save could not be queued: asked again by the save_again timer */
};

/* One event in memory. The connection, its request and the deadline live while SENDING. */
struct entry {
    struct webhook_sender *ws;
    enum entry_state state;
    struct webhook_row row;
    struct webhook_target target;
    struct evhttp_connection *conn; /* ours; freed after the try (see reap) */
    struct evhttp_request *req;     /* owned by conn */
    struct event *deadline;
    int status;         /* the response's status line, 0 until it came */
    int error;          /* 1 + enum evhttp_request_error, 0 when none */
    long tls_verify;    /* X509_V_ERR_* of a refused certificate, 0 when none */
    int64_t started_us; /* monotonic */
};

/* A save that finished, reported by webhook_sender_saved from any thread. */
struct saved {
    struct id128 id;
    int rc;
};

struct webhook_sender {
    struct event_base *base;
    struct evdns_base *dns; /* NULL: libevent resolves names with a blocking getaddrinfo */
    SSL_CTX *tls;
    struct webhook_config cfg;
    struct webhook_handlers h;
    struct entry *entries;               /* WEBHOOK_QUEUE_MAX, allocated once */
    uint32_t used;                       /* entries not FREE */
    uint32_t in_flight;                  /* entries SENDING */
    uint32_t waiting[WEBHOOK_QUEUE_MAX]; /* indices of WAITING entries, oldest first */
    uint32_t wait_head, wait_count;
    uint64_t rng;       /* xorshift64* state, for the jitter only */
    bool kicking;       /* kick is on the stack: a try that ends at once must not start another */
    struct event *wake; /* saves finished (webhook_sender_saved, any thread) */
    struct event *save_again; /* one second after a save could not be queued */
    /* Connections of finished tries. libevent calls back from inside a connection and may touch
     * it after the callback returns, so they are freed by on_reap, straight from the loop with no
     * connection's frame below. Not free_on_completion: libevent 2.1 forgets to free a connection
     * that failed to connect. Bounded: a try finishes at most once per entry in memory and
     * connection slot before on_reap runs. */
    struct evhttp_connection *reap[WEBHOOK_QUEUE_MAX + WEBHOOK_CONCURRENCY_MAX];
    uint32_t reap_count;
    struct event *reap_ev;
    pthread_mutex_t mu;
    struct saved *saved; /* guarded by mu; at most one per entry, so WEBHOOK_QUEUE_MAX */
    size_t saved_count;  /* guarded by mu */
};

/* Which SSL ex_data slot points back at the entry, for the verify callback. */
static int ssl_entry_index = -1;
static pthread_once_t ssl_index_once = PTHREAD_ONCE_INIT;

static void ssl_index_init(void)
{
    ssl_entry_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static uint32_t rng_next(struct webhook_sender *ws)
{
    ws->rng ^= ws->rng >> 12;
    ws->rng ^= ws->rng << 25;
    ws->rng ^= ws->rng >> 27;
    return (uint32_t)((ws->rng * 2685821657736338717ull) >> 32);
}

/* Id, type and merchant of an event, for every log line about it. Never the URL's path or
 * query (merchants put tokens there), the body, the signature or the secret. */
struct event_name {
    char id[ID128_TEXT_MAX];
    char type[sizeof(((struct webhook_row *)0)->type)];
    char host[WEBHOOK_HOST_MAX];
};

static void event_name_get(const struct entry *e, struct event_name *n)
{
    id128_format(e->row.id, n->id);
    webhook_text_safe(e->row.type, n->type, sizeof(n->type));
    webhook_text_safe(e->target.host[0] != '\0' ? e->target.host : "-", n->host, sizeof(n->host));
}

static struct entry *entry_find(struct webhook_sender *ws, struct id128 id)
{
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX; i++) {
        if (ws->entries[i].state != ENTRY_FREE && id128_eq(ws->entries[i].row.id, id)) {
            return &ws->entries[i];
        }
    }
    return NULL;
}

static void entry_release(struct webhook_sender *ws, struct entry *e)
{
    MDT_ASSERT(e->state != ENTRY_FREE && ws->used > 0);
    memset(e, 0, sizeof(*e));
    e->ws = ws;
    ws->used--;
}

/* ---- saving results ---- */

static void save(struct webhook_sender *ws, struct entry *e)
{
    struct timeval second = {1, 0};

    e->state = ENTRY_SAVING;
    if (ws->h.save(ws->h.ctx, &e->row) < 0) {
        e->state = ENTRY_SAVE_AGAIN;
        if (!evtimer_pending(ws->save_again, NULL)) {
            evtimer_add(ws->save_again, &second);
        }
    }
}

static void on_save_again(evutil_socket_t fd, short what, void *arg)
{
    struct webhook_sender *ws = arg;
    uint32_t again = 0;

    (void)fd;
    (void)what;
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX; i++) {
        if (ws->entries[i].state == ENTRY_SAVE_AGAIN) {
            save(ws, &ws->entries[i]);
            again += ws->entries[i].state == ENTRY_SAVE_AGAIN;
        }
    }
    if (again > 0) {
        log_warn("webhook states not saved: engine queue full (%u waiting, asked again in 1 s)",
                 again);
    }
}

void webhook_sender_saved(struct webhook_sender *ws, struct id128 id, int rc)
{
    pthread_mutex_lock(&ws->mu);
    MDT_ASSERT(ws->saved_count < WEBHOOK_QUEUE_MAX);
    ws->saved[ws->saved_count].id = id;
    ws->saved[ws->saved_count].rc = rc;
    ws->saved_count++;
    pthread_mutex_unlock(&ws->mu);
    event_active(ws->wake, EV_READ, 0);
}

static void kick(struct webhook_sender *ws);

/* Straight from the loop: free the connections of finished tries. */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    struct webhook_sender *ws = arg;

    (void)fd;
    (void)what;
    for (uint32_t i = 0; i < ws->reap_count; i++) {
        evhttp_connection_free(ws->reap[i]);
    }
    ws->reap_count = 0;
}

/* Loop thread: forget the events whose state is durable. A failed save leaves the store's row as
 * it was (queued, due): the next poll offers it again, so it is sent again, never lost. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct webhook_sender *ws = arg;
    struct saved done[64];
    size_t n;

    (void)fd;
    (void)what;
    do {
        pthread_mutex_lock(&ws->mu);
        n = ws->saved_count < 64 ? ws->saved_count : 64;
        ws->saved_count -= n;
        memcpy(done, ws->saved + ws->saved_count, n * sizeof(done[0]));
        pthread_mutex_unlock(&ws->mu);
        for (size_t i = 0; i < n; i++) {
            struct entry *e = entry_find(ws, done[i].id);
            char id[ID128_TEXT_MAX];

            if (e == NULL || e->state != ENTRY_SAVING) {
                continue;
            }
            if (done[i].rc < 0) {
                id128_format(done[i].id, id);
                log_error("webhook %s: state not saved: %s (it may be sent again)", id,
                          mdt_strerror(done[i].rc));
            }
            entry_release(ws, e);
        }
    } while (n > 0);
    kick(ws);
}

/* ---- one try ---- */

static const char *error_text(const struct entry *e, char *buf, size_t cap)
{
    static const char *const texts[] = {"",
                                        "connection closed before the response",
                                        "malformed response",
                                        "read or write error",
                                        "",
                                        "response too large"};
    int timeout = 1 + (int)EVREQ_HTTP_TIMEOUT, deadline = 1 + (int)EVREQ_HTTP_REQUEST_CANCEL;

    if (e->status > 0) {
        snprintf(buf, cap, "HTTP %d", e->status);
    } else if (e->tls_verify != 0) {
        snprintf(buf, cap, "TLS certificate refused: %s",
                 X509_verify_cert_error_string(e->tls_verify));
    } else if (e->error == timeout || e->error == deadline) {
        snprintf(buf, cap, "no answer within %u s", e->ws->cfg.timeout_s);
    } else if (e->error > 0 && (size_t)e->error <= sizeof(texts) / sizeof(texts[0])) {
        snprintf(buf, cap, "%s", texts[e->error - 1]);
    } else {
        snprintf(buf, cap, "connection failed (refused, unreachable, name unknown or TLS)");
    }
    return buf;
}

static void log_result(const struct entry *e, enum webhook_outcome out, int64_t now_us)
{
    struct event_name n;
    char why[160];
    long long ms = (long long)((clock_mono_us() - e->started_us) / 1000);
    unsigned long long merchant = (unsigned long long)e->row.merchant_id;

    event_name_get(e, &n);
    error_text(e, why, sizeof(why));
    if (out == WEBHOOK_OUT_DELIVERED) {
        log_info("webhook %s %s for merchant %llu to %s: delivered, %s (try %u, %lld ms)", n.id,
                 n.type, merchant, n.host, why, e->row.attempts, ms);
    } else if (out == WEBHOOK_OUT_RETRY) {
        log_info("webhook %s %s for merchant %llu to %s: %s (try %u, %lld ms): next try in %lld s",
                 n.id, n.type, merchant, n.host, why, e->row.attempts, ms,
                 (long long)((e->row.next_try_us - now_us + 999999) / 1000000));
    } else {
        log_warn("webhook %s %s for merchant %llu to %s: failed for good after %u %s: %s "
                 "(retry period over; 'mandat webhook replay %s' sends it again)",
                 n.id, n.type, merchant, n.host, e->row.attempts,
                 e->row.attempts == 1 ? "try" : "tries", why, n.id);
    }
}

/* The try is over (response, error or deadline): decide, log, save, and start the next one. */
static void try_finish(struct entry *e)
{
    struct webhook_sender *ws = e->ws;
    int64_t now_us = clock_now_us();
    enum webhook_outcome out;

    MDT_ASSERT(e->state == ENTRY_SENDING && ws->in_flight > 0);
    if (e->deadline != NULL) {
        event_free(e->deadline);
        e->deadline = NULL;
    }
    if (e->conn != NULL) {
        MDT_ASSERT(ws->reap_count < sizeof(ws->reap) / sizeof(ws->reap[0]));
        ws->reap[ws->reap_count++] = e->conn;
        event_active(ws->reap_ev, EV_TIMEOUT, 0);
    }
    e->conn = NULL;
    e->req = NULL; /* owned by libevent, freed after on_done or by the cancel */
    ws->in_flight--;
    out = webhook_row_after_try(&e->row, e->status, now_us, ws->cfg.retry_min_s,
                                ws->cfg.retry_period_s, rng_next(ws));
    log_result(e, out, now_us);
    if (e->target.tls) {
        ERR_clear_error(); /* a refused handshake leaves its reasons in this thread's queue */
    }
    save(ws, e);
    kick(ws);
}

static int on_headers(struct evhttp_request *req, void *arg)
{
    struct entry *e = arg;

    /* The status line decides; a body that then breaks or overflows changes nothing. */
    e->status = evhttp_request_get_response_code(req);
    return 0;
}

static void on_error(enum evhttp_request_error error, void *arg)
{
    struct entry *e = arg;

    e->error = 1 + (int)error;
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct entry *e = arg;

    if (req != NULL && e->status == 0) {
        e->status = evhttp_request_get_response_code(req);
    }
    try_finish(e);
}

/* The whole try took longer than [webhook] timeout (a name that never resolves, a server that
 * trickles its answer): cancel it. libevent then calls on_error only, never on_done. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct entry *e = arg;

    (void)fd;
    (void)what;
    evhttp_cancel_request(e->req);
    e->status = 0;
    e->error = 1 + (int)EVREQ_HTTP_REQUEST_CANCEL;
    try_finish(e);
}

/* OpenSSL's verdict on each certificate of the chain: kept to say why a handshake failed. */
static int on_verify(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct entry *e = ssl != NULL ? SSL_get_ex_data(ssl, ssl_entry_index) : NULL;

    if (!ok && e != NULL && e->tls_verify == 0) {
        e->tls_verify = X509_STORE_CTX_get_error(store);
    }
    return ok;
}

/* An SSL bufferevent that checks the peer's certificate against the target's host name (or
 * address) before any byte of the request leaves. NULL when out of memory. */
static struct bufferevent *tls_bufferevent(struct webhook_sender *ws, struct entry *e)
{
    SSL *ssl = SSL_new(ws->tls);
    X509_VERIFY_PARAM *param;
    struct bufferevent *bev;
    int ok;

    if (ssl == NULL) {
        return NULL;
    }
    param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (e->target.ip_literal) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(param, e->target.host);
    } else {
        /* RFC 6066 §3: server names are DNS names, never addresses. */
        ok = X509_VERIFY_PARAM_set1_host(param, e->target.host, 0) &&
             SSL_set_tlsext_host_name(ssl, e->target.host);
    }
    if (ok != 1 || SSL_set_ex_data(ssl, ssl_entry_index, e) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    /* Frees ssl on failure (BEV_OPT_CLOSE_ON_FREE). */
    bev = bufferevent_openssl_socket_new(ws->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (bev != NULL) {
        /* The response is framed by HTTP (Content-Length, chunks); many servers close without
         * a TLS close_notify, which must not turn a complete answer into an error. */
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    return bev;
}

/* The request of a try: signed headers and the body. Returns 0 or -MDT_ENOMEM. */
static int request_make(struct webhook_sender *ws, struct entry *e)
{
    struct webhook_header hdr[WEBHOOK_HEADER_COUNT];
    char sig[WEBHOOK_SIG_HEX_MAX];
    size_t len = strnlen(e->row.body, sizeof(e->row.body));
    int64_t t_s = clock_now_us() / 1000000;
    struct evkeyvalq *out;
    int rc = 0;

    e->req = evhttp_request_new(on_done, e);
    if (e->req == NULL) {
        return MDT_E(NOMEM);
    }
    evhttp_request_set_header_cb(e->req, on_headers);
    evhttp_request_set_error_cb(e->req, on_error);
    memset(sig, 0, sizeof(sig));
    ws->h.sign(ws->h.ctx, e->row.merchant_id, t_s, e->row.body, len, sig);
    webhook_headers_make(&e->target, &e->row, t_s, sig, hdr);
    out = evhttp_request_get_output_headers(e->req);
    for (size_t i = 0; rc == 0 && i < WEBHOOK_HEADER_COUNT; i++) {
        rc = evhttp_add_header(out, hdr[i].name, hdr[i].value) == 0 ? 0 : MDT_E(NOMEM);
    }
    if (rc == 0 && evbuffer_add(evhttp_request_get_output_buffer(e->req), e->row.body, len) < 0) {
        rc = MDT_E(NOMEM);
    }
    memset(sig, 0, sizeof(sig));
    memset(hdr, 0, sizeof(hdr));
    if (rc < 0) {
        evhttp_request_free(e->req);
        e->req = NULL;
    }
    return rc;
}

/* Open the connection and send. Returns 0, or -MDT_ENOMEM with nothing left open. */
static int try_connect(struct webhook_sender *ws, struct entry *e)
{
    struct timeval deadline = {(time_t)ws->cfg.timeout_s, 0};
    struct bufferevent *bev = NULL;

    if (e->target.tls) {
        bev = tls_bufferevent(ws, e);
        if (bev == NULL) {
            return MDT_E(NOMEM);
        }
    }
    e->conn = evhttp_connection_base_bufferevent_new(ws->base, ws->dns, bev, e->target.host,
                                                     e->target.port);
    if (e->conn == NULL) {
        if (bev != NULL) {
            bufferevent_free(bev); /* not adopted: every failure comes before that */
        }
        return MDT_E(NOMEM);
    }
    evhttp_connection_set_timeout(e->conn, (int)ws->cfg.timeout_s);
    evhttp_connection_set_retries(e->conn, 0);
    evhttp_connection_set_max_body_size(e->conn, WEBHOOK_RESPONSE_BODY_MAX);
    evhttp_connection_set_max_headers_size(e->conn, WEBHOOK_RESPONSE_HEADERS_MAX);
    e->deadline = evtimer_new(ws->base, on_deadline, e);
    if (e->deadline == NULL || request_make(ws, e) < 0) {
        goto fail;
    }
    /* Armed first: when the connection fails at once (no socket left), libevent calls on_done
     * from inside evhttp_make_request, and the try is over (and its entry saving) on return. */
    evtimer_add(e->deadline, &deadline);
    if (evhttp_make_request(e->conn, e->req, EVHTTP_REQ_POST, e->target.path) < 0) {
        e->req = NULL; /* freed by libevent */
        goto fail;
    }
    return 0;
fail:
    if (e->req != NULL) {
        evhttp_request_free(e->req);
        e->req = NULL;
    }
    if (e->deadline != NULL) {
        event_free(e->deadline);
        e->deadline = NULL;
    }
    evhttp_connection_free(e->conn);
    e->conn = NULL;
    return MDT_E(NOMEM);
}

/* Start a try of a WAITING entry. A URL mandat cannot send to fails the event at once. */
static void try_start(struct webhook_sender *ws, struct entry *e)
{
    const char *why = "";
    struct event_name n;

    e->status = 0;
    e->error = 0;
    e->tls_verify = 0;
    e->started_us = clock_mono_us();
    if (webhook_target_parse(e->row.url, &e->target, &why) == 0 && !ws->cfg.allow_private &&
        webhook_host_private(e->target.host)) {
        why = "the host is a loopback or private address (SSRF guard; [webhook] allow_private "
              "= yes allows it)";
        e->target.host[0] = '\0';
    }
    if (why[0] != '\0' || e->target.host[0] == '\0') {
        event_name_get(e, &n);
        log_warn("webhook %s %s for merchant %llu: cannot send to its URL: %s: failed", n.id,
                 n.type, (unsigned long long)e->row.merchant_id, why);
        e->row.state = WEBHOOK_FAILED;
        e->row.next_try_us = clock_now_us();
        save(ws, e);
        return;
    }
    e->state = ENTRY_SENDING;
    ws->in_flight++;
    if (try_connect(ws, e) < 0) {
        log_error("webhook: out of memory starting a try");
        try_finish(e); /* counts as a failed try: retried later */
    }
}

/* Start tries while connections are free, oldest first. Bounded by the waiting count. Not
 * reentered: a try that fails inside its own start calls kick again, and the loop here, still
 * running, takes the freed connection; so a burst of such failures never deepens the stack. */
static void kick(struct webhook_sender *ws)
{
    if (ws->kicking) {
        return;
    }
    ws->kicking = true;
    while (ws->wait_count > 0 && ws->in_flight < ws->cfg.concurrency) {
        struct entry *e = &ws->entries[ws->waiting[ws->wait_head]];

        ws->wait_head = (ws->wait_head + 1) % WEBHOOK_QUEUE_MAX;
        ws->wait_count--;
        MDT_ASSERT(e->state == ENTRY_WAITING);
        try_start(ws, e);
    }
    ws->kicking = false;
}

/* ---- public ---- */

int webhook_sender_offer(struct webhook_sender *ws, const struct webhook_row *r)
{
    struct entry *e = NULL;
    uint32_t i;

    if (r->state != WEBHOOK_QUEUED) {
        return MDT_E(INVAL);
    }
    if (entry_find(ws, r->id) != NULL) {
        return 1;
    }
    if (ws->used >= WEBHOOK_QUEUE_MAX) {
        return MDT_E(FULL);
    }
    for (i = 0; i < WEBHOOK_QUEUE_MAX && e == NULL; i++) {
        e = ws->entries[i].state == ENTRY_FREE ? &ws->entries[i] : NULL;
    }
    MDT_ASSERT(e != NULL && ws->wait_count < WEBHOOK_QUEUE_MAX);
    e->row = *r;
    e->row.url[sizeof(e->row.url) - 1] = '\0';
    e->row.type[sizeof(e->row.type) - 1] = '\0';
    e->row.body[sizeof(e->row.body) - 1] = '\0';
    e->state = ENTRY_WAITING;
    ws->used++;
    ws->waiting[(ws->wait_head + ws->wait_count) % WEBHOOK_QUEUE_MAX] = (uint32_t)(e - ws->entries);
    ws->wait_count++;
    kick(ws);
    return 0;
}

size_t webhook_sender_depth(const struct webhook_sender *ws)
{
    return ws->used;
}

static int config_check(const struct webhook_config *cfg, struct mdt_err *err)
{
    if (cfg->concurrency < 1 || cfg->concurrency > WEBHOOK_CONCURRENCY_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "[webhook] concurrency %u: use 1 to %d",
                           (unsigned)cfg->concurrency, WEBHOOK_CONCURRENCY_MAX);
    }
    if (cfg->timeout_s < 1 || cfg->retry_min_s < 1 || cfg->retry_period_s < 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[webhook] timeout, retry_min and retry_period must be above 0");
    }
    return 0;
}

/* TLS 1.2 or later, peers verified against the trust anchors. */
static int tls_start(struct webhook_sender *ws, struct mdt_err *err)
{
    const char *ca = ws->cfg.tls_ca_file;
    int ok;

    pthread_once(&ssl_index_once, ssl_index_init);
    ws->tls = SSL_CTX_new(TLS_client_method());
    if (ws->tls == NULL || ssl_entry_index < 0) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the webhooks' TLS context");
    }
    SSL_CTX_set_min_proto_version(ws->tls, TLS1_2_VERSION);
    SSL_CTX_set_verify(ws->tls, SSL_VERIFY_PEER, on_verify);
    ok = ca[0] != '\0' ? SSL_CTX_load_verify_locations(ws->tls, ca, NULL)
                       : SSL_CTX_set_default_verify_paths(ws->tls);
    ERR_clear_error();
    if (ok != 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           ca[0] != '\0' ? "[webhook] tls_ca_file '%.200s': cannot read PEM "
                                           "certificates from it"
                                         : "cannot load the system's trust store%.0s",
                           ca);
    }
    return 0;
}

static int events_start(struct webhook_sender *ws, struct mdt_err *err)
{
    ws->wake = event_new(ws->base, -1, EV_PERSIST, on_wake, ws);
    ws->save_again = evtimer_new(ws->base, on_save_again, ws);
    ws->reap_ev = event_new(ws->base, -1, 0, on_reap, ws);
    if (ws->wake == NULL || ws->save_again == NULL || ws->reap_ev == NULL ||
        event_add(ws->wake, NULL) < 0) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the webhook sender's events");
    }
    /* Non-blocking names; /etc/hosts and resolv.conf as the system has them. */
    ws->dns = evdns_base_new(ws->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (ws->dns == NULL) {
        log_warn("webhooks: no DNS resolver from /etc/resolv.conf: host names are resolved "
                 "synchronously on the loop");
    }
    return 0;
}

int webhook_sender_start(struct event_base *base, const struct webhook_config *cfg,
                         const struct webhook_handlers *h, struct webhook_sender **out,
                         struct mdt_err *err)
{
    struct webhook_sender *ws = NULL;
    int rc = config_check(cfg, err);

    MDT_ASSERT(h->sign != NULL && h->save != NULL);
    if (rc < 0) {
        goto out;
    }
    ws = calloc(1, sizeof(*ws));
    if (ws == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the webhook sender");
        goto out;
    }
    pthread_mutex_init(&ws->mu, NULL);
    ws->entries = calloc(WEBHOOK_QUEUE_MAX, sizeof(*ws->entries));
    ws->saved = calloc(WEBHOOK_QUEUE_MAX, sizeof(*ws->saved));
    if (ws->entries == NULL || ws->saved == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the webhook sender");
        goto out;
    }
    ws->base = base;
    ws->cfg = *cfg;
    ws->cfg.tls_ca_file[sizeof(ws->cfg.tls_ca_file) - 1] = '\0';
    ws->h = *h;
    ws->rng = (uint64_t)clock_mono_us() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)ws;
    ws->rng |= 1; /* xorshift's state must not be zero */
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX; i++) {
        ws->entries[i].ws = ws;
    }
    rc = tls_start(ws, err);
    if (rc == 0) {
        rc = events_start(ws, err);
    }
out:
    if (rc < 0) {
        webhook_sender_free(ws);
    } else {
        *out = ws;
    }
    return rc;
}

void webhook_sender_free(struct webhook_sender *ws)
{
    if (ws == NULL) {
        return;
    }
    for (uint32_t i = 0; ws->entries != NULL && i < WEBHOOK_QUEUE_MAX; i++) {
        struct entry *e = &ws->entries[i];

        if (e->state == ENTRY_SENDING && e->conn != NULL) {
            event_free(e->deadline);
            evhttp_connection_free(e->conn); /* frees its request without calling on_done */
        }
    }
    for (uint32_t i = 0; i < ws->reap_count; i++) {
        evhttp_connection_free(ws->reap[i]);
    }
    if (ws->reap_ev != NULL) {
        event_free(ws->reap_ev);
    }
    if (ws->dns != NULL) {
        evdns_base_free(ws->dns, 1); /* lookups still running end, as cancelled */
    }
    if (ws->wake != NULL) {
        event_free(ws->wake);
    }
    if (ws->save_again != NULL) {
        event_free(ws->save_again);
    }
    SSL_CTX_free(ws->tls);
    pthread_mutex_destroy(&ws->mu);
    free(ws->saved);
    free(ws->entries);
    free(ws);
}
