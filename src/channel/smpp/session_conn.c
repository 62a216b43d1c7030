/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 session transport: writing PDUs, connecting over TCP or TLS, binding, enquire_link,
 * unbinding, framing and dispatching what the SMSC sends, and each connection's timers. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/smpp/session_int.h"

/*
 * Writing PDUs.
 */

int smpp_conn_send(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    uint8_t buf[OUT_PDU_MAX];
    size_t len = 0;
    struct mdt_err err = {0};
    int rc = smpp_pdu_encode(pdu, buf, sizeof(buf), &len, &err);

    if (rc != 0) {
        log_error("smpp %s: cannot encode %s: %s", conn_name(c), smpp_command_name(pdu->command_id),
                  err.msg);
    } else if (c->bev == NULL || bufferevent_write(c->bev, buf, len) != 0) {
        rc = MDT_E(IO);
    } else {
        c->wrote++;
        log_debug("smpp %s: -> %s seq=%u%s%s", conn_name(c), smpp_command_name(pdu->command_id),
                  pdu->sequence_number, (pdu->command_id & SMPP_RESP_BIT) != 0 ? " status=" : "",
                  (pdu->command_id & SMPP_RESP_BIT) != 0 ? smpp_status_name(pdu->command_status)
                                                         : "");
    }
    return rc;
}

/* A response with an empty body (message_id "" and the like): §4.6.2 and the other _resp. */
int smpp_conn_respond(struct smpp_conn *c, uint32_t command_id, uint32_t seq, uint32_t status)
{
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = command_id;
    pdu.sequence_number = seq;
    pdu.command_status = status;
    return smpp_conn_send(c, &pdu);
}

/*
 * Binding and the connection's life.
 */

#define BIND_FILL(b, cfg)                                                                          \
    do {                                                                                           \
        memcpy((b).system_id, (cfg)->system_id, sizeof((b).system_id));                            \
        memcpy((b).password, (cfg)->password, sizeof((b).password));                               \
        memcpy((b).system_type, (cfg)->system_type, sizeof((b).system_type));                      \
        (b).interface_version = SMPP_INTERFACE_VERSION;                                            \
        (b).addr_ton = (cfg)->addr_ton;                                                            \
        (b).addr_npi = (cfg)->addr_npi;                                                            \
        memcpy((b).address_range, (cfg)->address_range, sizeof((b).address_range));                \
    } while (0)

/* SMPP 3.4 §4.1.1, §4.1.3, §4.1.5. */
static void conn_bind(struct smpp_conn *c)
{
    const struct smpp_config *cfg = &c->s->cfg;
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.sequence_number = conn_seq(c);
    if (c->role == ROLE_TRX) {
        pdu.command_id = SMPP_CMD_bind_transceiver;
        BIND_FILL(pdu.body.bind_transceiver, cfg);
    } else if (c->role == ROLE_TX) {
        pdu.command_id = SMPP_CMD_bind_transmitter;
        BIND_FILL(pdu.body.bind_transmitter, cfg);
    } else {
        pdu.command_id = SMPP_CMD_bind_receiver;
        BIND_FILL(pdu.body.bind_receiver, cfg);
    }
    c->bind_seq = pdu.sequence_number;
    c->state = CONN_BINDING;
    if (smpp_conn_send(c, &pdu) != 0) {
        smpp_conn_drop(c, "cannot send bind");
    }
}

static uint32_t backoff_next(uint32_t ms, uint32_t max_ms)
{
    return ms > max_ms / 2 ? max_ms : ms * 2;
}

