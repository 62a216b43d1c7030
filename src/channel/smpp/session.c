/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 ESME session on libevent, its life: configuration checks, start (address, TLS
 * context, timers), the one tick for every timer, stop and free. The transport is in
 * session_conn.c, the outgoing window in session_mt.c, the incoming side in session_mo.c. */
#include "channel/smpp/session.h"

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/smpp/session_int.h"

static bool cstr_ok(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* Tell the handler when "every bind is up" changes. */
void smpp_session_update_bound(struct smpp_session *s)
{
    bool up = !s->stopping;

    for (unsigned i = 0; i < s->nconn; i++) {
        if (s->conn[i].state != CONN_BOUND) {
            up = false;
        }
    }
    if (up == s->up) {
        return;
    }
    s->up = up;
    log_info("smpp: session %s", up ? "up" : "down");
    if (s->h.bound != NULL) {
        s->h.bound(s->h.ctx, up);
    }
}

void smpp_session_check_stopped(struct smpp_session *s)
{
    if (!s->stopping || s->done_scheduled) {
        return;
    }
    for (unsigned i = 0; i < s->nconn; i++) {
        if (s->conn[i].state != CONN_CLOSED) {
            return;
        }
    }
    s->done_scheduled = true;
    event_active(s->done_ev, EV_TIMEOUT, 0);
}

static void session_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_session *s = arg;
    int64_t now = clock_mono_us();

    (void)fd;
    (void)what;
    for (unsigned i = 0; i < s->nconn; i++) {
        smpp_conn_tick(&s->conn[i], now);
    }
    if (now - s->last_sweep_us >= US_PER_S) {
        s->last_sweep_us = now;
        smpp_partials_sweep(s, now);
    }
    smpp_session_pump(s);
}

static void session_done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_session *s = arg;

    (void)fd;
    (void)what;
    log_info("smpp: stopped");
    if (s->done_cb != NULL) {
        s->done_cb(s->done_arg); /* may free s: nothing after this */
    }
}

/*
 * Public functions.
 */

void smpp_config_default(struct smpp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
    cfg->port = 2775;
    cfg->transceiver = true;
    cfg->enquire_link_s = 30;
    cfg->window = 10;
    cfg->throughput_per_s = 0;
    cfg->response_timeout_s = 30;
    cfg->reconnect_min_ms = 500;
    cfg->reconnect_max_ms = 30000;
    cfg->registered_delivery = true;
    cfg->queue_max = SMPP_MT_QUEUE_DEFAULT;
    cfg->throttle_pause_ms = SMPP_THROTTLE_PAUSE_MS;
    cfg->mo_partial_timeout_s = SMPP_MO_PARTIAL_TIMEOUT_S;
}

static const char *config_problem(const struct smpp_config *c, const struct smpp_handlers *h)
{
    const char *what = NULL;

    if (!cstr_ok(c->host, sizeof(c->host)) || c->host[0] == '\0') {
        what = "host is empty or longer than 63 characters";
    } else if (c->port == 0) {
        what = "port is 0";
    } else if (!cstr_ok(c->system_id, sizeof(c->system_id)) || c->system_id[0] == '\0') {
        what = "system_id is empty or longer than 15 characters";
    } else if (!cstr_ok(c->password, sizeof(c->password))) {
        what = "password is longer than 8 characters";
    } else if (!cstr_ok(c->system_type, sizeof(c->system_type))) {
        what = "system_type is longer than 12 characters";
    } else if (!cstr_ok(c->address_range, sizeof(c->address_range))) {
        what = "address_range is longer than 40 characters";
    } else if (!cstr_ok(c->source_addr, sizeof(c->source_addr))) {
        what = "source_addr is longer than 20 characters";
    } else if (c->window == 0 || c->window > SMPP_WINDOW_MAX) {
        what = "window is outside 1..256";
    } else if (c->throughput_per_s > SMPP_THROUGHPUT_MAX) {
        what = "throughput_per_s is over 10000";
    } else if (c->enquire_link_s == 0 || c->enquire_link_s > ENQUIRE_S_MAX) {
        what = "enquire_link_s is outside 1..86400";
    } else if (c->response_timeout_s == 0 || c->response_timeout_s > TIMEOUT_S_MAX) {
        what = "response_timeout_s is outside 1..3600";
    } else if (c->reconnect_min_ms == 0 || c->reconnect_max_ms < c->reconnect_min_ms ||
               c->reconnect_max_ms > RECONNECT_MS_MAX) {
        what = "reconnect_min_ms..reconnect_max_ms is not within 1..3600000";
    } else if (c->queue_max == 0 || c->queue_max > SMPP_MT_QUEUE_MAX) {
        what = "queue_max is outside 1..65536";
    } else if (c->throttle_pause_ms == 0 || c->throttle_pause_ms > THROTTLE_PAUSE_MS_MAX) {
        what = "throttle_pause_ms is outside 1..60000";
    } else if (c->mo_partial_timeout_s == 0 || c->mo_partial_timeout_s > TIMEOUT_S_MAX) {
        what = "mo_partial_timeout_s is outside 1..3600";
    } else if (h == NULL || h->mo == NULL || h->submitted == NULL) {
        what = "the mo and submitted handlers are required";
    } else if ((h->acks_read == NULL) != (h->acks_in_doubt == NULL)) {
        what = "acks_read and acks_in_doubt go together";
    } else if (!cstr_ok(c->link, sizeof(c->link))) {
        what = "link is not terminated";
    }
    return what;
}

