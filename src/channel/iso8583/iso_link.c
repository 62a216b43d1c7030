/* SPDX-License-Identifier: Apache-2.0 */
/* An ISO 8583 link on libevent: listener or outbound connection, framing through
 * iso8583_reader, network management (echo, sign-on, sign-off) answered here, the per-connection
 * in-flight limit, and the requests handed to the caller and answered on their connection. */
#include "channel/iso8583/iso_link.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"

#define ISO_LINK_NAME_MAX 64

struct iso_conn;

struct iso_link_request {
    struct iso_conn *conn; /* NULL once its connection closed */
    size_t slot;           /* its place in conn->rq */
    struct iso8583_msg msg;
    size_t len;
    uint8_t frame[]; /* the request as read: msg's slices point here */
};

struct iso_conn {
    struct iso_link *link;
    struct bufferevent *bev;
    struct event *timer; /* idle, then the echo's wait */
    bool echo_pending;
    bool connected;
    char echo_stan[8];
    size_t inflight;
    struct iso_link_request **rq; /* cfg.inflight_max slots */
    struct iso8583_reader reader;
};

struct iso_link {
    struct event_base *base;
    struct iso_link_config cfg;
    char name[ISO_LINK_NAME_MAX];
    struct sockaddr_storage addr;
    int addr_len;
    struct evconnlistener *listener;
    SSL_CTX *tls; /* NULL: plain TCP */
    char ip[64];  /* the connect address's IP, checked in the switch's certificate */
    struct event *reconnect;
    unsigned backoff_ms;
    iso_link_request_cb cb;
    void *arg;
    struct iso_link_stats stats;
    uint32_t stan;
    struct iso_conn *conns[ISO_LINK_CONNS_MAX];
    uint8_t out[ISO8583_HEADER_LEN + ISO8583_MSG_MAX];
};

static void conn_close(struct iso_conn *c, const char *why);
static void link_connect(struct iso_link *l);

/* ---- sending ---- */

static int conn_send(struct iso_conn *c, const struct iso8583_msg *m, struct mdt_err *err)
{
    struct iso_link *l = c->link;
    size_t len = 0;
    int rc = iso8583_build(m, l->out + ISO8583_HEADER_LEN, ISO8583_MSG_MAX, &len, err);

    if (rc < 0) {
        return rc;
    }
    MDT_ASSERT(iso8583_header_put(len, l->out) == 0);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) > ISO_LINK_OUTPUT_MAX ||
        bufferevent_write(c->bev, l->out, ISO8583_HEADER_LEN + len) != 0) {
        return mdt_err_set(err, MDT_E(IO), "iso8583 %s: the peer does not read its answers",
                           l->name);
    }
    return 0;
}