/* Close the connection now and, unless stopping, reconnect after the backoff. */
void smpp_conn_drop(struct smpp_conn *c, const char *why)
{
    struct smpp_session *s = c->s;

    if (c->bev != NULL) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    c->gen++;
    c->enquire_pending = false;
    smpp_conn_doubt_report(c);
    smpp_conn_requeue(c);
    if (conn_can_rx(c)) {
        smpp_partials_clear(s);
    }
    if (s->stopping) {
        if (c->state != CONN_CLOSED) {
            log_info("smpp %s: closed (%s)", conn_name(c), why);
        }
        c->state = CONN_CLOSED;
    } else {
        c->state = CONN_IDLE;
        c->reconnect_us = clock_mono_us() + (int64_t)c->backoff_ms * US_PER_MS;
        log_info("smpp %s: connection lost (%s); reconnecting in %u ms", conn_name(c), why,
                 c->backoff_ms);
        c->backoff_ms = backoff_next(c->backoff_ms, s->cfg.reconnect_max_ms);
    }
    smpp_session_update_bound(s);
    smpp_session_check_stopped(s);
}

/* Send what is in the output buffer, then close (after a generic_nack for an unframeable stream,
 * or an unbind_resp). Reads stop now. */
static void conn_close_after_flush(struct smpp_conn *c, const char *why)
{
    c->state = CONN_CLOSING;
    c->close_why = why;
    c->deadline_us = clock_mono_us() + (int64_t)CLOSE_WAIT_MS * US_PER_MS;
    bufferevent_disable(c->bev, EV_READ);
    smpp_session_update_bound(c->s);
    if (c->state == CONN_CLOSING && c->bev != NULL &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        smpp_conn_drop(c, why);
    }
}

static void conn_on_bind_resp(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    struct smpp_session *s = c->s;

    if (c->state != CONN_BINDING || pdu->sequence_number != c->bind_seq) {
        log_debug("smpp %s: unexpected %s seq=%u ignored", conn_name(c),
                  smpp_command_name(pdu->command_id), pdu->sequence_number);
    } else if (pdu->command_status != ESME_ROK) {
        log_warn("smpp %s: bind refused by %s:%u: %s (0x%02x)", conn_name(c), s->cfg.host,
                 (unsigned)s->cfg.port, smpp_status_name(pdu->command_status),
                 (unsigned)pdu->command_status);
        smpp_conn_drop(c, "bind refused");
    } else {
        c->state = CONN_BOUND;
        c->backoff_ms = s->cfg.reconnect_min_ms;
        c->enquire_sent_us = clock_mono_us();
        c->enquire_pending = false;
        log_info("smpp %s: bound to %s:%u as '%s'", conn_name(c), s->cfg.host,
                 (unsigned)s->cfg.port, s->cfg.system_id);
        smpp_session_update_bound(s);
        smpp_session_pump(s);
    }
}

/* SMPP 3.4 §4.2.1: unbind, then wait for unbind_resp (tick enforces the deadline). */
void smpp_conn_unbind(struct smpp_conn *c)
{
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = SMPP_CMD_unbind;
    pdu.sequence_number = conn_seq(c);
    c->unbind_seq = pdu.sequence_number;
    c->state = CONN_UNBINDING;
    c->deadline_us = clock_mono_us() + (int64_t)SMPP_UNBIND_WAIT_MS * US_PER_MS;
    if (smpp_conn_send(c, &pdu) != 0) {
        smpp_conn_drop(c, "cannot send unbind");
    } else {
        c->unbind_ord = c->wrote;
        log_info("smpp %s: unbinding", conn_name(c));
    }
}

/* §4.11.1: our enquire_link; its resp must come within response_timeout_s. */
void smpp_conn_enquire(struct smpp_conn *c, int64_t now)
{
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = SMPP_CMD_enquire_link;
    pdu.sequence_number = conn_seq(c);
    c->enquire_seq = pdu.sequence_number;
    c->enquire_pending = true;
    c->enquire_sent_us = now;
    if (smpp_conn_send(c, &pdu) != 0) {
        smpp_conn_drop(c, "cannot send enquire_link");
    } else {
        c->enquire_ord = c->wrote;
    }
}

/*
 * Reading PDUs.
 */