/* A numeric host is used as it is; a name is resolved by evdns at each connect, so that a
 * moved SMSC is found again without a restart. */
static int session_resolve(struct smpp_session *s, struct mdt_err *err)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)&s->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->addr;
    int rc = 0;

    memset(&s->addr, 0, sizeof(s->addr));
    if (evutil_inet_pton(AF_INET, s->cfg.host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(s->cfg.port);
        s->addr_len = (int)sizeof(*v4);
    } else if (evutil_inet_pton(AF_INET6, s->cfg.host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(s->cfg.port);
        s->addr_len = (int)sizeof(*v6);
    } else {
        s->dns = evdns_base_new(s->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
        if (s->dns == NULL) {
            rc = mdt_err_set(err, MDT_E(NOMEM), "smpp: cannot set up name resolution for '%s'",
                             s->cfg.host);
        }
    }
    return rc;
}

static int session_init(struct smpp_session *s, struct mdt_err *err)
{
    struct timeval tick = {.tv_sec = 0, .tv_usec = SMPP_TICK_MS * US_PER_MS};
    bool ok = true;

    s->nconn = s->cfg.transceiver ? 1 : 2;
    for (unsigned i = 0; i < s->nconn; i++) {
        struct smpp_conn *c = &s->conn[i];

        c->s = s;
        c->role = s->cfg.transceiver ? ROLE_TRX : (i == 0 ? ROLE_TX : ROLE_RX);
        c->state = CONN_IDLE;
        c->backoff_ms = s->cfg.reconnect_min_ms;
        if (conn_can_tx(c)) {
            c->slots = calloc(s->cfg.window, sizeof(*c->slots));
            ok = ok && c->slots != NULL;
        }
        if (conn_can_tx(c) && s->cfg.throughput_per_s > 0) {
            c->sent_ring = calloc(s->cfg.throughput_per_s, sizeof(*c->sent_ring));
            ok = ok && c->sent_ring != NULL;
        }
        if (conn_can_rx(c) && s->h.acks_read != NULL) {
            ok = ok && smpp_doubt_init(&c->doubt, SMPP_MO_DOUBT_MAX) == 0;
        }
    }
    s->doubt_ev = event_new(s->base, -1, 0, smpp_session_doubt_cb, s);
    ok = ok && s->doubt_ev != NULL;
    s->tick = event_new(s->base, -1, EV_PERSIST, session_tick_cb, s);
    s->done_ev = event_new(s->base, -1, 0, session_done_cb, s);
    ok = ok && s->tick != NULL && s->done_ev != NULL && event_add(s->tick, &tick) == 0;
    return ok ? 0 : mdt_err_set(err, MDT_E(NOMEM), "smpp: out of memory");
}

/* The TLS context of every connection of the session: TLS 1.2 at least, the CA file or the
 * system's trust store. */
static int session_tls(struct smpp_session *s, struct mdt_err *err)
{
    s->tls = SSL_CTX_new(TLS_client_method());
    if (s->tls == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "smpp: cannot create the TLS context");
    }
    SSL_CTX_set_min_proto_version(s->tls, TLS1_2_VERSION);
    if (s->cfg.tls_ca_file[0] != '\0'
            ? SSL_CTX_load_verify_locations(s->tls, s->cfg.tls_ca_file, NULL) != 1
            : SSL_CTX_set_default_verify_paths(s->tls) != 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "smpp: tls_ca_file '%s' is not a readable PEM file of certificates",
                           s->cfg.tls_ca_file);
    }
    if (!s->cfg.tls_verify) {
        log_warn("smpp: TLS to %s without checking its certificate (tls_verify = no): for "
                 "tests only",
                 s->cfg.host);
    }
    return 0;
}