/* Our own 0800 (echo 301, sign-on 001): fields 7 (UTC MMDDhhmmss), 11 and 70. */
static void conn_send_network(struct iso_conn *c, const char *code)
{
    struct iso_link *l = c->link;
    struct iso8583_msg m;
    struct mdt_err err = {0};
    time_t now = (time_t)(clock_now_us() / 1000000);
    struct tm tm;
    char when[16];

    gmtime_r(&now, &tm);
    snprintf(when, sizeof(when), "%02d%02d%02d%02d%02d", (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
             tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
    l->stan = l->stan % 999999 + 1;
    snprintf(c->echo_stan, sizeof(c->echo_stan), "%06u", (unsigned)l->stan);
    MDT_ASSERT(iso8583_init(&m, "0800", &err) == 0);
    MDT_ASSERT(iso8583_set_str(&m, 7, when, &err) == 0);
    MDT_ASSERT(iso8583_set_str(&m, 11, c->echo_stan, &err) == 0);
    MDT_ASSERT(iso8583_set_str(&m, 70, code, &err) == 0);
    if (conn_send(c, &m, &err) < 0) {
        log_warn("%s", err.msg);
        return;
    }
    c->echo_pending = true;
}

static void timer_arm(struct iso_conn *c, unsigned ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

    if (ms > 0) {
        evtimer_add(c->timer, &tv);
    } else {
        evtimer_del(c->timer);
    }
}

static void conn_timer(evutil_socket_t fd, short what, void *arg)
{
    struct iso_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->echo_pending) {
        conn_close(c, "the echo was not answered in time");
        return;
    }
    conn_send_network(c, "301");
    c->link->stats.echoes_sent++;
    timer_arm(c, c->link->cfg.echo_wait_ms > 0 ? c->link->cfg.echo_wait_ms : 10000);
}

/* ---- what arrives ---- */

/* A network management request of the peer: 301, 001 and 002 are approved, others refused 12. */
static void on_network_request(struct iso_conn *c, const struct iso8583_msg *m)
{
    struct iso8583_msg resp;
    struct mdt_err err = {0};
    const struct iso8583_slice *code = iso8583_get(m, 70);
    bool known = code != NULL && code->len == 3 &&
                 (memcmp(code->p, "301", 3) == 0 || memcmp(code->p, "001", 3) == 0 ||
                  memcmp(code->p, "002", 3) == 0);

    if (iso8583_response_init(m, &resp, &err) < 0 ||
        iso8583_set_str(&resp, 39, known ? "00" : "12", &err) < 0 ||
        conn_send(c, &resp, &err) < 0) {
        log_warn("iso8583 %s: network management not answered: %s", c->link->name, err.msg);
        return;
    }
    c->link->stats.network_answered++;
    if (code != NULL && code->len == 3 && memcmp(code->p, "002", 3) == 0) {
        log_info("iso8583 %s: the peer signed off", c->link->name);
    }
}

/* An 0810: the answer to our echo or sign-on when its STAN is the one we sent. */
static void on_network_response(struct iso_conn *c, const struct iso8583_msg *m)
{
    const struct iso8583_slice *stan = iso8583_get(m, 11);
    const struct iso8583_slice *code = iso8583_get(m, 70);
    const struct iso8583_slice *rc = iso8583_get(m, 39);

    if (!c->echo_pending || stan == NULL || stan->len != 6 ||
        memcmp(stan->p, c->echo_stan, 6) != 0) {
        return;
    }
    c->echo_pending = false;
    if (code != NULL && code->len == 3 && memcmp(code->p, "001", 3) == 0) {
        c->link->stats.signed_on = rc != NULL && rc->len == 2 && memcmp(rc->p, "00", 2) == 0;
        log_info("iso8583 %s: sign-on %s", c->link->name,
                 c->link->stats.signed_on ? "accepted" : "refused");
    } else {
        c->link->stats.echoes_answered++;
    }
    timer_arm(c, c->link->cfg.echo_idle_ms);
}

static void answer_busy(struct iso_conn *c, const struct iso8583_msg *m)
{
    struct iso8583_msg resp;
    struct mdt_err err = {0};

    c->link->stats.refused_busy++;
    if (iso8583_response_init(m, &resp, &err) < 0 || iso8583_set_str(&resp, 39, "91", &err) < 0 ||
        conn_send(c, &resp, &err) < 0) {
        log_warn("iso8583 %s: busy answer not sent: %s", c->link->name, err.msg);
    }
}

static void on_request(struct iso_conn *c, const uint8_t *frame, size_t len)
{
    struct iso_link *l = c->link;
    struct iso_link_request *rq;
    struct mdt_err err = {0};
    size_t slot = 0;

    while (slot < l->cfg.inflight_max && c->rq[slot] != NULL) {
        slot++;
    }
    MDT_ASSERT(slot < l->cfg.inflight_max);
    rq = malloc(sizeof(*rq) + len);
    if (rq == NULL) {
        log_error("iso8583 %s: out of memory for a request", l->name);
        return;
    }
    memcpy(rq->frame, frame, len);
    rq->len = len;
    MDT_ASSERT(iso8583_parse_profile(rq->frame, len, &l->cfg.profile, &rq->msg, &err) == 0);
    rq->conn = c;
    rq->slot = slot;
    c->rq[slot] = rq;
    c->inflight++;
    l->stats.in_flight++;
    l->stats.requests++;
    l->cb(rq, &rq->msg, l->arg);
}

static void on_message(struct iso_conn *c, const uint8_t *frame, size_t len)
{
    struct iso8583_msg m;
    struct mdt_err err = {0};

    if (iso8583_parse_profile(frame, len, &c->link->cfg.profile, &m, &err) < 0) {
        c->link->stats.malformed++;
        log_warn("iso8583 %s: message refused: %s", c->link->name, err.msg);
        return;
    }
    if (!c->echo_pending) {
        timer_arm(c, c->link->cfg.echo_idle_ms);
    }
    if (m.mti[1] == '8') {
        if (strcmp(m.mti, "0800") == 0) {
            on_network_request(c, &m);
        } else if (strcmp(m.mti, "0810") == 0) {
            on_network_response(c, &m);
        }
        return;
    }
    if (!iso8583_mti_is_request(m.mti)) {
        log_debug("iso8583 %s: MTI %s ignored", c->link->name, m.mti);
        return;
    }
    if (c->inflight >= c->link->cfg.inflight_max) {
        answer_busy(c, &m);
        return;
    }
    on_request(c, frame, len);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
    struct iso_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint8_t chunk[4096];
    struct mdt_err err = {0};
    int n = evbuffer_remove(in, chunk, sizeof(chunk));

    for (; n > 0; n = evbuffer_remove(in, chunk, sizeof(chunk))) {
        size_t off = 0;

        while (off < (size_t)n) {
            const uint8_t *msg = NULL;
            size_t used = 0, msg_len = 0;
            int rc = iso8583_reader_feed(&c->reader, chunk + off, (size_t)n - off, &used, &msg,
                                         &msg_len, &err);

            if (rc < 0) {
                log_warn("iso8583 %s: %s", c->link->name, err.msg);
                conn_close(c, "its framing cannot be followed");
                return;
            }
            off += used;
            if (rc == 1) {
                on_message(c, msg, msg_len);
            }
        }
    }
}

/* ---- connections ---- */

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
    struct iso_conn *c = arg;
    struct iso_link *l = c->link;

    (void)bev;
    if ((what & BEV_EVENT_CONNECTED) != 0 && l->cfg.connect == NULL) {
        return; /* a listener's TLS handshake is done */
    }
    if ((what & BEV_EVENT_CONNECTED) != 0) {
        c->connected = true;
        l->backoff_ms = 0;
        l->stats.connections++;
        log_info("iso8583 %s: connected to %s", l->name, l->cfg.connect);
        if (l->cfg.sign_on) {
            conn_send_network(c, "001");
            timer_arm(c, l->cfg.echo_wait_ms > 0 ? l->cfg.echo_wait_ms : 10000);
        } else {
            timer_arm(c, l->cfg.echo_idle_ms);
        }
        return;
    }
    if (l->tls != NULL && (what & BEV_EVENT_ERROR) != 0) {
        unsigned long e = bufferevent_get_openssl_error(c->bev);

        if (e != 0) {
            char why[160];

            ERR_error_string_n(e, why, sizeof(why));
            log_warn("iso8583 %s: TLS: %s", l->name, why);
        }
    }
    conn_close(c, (what & BEV_EVENT_EOF) != 0 ? "closed by the peer" : "connection error");
}