/* §4.11.2: the answer to our enquire_link; what is still in doubt was acknowledged after it
 * was written, and gets the next one. */
static void conn_on_enquire_resp(struct smpp_conn *c)
{
    c->enquire_pending = false;
    smpp_conn_confirm(c, c->enquire_ord);
    if (c->doubt.count > 0) {
        smpp_session_doubt_soon(c->s);
    }
}

/* Our unbind was answered (SMPP 3.4 §4.2.2): every MO ack written before it was read. */
static void conn_on_unbind_resp(struct smpp_conn *c)
{
    smpp_conn_confirm(c, c->unbind_ord);
    smpp_conn_drop(c, "unbound");
}

/* §4.3.1: generic_nack for a request of ours. */
static void conn_on_nack(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    uint32_t seq = pdu->sequence_number;
    uint32_t status = pdu->command_status;

    if (c->state == CONN_BINDING && seq == c->bind_seq) {
        log_warn("smpp %s: bind answered with generic_nack %s", conn_name(c),
                 smpp_status_name(status));
        smpp_conn_drop(c, "bind refused");
    } else if (c->enquire_pending && seq == c->enquire_seq) {
        conn_on_enquire_resp(c); /* an answer all the same: the link is alive */
    } else if (c->state == CONN_UNBINDING && seq == c->unbind_seq) {
        conn_on_unbind_resp(c);
    } else if (smpp_conn_slot_find(c, seq) != NULL) {
        /* A nack with ESME_RTHROTTLED is retried like a submit_sm_resp; one without a status
         * says nothing useful and counts as a refusal. */
        smpp_conn_on_submit_resp(c, seq, status == ESME_ROK ? ESME_RUNKNOWNERR : status, "");
    } else {
        log_warn("smpp %s: generic_nack seq=%u %s for nothing in flight", conn_name(c), seq,
                 smpp_status_name(status));
    }
}

static void conn_on_resp(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    switch (pdu->command_id) {
    case SMPP_CMD_bind_transceiver_resp:
    case SMPP_CMD_bind_transmitter_resp:
    case SMPP_CMD_bind_receiver_resp:
        conn_on_bind_resp(c, pdu);
        break;
    case SMPP_CMD_submit_sm_resp:
        smpp_conn_on_submit_resp(c, pdu->sequence_number, pdu->command_status,
                                 pdu->body_absent ? "" : pdu->body.submit_sm_resp.message_id);
        break;
    case SMPP_CMD_enquire_link_resp:
        if (c->enquire_pending && pdu->sequence_number == c->enquire_seq) {
            conn_on_enquire_resp(c);
        }
        break;
    case SMPP_CMD_unbind_resp:
        if (c->state == CONN_UNBINDING) {
            conn_on_unbind_resp(c);
        }
        break;
    case SMPP_CMD_generic_nack:
        conn_on_nack(c, pdu);
        break;
    default:
        log_debug("smpp %s: unexpected %s seq=%u ignored", conn_name(c),
                  smpp_command_name(pdu->command_id), pdu->sequence_number);
    }
}

static void conn_on_request(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    uint32_t seq = pdu->sequence_number;

    switch (pdu->command_id) {
    case SMPP_CMD_enquire_link: /* §4.11.2 */
        smpp_conn_respond(c, SMPP_CMD_enquire_link_resp, seq, ESME_ROK);
        break;
    case SMPP_CMD_unbind: /* §4.2.2 */
        smpp_conn_respond(c, SMPP_CMD_unbind_resp, seq, ESME_ROK);
        log_info("smpp %s: the SMSC unbinds", conn_name(c));
        conn_close_after_flush(c, "unbound by the SMSC");
        break;
    case SMPP_CMD_deliver_sm:
        if (!conn_can_rx(c) || (c->state != CONN_BOUND && c->state != CONN_UNBINDING)) {
            smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RINVBNDSTS);
        } else {
            smpp_mo_on_deliver(c, pdu);
        }
        break;
    case SMPP_CMD_outbind: /* §4.1.7 has no response; we bind on our own anyway */
        log_debug("smpp %s: outbind ignored", conn_name(c));
        break;
    default:
        /* Requests an SMSC does not send to an ESME (binds, submit_sm, query_sm, data_sm). */
        smpp_conn_respond(c, pdu->command_id | SMPP_RESP_BIT, seq, ESME_RINVCMDID);
    }
}