int smpp_session_start(struct event_base *base, const struct smpp_config *cfg,
                       const struct smpp_handlers *h, struct smpp_session **out,
                       struct mdt_err *err)
{
    struct smpp_session *s = NULL;
    const char *problem = config_problem(cfg, h);
    int rc = 0;

    *out = NULL;
    if (problem != NULL) {
        rc = mdt_err_set(err, MDT_E(INVAL), "smpp: %s", problem);
        goto out;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "smpp: out of memory");
        goto out;
    }
    s->base = base;
    s->cfg = *cfg;
    s->h = *h;
    TAILQ_INIT(&s->queue);
    TAILQ_INIT(&s->mos);
    s->last_sweep_us = clock_mono_us();
    rc = session_resolve(s, err);
    if (rc == 0 && s->cfg.tls) {
        rc = session_tls(s, err);
    }
    if (rc == 0) {
        rc = session_init(s, err);
    }
    if (rc != 0) {
        goto out;
    }
    log_info("smpp: session to %s:%u as '%s' (%s)", s->cfg.host, (unsigned)s->cfg.port,
             s->cfg.system_id, s->cfg.transceiver ? "transceiver" : "transmitter + receiver");
    for (unsigned i = 0; i < s->nconn; i++) {
        smpp_conn_connect(&s->conn[i], clock_mono_us());
    }
    *out = s;
    s = NULL;
out:
    smpp_session_free(s);
    return rc;
}

bool smpp_session_bound(const struct smpp_session *s)
{
    return s->up;
}

void smpp_session_stop(struct smpp_session *s, void (*done_cb)(void *arg), void *arg)
{
    MDT_ASSERT(!s->stopping);
    s->stopping = true;
    s->done_cb = done_cb;
    s->done_arg = arg;
    log_info("smpp: stopping");
    for (unsigned i = 0; i < s->nconn; i++) {
        struct smpp_conn *c = &s->conn[i];

        if (c->state == CONN_BOUND) {
            smpp_conn_unbind(c);
        } else if (c->state != CONN_UNBINDING && c->state != CONN_CLOSING) {
            smpp_conn_drop(c, "stopped");
        }
    }
    smpp_session_update_bound(s);
    smpp_session_check_stopped(s);
}

/* Release a connection without callbacks (smpp_session_free). */
static void conn_release(struct smpp_conn *c)
{
    if (c->bev != NULL) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    for (uint32_t i = 0; c->slots != NULL && i < c->s->cfg.window; i++) {
        struct smpp_mt *mt = c->slots[i].mt;

        if (mt != NULL) {
            c->slots[i].mt = NULL;
            mt->inflight--;
            if (mt->finished && mt->inflight == 0) {
                free(mt); /* queued MTs are freed with the queue */
            }
        }
    }
    free(c->slots);
    free(c->sent_ring);
    smpp_doubt_release(&c->doubt); /* still in doubt: the store keeps them for the restart */
    c->slots = NULL;
    c->sent_ring = NULL;
}

void smpp_session_free(struct smpp_session *s)
{
    struct smpp_mt *mt;
    struct smpp_mo *mo;

    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; i < s->nconn; i++) {
        conn_release(&s->conn[i]);
    }
    for (mt = TAILQ_FIRST(&s->queue); mt != NULL; mt = TAILQ_FIRST(&s->queue)) {
        TAILQ_REMOVE(&s->queue, mt, link);
        free(mt);
    }
    for (mo = TAILQ_FIRST(&s->mos); mo != NULL; mo = TAILQ_FIRST(&s->mos)) {
        TAILQ_REMOVE(&s->mos, mo, link);
        mo->s = NULL; /* still the caller's: smpp_mo_ack frees it */
    }
    smpp_partials_clear(s);
    if (s->tick != NULL) {
        event_free(s->tick);
    }
    if (s->done_ev != NULL) {
        event_free(s->done_ev);
    }
    if (s->doubt_ev != NULL) {
        event_free(s->doubt_ev);
    }
    if (s->dns != NULL) {
        evdns_base_free(s->dns, 0);
    }
    if (s->tls != NULL) {
        SSL_CTX_free(s->tls);
    }
    free(s);
}

void smpp_session_stats(const struct smpp_session *s, struct smpp_session_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->mt_queued = s->queued;
    out->submit_in_flight = s->conn[0].inflight;
    out->mo_pending = s->nmos;
    out->mo_partial = s->npartials;
    for (unsigned i = 0; i < s->nconn; i++) {
        out->mo_unconfirmed += s->conn[i].doubt.count;
    }
}