/* The bufferevent of a new connection: plain, or TLS accepting (listener) or connecting. */
static struct bufferevent *conn_bev(struct iso_link *l, evutil_socket_t fd)
{
    enum bufferevent_ssl_state state =
        l->cfg.connect != NULL ? BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING;
    struct bufferevent *bev;
    SSL *ssl;

    if (l->tls == NULL) {
        return bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    ssl = SSL_new(l->tls);
    if (ssl == NULL) {
        return NULL;
    }
    if (l->cfg.connect != NULL) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), l->ip);
    }
    bev = bufferevent_openssl_socket_new(l->base, fd, ssl, state, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        SSL_free(ssl);
    }
    return bev;
}

static struct iso_conn *conn_new(struct iso_link *l, evutil_socket_t fd)
{
    struct iso_conn *c = calloc(1, sizeof(*c));
    size_t i = 0;

    while (i < ISO_LINK_CONNS_MAX && l->conns[i] != NULL) {
        i++;
    }
    if (c == NULL || i == ISO_LINK_CONNS_MAX) {
        free(c);
        return NULL;
    }
    c->link = l;
    c->rq = calloc(l->cfg.inflight_max, sizeof(*c->rq));
    c->bev = conn_bev(l, fd);
    c->timer = evtimer_new(l->base, conn_timer, c);
    if (c->rq == NULL || c->bev == NULL || c->timer == NULL) {
        if (c->bev != NULL) {
            bufferevent_free(c->bev);
        }
        if (c->timer != NULL) {
            event_free(c->timer);
        }
        free(c->rq);
        free(c);
        return NULL;
    }
    iso8583_reader_init(&c->reader, l->cfg.frame_max);
    bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    l->conns[i] = c;
    l->stats.open++;
    return c;
}

static void conn_free(struct iso_conn *c)
{
    struct iso_link *l = c->link;

    for (size_t i = 0; i < l->cfg.inflight_max; i++) {
        if (c->rq[i] != NULL) {
            c->rq[i]->conn = NULL; /* answered later: -MDT_EIO */
        }
    }
    l->stats.in_flight -= c->inflight;
    for (size_t i = 0; i < ISO_LINK_CONNS_MAX; i++) {
        if (l->conns[i] == c) {
            l->conns[i] = NULL;
        }
    }
    l->stats.open--;
    bufferevent_free(c->bev);
    event_free(c->timer);
    free(c->rq);
    free(c);
}