/* A PDU that did not decode: its response with the decoder's status when it is a request we
 * know, else generic_nack (§4.3.1, see smpp_pdu_decode). */
static void conn_on_malformed(struct smpp_conn *c, const struct smpp_pdu *pdu,
                              const struct mdt_err *err)
{
    uint32_t id = pdu->command_id;
    uint32_t seq = pdu->sequence_number;
    bool known = strcmp(smpp_command_name(id), "unknown") != 0;

    log_warn("smpp %s: malformed %s seq=%u: %s", conn_name(c), smpp_command_name(id), seq,
             err->msg);
    if (known && (id & SMPP_RESP_BIT) == 0 && id != SMPP_CMD_outbind) {
        smpp_conn_respond(c, id | SMPP_RESP_BIT, seq, pdu->reject_status);
        return;
    }
    if (id != SMPP_CMD_generic_nack) {
        smpp_conn_respond(c, SMPP_CMD_generic_nack, seq, pdu->reject_status);
    }
    if (id == SMPP_CMD_submit_sm_resp) {
        /* The header still says how the SMSC answered. Accepted with an unreadable message_id
         * is still accepted: sending again would only duplicate the SMS. */
        smpp_conn_on_submit_resp(c, seq, pdu->command_status, "");
    }
}

static void conn_on_pdu(struct smpp_conn *c, const uint8_t *buf, uint32_t len)
{
    struct smpp_pdu pdu;
    struct mdt_err err = {0};
    int rc = smpp_pdu_decode(buf, len, &pdu, &err);

    log_debug("smpp %s: <- %s seq=%u%s%s%s", conn_name(c), smpp_command_name(pdu.command_id),
              pdu.sequence_number, (pdu.command_id & SMPP_RESP_BIT) != 0 ? " status=" : "",
              (pdu.command_id & SMPP_RESP_BIT) != 0 ? smpp_status_name(pdu.command_status) : "",
              rc != 0 ? " (malformed)" : "");
    if (rc != 0) {
        conn_on_malformed(c, &pdu, &err);
    } else if ((pdu.command_id & SMPP_RESP_BIT) != 0) {
        conn_on_resp(c, &pdu);
    } else {
        conn_on_request(c, &pdu);
    }
}

/* The stream can no longer be framed (command_length out of bounds): generic_nack
 * ESME_RINVCMDLEN, then close (§4.3.1; see smpp_pdu_frame_length). */
static void conn_unframeable(struct smpp_conn *c, const uint8_t *head, size_t avail)
{
    uint32_t seq = 0;
    uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 |
                   (uint32_t)head[3];

    if (avail >= SMPP_PDU_HEADER_LEN) {
        seq = (uint32_t)head[12] << 24 | (uint32_t)head[13] << 16 | (uint32_t)head[14] << 8 |
              (uint32_t)head[15];
    }
    log_warn("smpp %s: command_length %u is outside %u..%u: closing", conn_name(c), len,
             SMPP_PDU_HEADER_LEN, SMPP_PDU_MAX);
    smpp_conn_respond(c, SMPP_CMD_generic_nack, seq, ESME_RINVCMDLEN);
    conn_close_after_flush(c, "unframeable input");
}

/* Every complete PDU in the input, in order. The read high watermark (SMPP_READ_MAX) bounds
 * what is buffered, hence the work of one call; a length is checked before its body is waited
 * for. Stops as soon as the connection is dropped or closing. */
static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    struct smpp_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint64_t gen = c->gen;

    while (c->gen == gen && c->state != CONN_CLOSING) {
        uint8_t head[SMPP_PDU_HEADER_LEN];
        size_t avail = evbuffer_get_length(in);
        uint32_t len = 0;
        uint8_t *pdu;

        if (avail < 4) {
            break;
        }
        evbuffer_copyout(in, head, avail < sizeof(head) ? avail : sizeof(head));
        if (smpp_pdu_frame_length(head, 4, &len, NULL) != 0) {
            conn_unframeable(c, head, avail);
            break;
        }
        if (avail < len) {
            break;
        }
        pdu = evbuffer_pullup(in, len);
        if (pdu == NULL) {
            smpp_conn_drop(c, "out of memory");
            break;
        }
        conn_on_pdu(c, pdu, len);
        if (c->gen != gen) {
            break; /* dropped: bev and in are gone */
        }
        evbuffer_drain(in, len);
    }
    if (c->gen == gen && c->bev != NULL &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) > SMPP_WRITE_MAX) {
        smpp_conn_drop(c, "the SMSC does not read its responses");
    }
}

/* Output drained: a CLOSING connection closes, others may send more MTs. */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    struct smpp_conn *c = arg;

    (void)bev;
    if (c->state == CONN_CLOSING) {
        smpp_conn_drop(c, c->close_why);
    } else {
        smpp_session_pump(c->s);
    }
}

/* OpenSSL's reason for the failure, or NULL. libevent keeps up to 3 errors per bufferevent,
 * newest popped first, and stores bare SSL_get_error() codes (SSL_ERROR_SYSCALL for a refused
 * or reset connection) among OpenSSL's packed ones: those have no reason string. */
static const char *tls_reason(struct bufferevent *bev)
{
    const char *reason = NULL;
    unsigned long e = bufferevent_get_openssl_error(bev);

    for (int i = 0; e != 0 && i < 8; i++) {
        if (reason == NULL && ERR_GET_LIB(e) != 0) {
            reason = ERR_reason_error_string(e);
        }
        e = bufferevent_get_openssl_error(bev);
    }
    return reason;
}

/* Why a TLS connection failed, in words: OpenSSL's reason, and the certificate check's. NULL
 * when TLS says nothing (a refused or reset connection): the socket error tells it then. */