static void conn_close(struct iso_conn *c, const char *why)
{
    struct iso_link *l = c->link;
    bool outbound = l->cfg.connect != NULL;

    log_info("iso8583 %s: connection closed: %s", l->name, why);
    conn_free(c);
    if (outbound) {
        struct timeval tv;

        l->stats.signed_on = false;
        l->backoff_ms = l->backoff_ms == 0 ? l->cfg.reconnect_ms : 2 * l->backoff_ms;
        if (l->backoff_ms > ISO_LINK_BACKOFF_MAX_MS) {
            l->backoff_ms = ISO_LINK_BACKOFF_MAX_MS;
        }
        tv.tv_sec = (time_t)(l->backoff_ms / 1000);
        tv.tv_usec = (suseconds_t)(l->backoff_ms % 1000) * 1000;
        evtimer_add(l->reconnect, &tv);
    }
}

static void link_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                        int socklen, void *arg)
{
    struct iso_link *l = arg;
    struct iso_conn *c = conn_new(l, fd);

    (void)lis;
    (void)sa;
    (void)socklen;
    if (c == NULL) {
        log_warn("iso8583 %s: connection refused: %d open at most", l->name, ISO_LINK_CONNS_MAX);
        evutil_closesocket(fd);
        return;
    }
    l->stats.connections++;
    timer_arm(c, l->cfg.echo_idle_ms);
    log_info("iso8583 %s: a peer connected", l->name);
}

static void link_reconnect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    link_connect(arg);
}

static void link_connect(struct iso_link *l)
{
    struct iso_conn *c = conn_new(l, -1);

    if (c == NULL) {
        log_error("iso8583 %s: out of memory for a connection", l->name);
        return;
    }
    if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&l->addr, l->addr_len) != 0) {
        conn_close(c, "cannot connect");
    }
}

/* ---- the link ---- */

static int config_check(const struct iso_link_config *cfg, struct mdt_err *err)
{
    if ((cfg->listen == NULL) == (cfg->connect == NULL)) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 link: give listen or connect, not both");
    }
    if (cfg->inflight_max == 0 || cfg->inflight_max > ISO_LINK_INFLIGHT_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 link: in_flight must be 1 to %d",
                           ISO_LINK_INFLIGHT_MAX);
    }
    if (cfg->frame_max > ISO8583_MSG_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 link: frame_max is at most %d",
                           ISO8583_MSG_MAX);
    }
    if (cfg->profile.pin_block_len != 0 && cfg->profile.pin_block_len != 8 &&
        cfg->profile.pin_block_len != 16) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 link: field 52 of 8 or 16 bytes");
    }
    return 0;
}

/* "IP:port" or "[IPv6]:port", numeric (no name lookup on the loop); port 0 is allowed. */
static int addr_parse(struct iso_link *l, const char *where)
{
    char host[64];
    const char *colon = strrchr(where, ':');
    size_t hlen = colon != NULL ? (size_t)(colon - where) : 0;
    struct evutil_addrinfo hints = {0}, *ai = NULL;

    if (colon == NULL || hlen < 2 || hlen >= sizeof(host) || colon[1] == '\0' ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5) {
        return -1;
    }
    if (where[0] == '[' && where[hlen - 1] == ']') {
        memcpy(host, where + 1, hlen - 2);
        host[hlen - 2] = '\0';
    } else {
        memcpy(host, where, hlen);
        host[hlen] = '\0';
    }
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
    if (strtol(colon + 1, NULL, 10) > 65535 ||
        evutil_getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
        return -1;
    }
    memcpy(&l->addr, ai->ai_addr, ai->ai_addrlen);
    snprintf(l->ip, sizeof(l->ip), "%s", host);
    l->addr_len = (int)ai->ai_addrlen;
    evutil_freeaddrinfo(ai);
    return 0;
}