static const char *tls_why(struct bufferevent *bev, char *buf, size_t cap)
{
    const char *reason = tls_reason(bev);
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;

    if (reason == NULL && v == X509_V_OK) {
        return NULL;
    }
    /* The session does not know its section's name: the hint names the keys. */
    if (v != X509_V_OK) {
        snprintf(buf, cap,
                 "TLS: %s, certificate: %s: check the SMSC's certificate and the link's "
                 "tls_ca_file and host",
                 reason != NULL ? reason : "handshake failed", X509_verify_cert_error_string(v));
    } else {
        snprintf(buf, cap, "TLS: %s: check that the SMSC speaks TLS 1.2 or later on this port",
                 reason);
    }
    return buf;
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct smpp_conn *c = arg;
    const char *why = "closed by the SMSC";
    int dns_error;
    int one = 1;

    if ((what & BEV_EVENT_CONNECTED) != 0) {
        (void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn_bind(c);
        return;
    }
    if ((what & BEV_EVENT_ERROR) != 0) {
        dns_error = bufferevent_socket_get_dns_error(bev);
        why = dns_error != 0 ? evutil_gai_strerror(dns_error)
                             : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
        if (c->s->tls != NULL && dns_error == 0) {
            const char *t = tls_why(bev, c->s->tls_error, sizeof(c->s->tls_error));

            why = t != NULL ? t : why;
        }
    } else if ((what & BEV_EVENT_EOF) == 0) {
        why = "timeout";
    }
    smpp_conn_drop(c, why);
}

/* A TLS bufferevent that connects like a socket one: SNI and the host name check for the
 * SMSC's certificate (RFC 6125) unless tls_verify is off. */
static struct bufferevent *tls_bev(struct smpp_session *s)
{
    SSL *ssl = SSL_new(s->tls);
    struct in6_addr a6;
    struct in_addr a4;
    bool numeric =
        inet_pton(AF_INET, s->cfg.host, &a4) == 1 || inet_pton(AF_INET6, s->cfg.host, &a6) == 1;

    if (ssl == NULL) {
        return NULL;
    }
    if (!numeric) {
        SSL_set_tlsext_host_name(ssl, s->cfg.host);
    }
    if (s->cfg.tls_verify) {
        X509_VERIFY_PARAM *p = SSL_get0_param(ssl);

        if (numeric) {
            X509_VERIFY_PARAM_set1_ip_asc(p, s->cfg.host);
        } else {
            X509_VERIFY_PARAM_set1_host(p, s->cfg.host, 0);
        }
        SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    }
    return bufferevent_openssl_socket_new(s->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                          BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
}

void smpp_conn_connect(struct smpp_conn *c, int64_t now)
{
    struct smpp_session *s = c->s;
    struct bufferevent *bev;
    int rc;

    /* Deferred callbacks: nothing calls back into the session from inside a libevent call made
     * by the session (a connect that fails at once, a write). */
    bev = s->tls != NULL ? tls_bev(s)
                         : bufferevent_socket_new(s->base, -1,
                                                  BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (bev == NULL) {
        smpp_conn_drop(c, "out of memory");
        return;
    }
    bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    bufferevent_setwatermark(bev, EV_READ, 0, SMPP_READ_MAX);
    bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    c->bev = bev;
    c->gen++;
    c->next_seq = 1;
    c->state = CONN_CONNECTING;
    c->deadline_us = now + (int64_t)s->cfg.response_timeout_s * US_PER_S;
    if (s->dns == NULL) {
        rc = bufferevent_socket_connect(bev, (struct sockaddr *)&s->addr, s->addr_len);
    } else {
        rc = bufferevent_socket_connect_hostname(bev, s->dns, AF_UNSPEC, s->cfg.host, s->cfg.port);
    }
    if (rc != 0) {
        smpp_conn_drop(c, "cannot connect");
    }
}

/*
 * Time: one tick for every timer of the session.
 */

static void conn_tick_bound(struct smpp_conn *c, int64_t now)
{
    const struct smpp_config *cfg = &c->s->cfg;
    int64_t timeout_us = (int64_t)cfg->response_timeout_s * US_PER_S;

    if (c->enquire_pending && now - c->enquire_sent_us >= timeout_us) {
        smpp_conn_drop(c, "no enquire_link_resp in time");
        return;
    }
    if (!c->enquire_pending &&
        now - c->enquire_sent_us >= (int64_t)cfg->enquire_link_s * US_PER_S) {
        smpp_conn_enquire(c, now);
    }
    if (c->state == CONN_BOUND) {
        smpp_conn_expire_submits(c, now, timeout_us);
    }
}

void smpp_conn_tick(struct smpp_conn *c, int64_t now)
{
    switch (c->state) {
    case CONN_IDLE:
        if (!c->s->stopping && now >= c->reconnect_us) {
            smpp_conn_connect(c, now);
        }
        break;
    case CONN_CONNECTING:
    case CONN_BINDING:
        if (now >= c->deadline_us) {
            smpp_conn_drop(c, c->state == CONN_CONNECTING ? "connect timed out"
                                                          : "no bind_resp in time");
        }
        break;
    case CONN_UNBINDING:
    case CONN_CLOSING:
        if (now >= c->deadline_us) {
            smpp_conn_drop(c, c->state == CONN_UNBINDING ? "no unbind_resp in time"
                                                         : "flush timed out");
        }
        break;
    case CONN_BOUND:
        conn_tick_bound(c, now);
        break;
    case CONN_CLOSED:
        break;
    }
}