static int tls_setup(struct iso_link *l, struct mdt_err *err)
{
    const struct iso_link_config *cfg = &l->cfg;
    bool server = cfg->listen != NULL;

    if (cfg->tls_cert == NULL && cfg->tls_key == NULL && cfg->tls_ca == NULL) {
        return 0;
    }
    if (server ? cfg->tls_cert == NULL || cfg->tls_key == NULL : cfg->tls_ca == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 %s: TLS needs %s", l->name,
                           server ? "tls_cert and tls_key" : "tls_ca to check the switch");
    }
    l->tls = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (l->tls == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "iso8583 %s: no TLS context", l->name);
    }
    SSL_CTX_set_min_proto_version(l->tls, TLS1_2_VERSION);
    if (cfg->tls_cert != NULL && SSL_CTX_use_certificate_chain_file(l->tls, cfg->tls_cert) != 1) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 %s: tls_cert '%s': not a PEM certificate",
                           l->name, cfg->tls_cert);
    }
    if (cfg->tls_key != NULL &&
        (SSL_CTX_use_PrivateKey_file(l->tls, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_check_private_key(l->tls) != 1)) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "iso8583 %s: tls_key '%s': not a PEM key matching tls_cert", l->name,
                           cfg->tls_key);
    }
    if (cfg->tls_ca != NULL) {
        if (SSL_CTX_load_verify_locations(l->tls, cfg->tls_ca, NULL) != 1) {
            return mdt_err_set(err, MDT_E(INVAL), "iso8583 %s: tls_ca '%s': not a PEM CA", l->name,
                               cfg->tls_ca);
        }
        SSL_CTX_set_verify(l->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return 0;
}

static int link_open(struct iso_link *l, struct mdt_err *err)
{
    const char *where = l->cfg.listen != NULL ? l->cfg.listen : l->cfg.connect;
    int rc = tls_setup(l, err);

    if (rc < 0) {
        return rc;
    }

    if (addr_parse(l, where) != 0) {
        return mdt_err_set(err, MDT_E(INVAL), "iso8583 %s: '%s' is not IP:port", l->name, where);
    }
    if (l->cfg.connect != NULL) {
        l->reconnect = evtimer_new(l->base, link_reconnect, l);
        if (l->reconnect == NULL) {
            return mdt_err_set(err, MDT_E(NOMEM), "iso8583 %s: no timer", l->name);
        }
        link_connect(l);
        return 0;
    }
    l->listener = evconnlistener_new_bind(
        l->base, link_accept, l, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
        64, (struct sockaddr *)&l->addr, l->addr_len);
    if (l->listener == NULL) {
        return mdt_err_set(err, MDT_E(IO), "iso8583 %s: cannot listen on %s: %s", l->name, where,
                           strerror(errno));
    }
    return 0;
}

int iso_link_start(struct event_base *base, const struct iso_link_config *cfg,
                   iso_link_request_cb cb, void *arg, struct iso_link **out, struct mdt_err *err)
{
    struct iso_link *l;
    int rc = config_check(cfg, err);

    *out = NULL;
    if (rc < 0) {
        return rc;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory for an iso8583 link");
    }
    l->base = base;
    l->cfg = *cfg;
    snprintf(l->name, sizeof(l->name), "%s", cfg->name != NULL ? cfg->name : "link");
    l->cfg.name = l->name;
    l->cfg.reconnect_ms = cfg->reconnect_ms > 0 ? cfg->reconnect_ms : 1000;
    l->cb = cb;
    l->arg = arg;
    rc = link_open(l, err);
    if (rc < 0) {
        iso_link_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

const struct iso8583_msg *iso_link_request_msg(const struct iso_link_request *rq)
{
    return &rq->msg;
}

int iso_link_answer(struct iso_link_request *rq, const struct iso8583_msg *resp,
                    struct mdt_err *err)
{
    struct iso_conn *c = rq->conn;
    int rc;

    if (c == NULL) {
        free(rq);
        return mdt_err_set(err, MDT_E(IO), "iso8583: the request's connection is gone");
    }
    rc = conn_send(c, resp, err);
    c->rq[rq->slot] = NULL;
    c->inflight--;
    c->link->stats.in_flight--;
    free(rq);
    return rc;
}

int iso_link_port(const struct iso_link *l)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (l->listener == NULL ||
        getsockname(evconnlistener_get_fd(l->listener), (struct sockaddr *)&ss, &len) != 0) {
        return 0;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

void iso_link_stats(const struct iso_link *l, struct iso_link_stats *out)
{
    *out = l->stats;
}

void iso_link_free(struct iso_link *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < ISO_LINK_CONNS_MAX; i++) {
        if (l->conns[i] != NULL) {
            conn_free(l->conns[i]);
        }
    }
    if (l->listener != NULL) {
        evconnlistener_free(l->listener);
    }
    if (l->reconnect != NULL) {
        event_free(l->reconnect);
    }
    SSL_CTX_free(l->tls);
    free(l);
}
