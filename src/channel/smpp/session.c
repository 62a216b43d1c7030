/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 ESME session on libevent: connections and binds, enquire_link, the MT window and
 * rate cap, MO reassembly with acknowledgement deferred until mandat has committed, delivery
 * receipts, and reconnects with backoff. Everything runs on the one event loop thread. */
#include "channel/smpp/session.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/smpp/doubt.h"
#include "channel/smpp/gsm.h"
#include "channel/smpp/smpp_pdu.h"
#include "dialog/phone.h"

#define US_PER_MS 1000
#define US_PER_S 1000000

/* §3.2: sequence_number runs 0x00000001 .. 0x7FFFFFFF, then wraps to 1. */
#define SEQ_MAX 0x7FFFFFFFu

/* Our largest PDU is a submit_sm: 16 header + 6 + 3 * 1 + 21 + 2 * 1 + 21 + 3 * 1 + 2 * 17 +
 * 5 * 1 + 254 = 363 octets, no TLVs. 512 leaves room and stays on the stack. */
#define OUT_PDU_MAX 512

/* A concatenated MO joined before decoding: SMS_PARTS_MAX parts of at most 254 octets. */
#define MO_JOIN_MAX (SMS_PARTS_MAX * SMPP_SHORT_MESSAGE_MAX)

/* A last PDU (generic_nack, unbind_resp) gets this long to leave before the socket closes. */
#define CLOSE_WAIT_MS 1000

/* Backoff ceiling and timeouts accepted by smpp_session_start. */
#define RECONNECT_MS_MAX 3600000u
#define TIMEOUT_S_MAX 3600u
#define ENQUIRE_S_MAX 86400u
#define THROTTLE_PAUSE_MS_MAX 60000u

_Static_assert(sizeof(((struct smpp_config *)0)->system_id) ==
                   sizeof(((struct smpp_bind_transceiver *)0)->system_id),
               "system_id sizes");
_Static_assert(sizeof(((struct smpp_config *)0)->password) ==
                   sizeof(((struct smpp_bind_transceiver *)0)->password),
               "password sizes");
_Static_assert(sizeof(((struct smpp_config *)0)->system_type) ==
                   sizeof(((struct smpp_bind_transceiver *)0)->system_type),
               "system_type sizes");
_Static_assert(sizeof(((struct smpp_config *)0)->address_range) ==
                   sizeof(((struct smpp_bind_transceiver *)0)->address_range),
               "address_range sizes");
_Static_assert(SMPP_ADDR_MAX == sizeof(((struct smpp_submit_sm *)0)->source_addr), "addr size");
_Static_assert(SMS_PART_OCTETS_MAX <= SMPP_SHORT_MESSAGE_MAX, "a part fits short_message");
_Static_assert(SMPP_MESSAGE_ID_MAX == STORE_PEER_ID_MAX, "peer ids are message ids");
_Static_assert(SMPP_ADDR_MAX + 1 <= STORE_ADDR_MAX, "'+' and an SMPP address fit a store addr");
_Static_assert(SMS_PARTS_MAX <= 255, "part counts are uint8_t");

enum conn_role { ROLE_TRX, ROLE_TX, ROLE_RX };

enum conn_state {
    CONN_IDLE,       /* not connected: connect at reconnect_us unless stopping */
    CONN_CONNECTING, /* DNS and TCP under way; bound by deadline_us */
    CONN_BINDING,    /* bind sent, waiting for its resp; bound by deadline_us */
    CONN_BOUND,
    CONN_UNBINDING, /* our unbind sent (stop), waiting for unbind_resp until deadline_us */
    CONN_CLOSING,   /* a last PDU is flushed, then the socket closes (deadline_us) */
    CONN_CLOSED,    /* stopped for good */
};

enum part_state { PART_PENDING = 0, PART_SENT, PART_DONE };

enum concat_kind { CONCAT_NONE = 0, CONCAT_UDH8, CONCAT_UDH16, CONCAT_SAR };

/* One queued MT: the row's text and its plan, and where each part stands. Lives in the queue
 * until reported; a refused MT leaves the queue at once but lives on while parts of it are still
 * in flight (inflight counts the slots that point to it). */
struct smpp_mt {
    TAILQ_ENTRY(smpp_mt) link;
    struct id128 id;
    char source[SMPP_ADDR_MAX];
    char dest[SMPP_ADDR_MAX];
    uint8_t dest_ton, dest_npi;
    uint8_t ref;                          /* UDH concatenation reference, the same for every part */
    bool finished;                        /* reported by submitted; no longer in the queue */
    uint8_t state[SMS_PARTS_MAX];         /* enum part_state */
    unsigned done;                        /* parts accepted */
    unsigned inflight;                    /* slots pointing here */
    char message_id[SMPP_MESSAGE_ID_MAX]; /* the first part's */
    struct sms_plan plan;
    size_t len;
    char text[]; /* len bytes and a NUL */
};

/* A submit_sm in flight: a window entry. */
struct smpp_slot {
    struct smpp_mt *mt; /* NULL: free */
    unsigned part;
    uint32_t seq;
    int64_t sent_us;
    uint64_t ord; /* write ordinal of the submit_sm: its answer confirms older MO acks */
};

struct smpp_session;

/* One TCP connection and its bind. */
struct smpp_conn {
    struct smpp_session *s;
    enum conn_role role;
    enum conn_state state;
    struct bufferevent *bev;
    uint64_t gen; /* bumped on every connect and drop: stale MOs and callbacks see the change */
    uint32_t next_seq;
    uint32_t bind_seq, unbind_seq, enquire_seq;
    bool enquire_pending;
    /* PDUs written on this connection, ever; the ordinals of our pending requests. An answer to
     * a request proves that the SMSC read everything written before it (TCP is ordered). */
    uint64_t wrote, enquire_ord, unbind_ord;
    struct smpp_doubt doubt; /* MOs acknowledged, not yet known read (receiving connections) */
    int64_t enquire_sent_us; /* our last enquire_link, or the bind */
    int64_t deadline_us;
    int64_t reconnect_us;
    uint32_t backoff_ms;
    const char *close_why;   /* CLOSING: static text for the log */
    struct smpp_slot *slots; /* window entries (transmitting connections) */
    uint32_t inflight;
    int64_t *sent_ring; /* send times of the last throughput_per_s submit_sm, oldest at head */
    uint32_t ring_head, ring_count;
};

/* A part of a concatenated MO: octets after any UDH, and the deliver_sm to answer. */
struct smpp_part {
    bool have;
    uint32_t seq;
    size_t len;
    uint8_t data[SMPP_SHORT_MESSAGE_MAX];
};

/* A concatenated MO being reassembled, keyed by source, destination, kind, reference and total.
 * Always from the receiving connection's current generation: a drop clears the table. */
struct smpp_partial {
    struct dialog_message msg; /* addresses and peer id; no text yet */
    enum concat_kind kind;
    uint16_t ref;
    uint8_t total, have, data_coding;
    int64_t first_us;
    struct smpp_conn *c;
    struct smpp_part part[SMS_PARTS_MAX];
};

struct smpp_mo {
    struct smpp_session *s; /* NULL once the session is freed */
    struct smpp_conn *c;
    uint64_t gen; /* c->gen when the MO arrived */
    TAILQ_ENTRY(smpp_mo) link;
    unsigned n;
    uint32_t seq[SMS_PARTS_MAX];
};

/* What a deliver_sm says about concatenation (UDH IE 0x00/0x08, or sar_* TLVs §5.3.2.22-24). */
struct concat {
    enum concat_kind kind;
    uint16_t ref;
    uint8_t total, seq;
    size_t skip; /* UDH octets before the part's text */
};

struct smpp_session {
    struct event_base *base;
    struct evdns_base *dns; /* NULL when host is numeric */
    SSL_CTX *tls;           /* NULL: plain TCP */
    char tls_error[256];    /* the last TLS failure, for the log */
    struct sockaddr_storage addr;
    int addr_len;
    struct smpp_config cfg;
    struct smpp_handlers h;
    struct smpp_conn conn[2];
    unsigned nconn;
    struct event *tick;
    struct event *done_ev;
    struct event *doubt_ev; /* end of the loop iteration: close the doubt of a burst of acks */
    bool stopping, up, done_scheduled, pumping;
    void (*done_cb)(void *arg);
    void *done_arg;
    int64_t last_sweep_us;
    /* MT */
    TAILQ_HEAD(mt_queue, smpp_mt) queue;
    uint32_t queued;
    uint8_t next_ref;
    int64_t pause_until_us;
    /* MO */
    struct smpp_partial *partials[SMPP_MO_PARTIAL_MAX];
    uint32_t npartials;
    TAILQ_HEAD(mo_list, smpp_mo) mos;
    uint32_t nmos;
    char text[STORE_TEXT_MAX];   /* decoded MO text handed up */
    uint8_t joined[MO_JOIN_MAX]; /* a concatenated MO's octets */
};

static void conn_drop(struct smpp_conn *c, const char *why);
static void session_pump(struct smpp_session *s);

/*
 * Small helpers.
 */

static const char *conn_name(const struct smpp_conn *c)
{
    static const char *const names[] = {"trx", "tx", "rx"};
    return names[c->role];
}

static bool conn_can_tx(const struct smpp_conn *c)
{
    return c->role != ROLE_RX;
}

static bool conn_can_rx(const struct smpp_conn *c)
{
    return c->role != ROLE_TX;
}

static uint32_t conn_seq(struct smpp_conn *c)
{
    uint32_t seq = c->next_seq;

    c->next_seq = seq >= SEQ_MAX ? 1 : seq + 1;
    return seq;
}

static bool cstr_ok(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* message_state (§5.2.28) as the receipt text's "stat:" spells it (Appendix B). */
static const char *state_name(unsigned st)
{
    static const char *const names[] = {"UNKNOWN", "ENROUTE", "DELIVRD", "EXPIRED", "DELETED",
                                        "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"};
    return st < sizeof(names) / sizeof(names[0]) ? names[st] : "UNKNOWN";
}

/*
 * Writing PDUs.
 */

static int conn_send(struct smpp_conn *c, const struct smpp_pdu *pdu)
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
static int conn_respond(struct smpp_conn *c, uint32_t command_id, uint32_t seq, uint32_t status)
{
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = command_id;
    pdu.sequence_number = seq;
    pdu.command_status = status;
    return conn_send(c, &pdu);
}

/*
 * In-doubt acknowledgements (DESIGN.md, Durability): which MO acks the SMSC surely read.
 */

/* Ids handed to the handlers per call: a FIFO is emptied in chunks of this many. */
#define DOUBT_CHUNK 64

/* Hands the MO acks written before ord to the handlers, as read (the SMSC answered a request
 * of ours written at ord) or as in doubt (the connection is gone: they may never have been
 * read, and the SMSC may deliver those MOs again). */
static void conn_doubt_settle(struct smpp_conn *c, uint64_t ord, bool in_doubt)
{
    struct smpp_session *s = c->s;
    struct id128 ids[DOUBT_CHUNK];
    size_t n;

    do { /* an empty (or never allocated) FIFO pops nothing */
        n = smpp_doubt_pop_before(&c->doubt, ord, ids, DOUBT_CHUNK);
        if (n > 0 && !in_doubt) {
            s->h.acks_read(s->h.ctx, ids, n);
        } else if (n > 0) {
            log_info("smpp %s: link lost with %zu acknowledged message(s) in doubt: a "
                     "redelivery of them is recognised",
                     conn_name(c), n);
            s->h.acks_in_doubt(s->h.ctx, ids, n);
        }
    } while (n == DOUBT_CHUNK);
}

static void conn_confirm(struct smpp_conn *c, uint64_t ord)
{
    conn_doubt_settle(c, ord, false);
}

static void conn_doubt_report(struct smpp_conn *c)
{
    conn_doubt_settle(c, UINT64_MAX, true);
}

static void conn_enquire(struct smpp_conn *c, int64_t now);

/* End of a loop iteration with MO acks in doubt: one enquire_link (not one per MO) whose answer
 * confirms them all. An enquire_link already pending was written before some of them: its
 * answer chains the next one (conn_on_enquire_resp). */
static void session_doubt_cb(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_session *s = arg;

    (void)fd;
    (void)what;
    for (unsigned i = 0; i < s->nconn; i++) {
        struct smpp_conn *c = &s->conn[i];

        if (c->doubt.count > 0 && c->state == CONN_BOUND && !c->enquire_pending) {
            conn_enquire(c, clock_mono_us());
        }
    }
}

static void session_doubt_soon(struct smpp_session *s)
{
    if (s->doubt_ev != NULL) {
        event_active(s->doubt_ev, EV_TIMEOUT, 0);
    }
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
    if (conn_send(c, &pdu) != 0) {
        conn_drop(c, "cannot send bind");
    }
}

/* Tell the handler when "every bind is up" changes. */
static void session_update_bound(struct smpp_session *s)
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

static void session_check_stopped(struct smpp_session *s)
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

/* Free a window slot without an answer (a drop, a timeout): its part goes back to the queue,
 * or, if its MT was refused meanwhile, the MT is freed with its last part in flight. */
static void slot_release(struct smpp_conn *c, struct smpp_slot *slot)
{
    struct smpp_mt *mt = slot->mt;

    slot->mt = NULL;
    c->inflight--;
    mt->inflight--;
    if (!mt->finished) {
        mt->state[slot->part] = PART_PENDING;
    } else if (mt->inflight == 0) {
        free(mt);
    }
}

/* Give the parts in flight back to the queue: after a drop they are sent again on the next
 * bind (see smpp_session_submit on duplicates). A refused MT waiting for them is freed. */
static void conn_requeue(struct smpp_conn *c)
{
    if (c->slots == NULL) {
        return;
    }
    for (uint32_t i = 0; i < c->s->cfg.window; i++) {
        struct smpp_slot *slot = &c->slots[i];
        struct smpp_mt *mt = slot->mt;

        if (mt == NULL) {
            continue;
        }
        slot_release(c, slot);
    }
    MDT_ASSERT(c->inflight == 0);
}

static void partial_remove(struct smpp_session *s, uint32_t i)
{
    MDT_ASSERT(i < s->npartials);
    free(s->partials[i]);
    s->npartials--;
    s->partials[i] = s->partials[s->npartials];
    s->partials[s->npartials] = NULL;
}

/* The connection the parts came on is gone: they cannot be answered any more, and the SMSC
 * delivers them all again on the next bind. */
static void partials_clear(struct smpp_session *s)
{
    while (s->npartials > 0) {
        partial_remove(s, s->npartials - 1);
    }
}

static uint32_t backoff_next(uint32_t ms, uint32_t max_ms)
{
    return ms > max_ms / 2 ? max_ms : ms * 2;
}

/* Close the connection now and, unless stopping, reconnect after the backoff. */
static void conn_drop(struct smpp_conn *c, const char *why)
{
    struct smpp_session *s = c->s;

    if (c->bev != NULL) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    c->gen++;
    c->enquire_pending = false;
    conn_doubt_report(c);
    conn_requeue(c);
    if (conn_can_rx(c)) {
        partials_clear(s);
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
    session_update_bound(s);
    session_check_stopped(s);
}

/* Send what is in the output buffer, then close (after a generic_nack for an unframeable stream,
 * or an unbind_resp). Reads stop now. */
static void conn_close_after_flush(struct smpp_conn *c, const char *why)
{
    c->state = CONN_CLOSING;
    c->close_why = why;
    c->deadline_us = clock_mono_us() + (int64_t)CLOSE_WAIT_MS * US_PER_MS;
    bufferevent_disable(c->bev, EV_READ);
    session_update_bound(c->s);
    if (c->state == CONN_CLOSING && c->bev != NULL &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        conn_drop(c, why);
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
        conn_drop(c, "bind refused");
    } else {
        c->state = CONN_BOUND;
        c->backoff_ms = s->cfg.reconnect_min_ms;
        c->enquire_sent_us = clock_mono_us();
        c->enquire_pending = false;
        log_info("smpp %s: bound to %s:%u as '%s'", conn_name(c), s->cfg.host,
                 (unsigned)s->cfg.port, s->cfg.system_id);
        session_update_bound(s);
        session_pump(s);
    }
}

/* SMPP 3.4 §4.2.1: unbind, then wait for unbind_resp (tick enforces the deadline). */
static void conn_unbind(struct smpp_conn *c)
{
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = SMPP_CMD_unbind;
    pdu.sequence_number = conn_seq(c);
    c->unbind_seq = pdu.sequence_number;
    c->state = CONN_UNBINDING;
    c->deadline_us = clock_mono_us() + (int64_t)SMPP_UNBIND_WAIT_MS * US_PER_MS;
    if (conn_send(c, &pdu) != 0) {
        conn_drop(c, "cannot send unbind");
    } else {
        c->unbind_ord = c->wrote;
        log_info("smpp %s: unbinding", conn_name(c));
    }
}

/* §4.11.1: our enquire_link; its resp must come within response_timeout_s. */
static void conn_enquire(struct smpp_conn *c, int64_t now)
{
    struct smpp_pdu pdu;

    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = SMPP_CMD_enquire_link;
    pdu.sequence_number = conn_seq(c);
    c->enquire_seq = pdu.sequence_number;
    c->enquire_pending = true;
    c->enquire_sent_us = now;
    if (conn_send(c, &pdu) != 0) {
        conn_drop(c, "cannot send enquire_link");
    } else {
        c->enquire_ord = c->wrote;
    }
}

/*
 * MT: the queue, the window and the rate.
 */

static struct smpp_conn *session_tx_conn(struct smpp_session *s)
{
    return &s->conn[0]; /* the transceiver, or the transmitter */
}

static bool conn_rate_ok(const struct smpp_conn *c, uint32_t cap, int64_t now)
{
    return cap == 0 || c->ring_count < cap || now - c->sent_ring[c->ring_head] >= US_PER_S;
}

/* Remember a send time: at most cap submit_sm in any sliding second. */
static void conn_rate_note(struct smpp_conn *c, uint32_t cap, int64_t now)
{
    if (cap == 0) {
        return;
    }
    if (c->ring_count < cap) {
        c->sent_ring[(c->ring_head + c->ring_count) % cap] = now;
        c->ring_count++;
    } else {
        c->sent_ring[c->ring_head] = now;
        c->ring_head = (c->ring_head + 1) % cap;
    }
}

static bool conn_can_send(const struct smpp_conn *c, int64_t now)
{
    const struct smpp_session *s = c->s;

    return c->state == CONN_BOUND && !s->stopping && c->inflight < s->cfg.window &&
           now >= s->pause_until_us &&
           evbuffer_get_length(bufferevent_get_output(c->bev)) < SMPP_WRITE_PAUSE &&
           conn_rate_ok(c, s->cfg.throughput_per_s, now);
}

static struct smpp_slot *conn_slot_find(struct smpp_conn *c, uint32_t seq)
{
    for (uint32_t i = 0; c->slots != NULL && i < c->s->cfg.window; i++) {
        if (c->slots[i].mt != NULL && c->slots[i].seq == seq) {
            return &c->slots[i];
        }
    }
    return NULL;
}

static struct smpp_slot *conn_slot_free(struct smpp_conn *c)
{
    for (uint32_t i = 0; c->slots != NULL && i < c->s->cfg.window; i++) {
        if (c->slots[i].mt == NULL) {
            return &c->slots[i];
        }
    }
    return NULL;
}

/* Report an MT and take it out of the queue. It is freed now, or by the last of its parts still
 * in flight. */
static void mt_finish(struct smpp_session *s, struct smpp_mt *mt, int rc, uint32_t status)
{
    struct id128 id = mt->id;
    char message_id[SMPP_MESSAGE_ID_MAX] = "";

    if (rc == 0) {
        memcpy(message_id, mt->message_id, sizeof(message_id));
    }
    TAILQ_REMOVE(&s->queue, mt, link);
    s->queued--;
    mt->finished = true;
    if (mt->inflight == 0) {
        free(mt);
    }
    s->h.submitted(s->h.ctx, id, rc, status, message_id);
}

/* SMPP 3.4 §4.4.1: one part of an MT as a submit_sm, into a free window slot. */
static int mt_send_part(struct smpp_conn *c, struct smpp_mt *mt, unsigned part, int64_t now)
{
    struct smpp_session *s = c->s;
    struct smpp_slot *slot = conn_slot_free(c);
    struct smpp_pdu pdu;
    struct smpp_submit_sm *b = &pdu.body.submit_sm;
    size_t sm_len = 0;
    uint8_t dc = 0;
    bool udhi = false;
    int rc;

    MDT_ASSERT(slot != NULL);
    memset(&pdu, 0, sizeof(pdu));
    rc = sms_part(&mt->plan, mt->text, mt->len, part, mt->ref, b->short_message,
                  sizeof(b->short_message), &sm_len, &dc, &udhi);
    if (rc == 0) {
        pdu.command_id = SMPP_CMD_submit_sm;
        pdu.sequence_number = conn_seq(c);
        b->source_addr_ton = s->cfg.source_ton;
        b->source_addr_npi = s->cfg.source_npi;
        memcpy(b->source_addr, mt->source, sizeof(b->source_addr));
        b->dest_addr_ton = mt->dest_ton;
        b->dest_addr_npi = mt->dest_npi;
        memcpy(b->destination_addr, mt->dest, sizeof(b->destination_addr));
        b->esm_class = udhi ? SMPP_ESM_UDHI : 0; /* §5.2.12: default mode, default type */
        b->registered_delivery = s->cfg.registered_delivery ? 1 : 0; /* §5.2.17 */
        b->data_coding = dc;
        b->sm_length = (uint8_t)sm_len;
        rc = conn_send(c, &pdu);
    }
    if (rc == MDT_E(IO)) {
        conn_drop(c, "cannot write"); /* out of memory: the part stays pending */
    } else if (rc != 0) {
        log_error("smpp %s: cannot send part %u of an MT: %s", conn_name(c), part + 1,
                  mdt_strerror(rc));
        mt_finish(s, mt, rc, 0);
    } else {
        slot->mt = mt;
        slot->part = part;
        slot->seq = pdu.sequence_number;
        slot->sent_us = now;
        slot->ord = c->wrote;
        c->inflight++;
        mt->inflight++;
        mt->state[part] = PART_SENT;
        conn_rate_note(c, s->cfg.throughput_per_s, now);
    }
    return rc;
}

/* Send pending parts, oldest MT first, while the window, the rate, the pause and the output
 * buffer allow. Cost: the MTs without a pending part are skipped, and there are at most window
 * of them (each has a part in flight), so O(window + parts sent). */
static void session_pump(struct smpp_session *s)
{
    struct smpp_conn *c = session_tx_conn(s);
    struct smpp_mt *mt;
    struct smpp_mt *next;
    int64_t now;

    if (s->pumping || c->state != CONN_BOUND || s->stopping) {
        return;
    }
    s->pumping = true; /* a submitted handler that queues an MT must not pump inside the pump */
    now = clock_mono_us();
    for (mt = TAILQ_FIRST(&s->queue); mt != NULL && conn_can_send(c, now); mt = next) {
        next = TAILQ_NEXT(mt, link);
        for (unsigned i = 0; i < mt->plan.parts; i++) {
            if (mt->state[i] != PART_PENDING) {
                continue;
            }
            if (!conn_can_send(c, now) || mt_send_part(c, mt, i, now) != 0) {
                break;
            }
        }
    }
    s->pumping = false;
}

static void session_pause(struct smpp_session *s, uint32_t status)
{
    int64_t now = clock_mono_us();

    if (now >= s->pause_until_us) {
        log_info("smpp: SMSC answered %s: pausing MTs for %u ms", smpp_status_name(status),
                 s->cfg.throttle_pause_ms);
    }
    s->pause_until_us = now + (int64_t)s->cfg.throttle_pause_ms * US_PER_MS;
}

static void mt_part_done(struct smpp_session *s, struct smpp_mt *mt, unsigned part,
                         const char *message_id)
{
    MDT_ASSERT(mt->state[part] == PART_SENT);
    mt->state[part] = PART_DONE;
    mt->done++;
    if (part == 0) {
        snprintf(mt->message_id, sizeof(mt->message_id), "%s", message_id);
    }
    if (mt->done == mt->plan.parts) {
        mt_finish(s, mt, 0, ESME_ROK);
    }
}

/* Free a window slot after its answer: the part is done, to send again, or its MT refused. */
static void slot_settle(struct smpp_conn *c, struct smpp_slot *slot, uint32_t status,
                        const char *message_id)
{
    struct smpp_session *s = c->s;
    struct smpp_mt *mt = slot->mt;
    unsigned part = slot->part;

    slot->mt = NULL;
    c->inflight--;
    mt->inflight--;
    if (mt->finished) {
        if (mt->inflight == 0) {
            free(mt);
        }
    } else if (status == ESME_ROK) {
        mt_part_done(s, mt, part, message_id);
    } else if (status == ESME_RTHROTTLED || status == ESME_RMSGQFUL) {
        mt->state[part] = PART_PENDING;
        session_pause(s, status);
    } else {
        log_info("smpp %s: submit_sm seq=%u refused: %s (0x%02x)", conn_name(c), slot->seq,
                 smpp_status_name(status), (unsigned)status);
        mt_finish(s, mt, MDT_E(IO), status);
    }
}

/* SMPP 3.4 §4.4.2: the answer to one of our submit_sm (or a generic_nack standing for it). */
static void conn_on_submit_resp(struct smpp_conn *c, uint32_t seq, uint32_t status,
                                const char *message_id)
{
    struct smpp_slot *slot = conn_slot_find(c, seq);

    if (slot == NULL) {
        /* Answered after response_timeout_s: the part was sent again meanwhile. */
        log_debug("smpp %s: submit_sm_resp seq=%u matches nothing in flight", conn_name(c), seq);
    } else {
        conn_confirm(c, slot->ord);
        slot_settle(c, slot, status, message_id);
        session_pump(c->s);
    }
}

/* Parts without a response within response_timeout_s go back to the queue. */
static void conn_expire_submits(struct smpp_conn *c, int64_t now, int64_t timeout_us)
{
    for (uint32_t i = 0; c->slots != NULL && i < c->s->cfg.window; i++) {
        struct smpp_slot *slot = &c->slots[i];
        struct smpp_mt *mt = slot->mt;

        if (mt == NULL || now - slot->sent_us < timeout_us) {
            continue;
        }
        log_info("smpp %s: no submit_sm_resp for seq=%u in %u s: sending the part again",
                 conn_name(c), slot->seq, c->s->cfg.response_timeout_s);
        slot_release(c, slot);
    }
}

/* Our addresses for an MT: see smpp_session_submit. */
static int mt_address(struct smpp_mt *mt, const char *source, const char *dest)
{
    size_t slen = strnlen(source, STORE_ADDR_MAX);
    size_t dlen;
    int rc = 0;

    mt->dest_ton = 0; /* §5.2.5 unknown */
    mt->dest_npi = 1; /* §5.2.6 ISDN (E.163/E.164) */
    if (dest[0] == '+') {
        dest++;
        mt->dest_ton = 1; /* international */
    }
    dlen = strnlen(dest, STORE_ADDR_MAX);
    if (slen == 0 || slen >= SMPP_ADDR_MAX || dlen == 0 || dlen >= SMPP_ADDR_MAX) {
        rc = MDT_E(INVAL);
    } else {
        memcpy(mt->source, source, slen + 1);
        memcpy(mt->dest, dest, dlen + 1);
    }
    return rc;
}

int smpp_session_submit(struct smpp_session *s, const struct outbox_row *row)
{
    const char *source = s->cfg.source_addr[0] != '\0' ? s->cfg.source_addr : row->source;
    size_t len = strnlen(row->text, sizeof(row->text));
    struct smpp_mt *mt = NULL;
    int rc = 0;

    if (s->stopping) {
        rc = MDT_E(SHUTDOWN);
    } else if (s->queued >= s->cfg.queue_max) {
        rc = MDT_E(FULL);
    } else if (len == sizeof(row->text)) {
        rc = MDT_E(INVAL);
    } else {
        mt = calloc(1, sizeof(*mt) + len + 1);
        rc = mt == NULL ? MDT_E(NOMEM) : mt_address(mt, source, row->dest);
    }
    if (rc == 0) {
        memcpy(mt->text, row->text, len);
        mt->text[len] = '\0';
        mt->len = len;
        mt->id = row->id;
        rc = sms_plan(mt->text, len, &mt->plan);
    }
    if (rc != 0) {
        free(mt);
        goto out;
    }
    if (mt->plan.parts > 1) {
        mt->ref = s->next_ref++;
    }
    TAILQ_INSERT_TAIL(&s->queue, mt, link);
    s->queued++;
    session_pump(s);
out:
    return rc;
}

/*
 * MO: deliver_sm, reassembly, deferred acknowledgement.
 */

/* The octets of a deliver_sm: short_message, or message_payload when short_message is empty
 * (§5.3.2.32: the two are exclusive). */
static void mo_data(const struct smpp_pdu *pdu, const uint8_t **data, size_t *len)
{
    const struct smpp_deliver_sm *d = &pdu->body.deliver_sm;

    if (d->sm_length == 0 && (pdu->tlv.present & SMPP_TLV_message_payload) != 0) {
        *data = pdu->tlv.message_payload;
        *len = pdu->tlv.message_payload_len;
    } else {
        *data = d->short_message;
        *len = d->sm_length;
    }
}

/* Addresses and the SMSC's id of an MO, without its text. */
static void mo_message_init(struct dialog_message *m, const struct smpp_pdu *pdu)
{
    const struct smpp_deliver_sm *d = &pdu->body.deliver_sm;

    memset(m, 0, sizeof(*m));
    m->channel = CHANNEL_SMS;
    if (d->source_addr_ton == 1 && d->source_addr[0] != '+') { /* §5.2.5 international */
        snprintf(m->source, sizeof(m->source), "+%s", d->source_addr);
    } else {
        snprintf(m->source, sizeof(m->source), "%s", d->source_addr);
    }
    snprintf(m->dest, sizeof(m->dest), "%s", d->destination_addr);
    if ((pdu->tlv.present & SMPP_TLV_receipted_message_id) != 0) {
        snprintf(m->peer_id, sizeof(m->peer_id), "%s", pdu->tlv.receipted_message_id);
    }
}

/* Answers every part; false when one could not be written (the SMSC will deliver it again). */
static bool conn_respond_all(struct smpp_conn *c, const uint32_t *seq, unsigned n, uint32_t status)
{
    bool all = true;

    for (unsigned i = 0; i < n; i++) {
        all = conn_respond(c, SMPP_CMD_deliver_sm_resp, seq[i], status) == 0 && all;
    }
    return all;
}

/* Hand a complete MO up; its parts are answered by smpp_mo_ack. */
static void mo_hand_up(struct smpp_conn *c, const struct dialog_message *m, const uint32_t *seq,
                       unsigned n)
{
    struct smpp_session *s = c->s;
    struct smpp_mo *mo = calloc(1, sizeof(*mo));
    struct dialog_message with_link = *m;
    char masked[PHONE_MASK_MAX];

    MDT_ASSERT(n >= 1 && n <= SMS_PARTS_MAX);
    if (mo == NULL) {
        conn_respond_all(c, seq, n, ESME_RX_T_APPN);
        return;
    }
    mo->s = s;
    mo->c = c;
    mo->gen = c->gen;
    mo->n = n;
    memcpy(mo->seq, seq, n * sizeof(seq[0]));
    TAILQ_INSERT_TAIL(&s->mos, mo, link);
    s->nmos++;
    phone_mask(m->source, masked, sizeof(masked));
    log_debug("smpp %s: MO from %s in %u part(s), %zu bytes", conn_name(c), masked, n, m->len);
    with_link.link = s->cfg.link; /* the redeliveries of a link come from the same SMSC */
    s->h.mo(s->h.ctx, &with_link, mo);
}

/* An MO acknowledged with ESME_ROK and an id: in doubt until the SMSC answers something written
 * after its last deliver_sm_resp (conn_confirm), or at once when that response could not be
 * written (the connection is gone: the SMSC delivers the MO again). */
static void mo_doubt_track(struct smpp_conn *c, bool written, const struct id128 *id)
{
    struct smpp_session *s = c->s;
    int rc;

    if (!written) {
        s->h.acks_in_doubt(s->h.ctx, id, 1);
        return;
    }
    rc = smpp_doubt_push(&c->doubt, c->wrote, *id);
    MDT_ASSERT(rc == 0); /* mo_on_deliver throttles before the FIFO can fill */
    session_doubt_soon(s);
}

void smpp_mo_ack(struct smpp_mo *mo, uint32_t status, const struct id128 *inbox_id)
{
    struct smpp_session *s = mo->s;
    struct smpp_conn *c = mo->c;
    bool written;

    if (s != NULL) {
        TAILQ_REMOVE(&s->mos, mo, link);
        s->nmos--;
        written = c->gen == mo->gen && (c->state == CONN_BOUND || c->state == CONN_UNBINDING);
        /* SMPP 3.4 §4.6.2. An ack that could not be written is in doubt at once: counting it
         * as written would let a later answer mark it read, and its redelivery look new. */
        written = written && conn_respond_all(c, mo->seq, mo->n, status);
        if (status == ESME_ROK && inbox_id != NULL && s->h.acks_read != NULL &&
            c->doubt.e != NULL) {
            mo_doubt_track(c, written, inbox_id);
        }
        if (!written) {
            log_debug("smpp %s: MO not answered (its connection closed, or the write failed): "
                      "the SMSC delivers it again",
                      conn_name(c));
        }
    }
    free(mo);
}

/* Is this deliver_sm a part of a concatenated message? UDH concatenation first (TS 23.040
 * §9.2.3.24.1 and .8), else the sar_* TLVs (SMPP 3.4 §5.3.2.22-24). */
static bool mo_concat(const struct smpp_pdu *pdu, const struct sms_udh *udh, struct concat *k)
{
    const uint32_t sar =
        SMPP_TLV_sar_msg_ref_num | SMPP_TLV_sar_total_segments | SMPP_TLV_sar_segment_seqnum;
    bool udhi = (pdu->body.deliver_sm.esm_class & SMPP_ESM_UDHI) != 0;

    memset(k, 0, sizeof(*k));
    if (udhi && !udh->present) {
        /* A header that does not parse: nothing to say where the text starts. */
    } else if (udh->present && udh->concat) {
        k->kind = udh->ref16 ? CONCAT_UDH16 : CONCAT_UDH8;
        k->ref = udh->ref;
        k->total = udh->total;
        k->seq = udh->seq;
        k->skip = udh->octets;
    } else if ((pdu->tlv.present & sar) == sar) {
        k->kind = CONCAT_SAR;
        k->ref = pdu->tlv.sar_msg_ref_num;
        k->total = pdu->tlv.sar_total_segments;
        k->seq = pdu->tlv.sar_segment_seqnum;
        k->skip = udh->present ? udh->octets : 0;
    }
    return k->kind != CONCAT_NONE && k->total > 1;
}

/* All parts are here: join their octets, decode once (a character may straddle two parts),
 * hand the message up with every part's sequence number. */
static void partial_complete(struct smpp_conn *c, uint32_t index)
{
    struct smpp_session *s = c->s;
    struct smpp_partial *p = s->partials[index];
    struct dialog_message m = p->msg;
    uint32_t seq[SMS_PARTS_MAX];
    unsigned n = p->total;
    size_t len = 0;
    size_t tlen = 0;
    struct mdt_err err = {0};
    int rc;

    for (unsigned i = 0; i < n; i++) {
        MDT_ASSERT(p->part[i].have && len + p->part[i].len <= sizeof(s->joined));
        memcpy(s->joined + len, p->part[i].data, p->part[i].len);
        len += p->part[i].len;
        seq[i] = p->part[i].seq;
    }
    rc = sms_decode(p->data_coding, s->joined, len, false, s->text, sizeof(s->text), &tlen, NULL,
                    &err);
    partial_remove(s, index);
    if (rc != 0) {
        log_warn("smpp %s: concatenated MO of %u parts refused: %s", conn_name(c), n, err.msg);
        conn_respond_all(c, seq, n, ESME_RX_P_APPN);
        return;
    }
    m.text = s->text;
    m.len = tlen;
    mo_hand_up(c, &m, seq, n);
}

static struct smpp_partial *partial_new(struct smpp_conn *c, const struct dialog_message *m,
                                        const struct smpp_pdu *pdu, const struct concat *k)
{
    struct smpp_session *s = c->s;
    struct smpp_partial *p = NULL;

    if (s->npartials < SMPP_MO_PARTIAL_MAX) {
        p = calloc(1, sizeof(*p));
    }
    if (p == NULL) {
        goto out;
    }
    p->msg = *m;
    p->kind = k->kind;
    p->ref = k->ref;
    p->total = k->total;
    p->data_coding = pdu->body.deliver_sm.data_coding;
    p->first_us = clock_mono_us();
    p->c = c;
    s->partials[s->npartials++] = p;
out:
    return p;
}

/* Index of the partial MO that a part belongs to (same source, destination, kind, reference
 * and total), created if new; s->npartials when the table is full. O(partials): at most
 * SMPP_MO_PARTIAL_MAX short comparisons per part. */
static uint32_t partial_index(struct smpp_conn *c, const struct dialog_message *m,
                              const struct smpp_pdu *pdu, const struct concat *k)
{
    struct smpp_session *s = c->s;
    uint32_t i;

    for (i = 0; i < s->npartials; i++) {
        const struct smpp_partial *p = s->partials[i];

        if (p->kind == k->kind && p->ref == k->ref && p->total == k->total &&
            strcmp(p->msg.source, m->source) == 0 && strcmp(p->msg.dest, m->dest) == 0) {
            break;
        }
    }
    if (i == s->npartials && partial_new(c, m, pdu, k) != NULL) {
        i = s->npartials - 1;
    }
    return i;
}

/* Keep the part's octets; hand the message up when it is the last one missing. */
static void partial_store(struct smpp_conn *c, uint32_t index, const struct concat *k, uint32_t seq,
                          const uint8_t *data, size_t len, const char *peer_id)
{
    struct smpp_partial *p = c->s->partials[index];
    struct smpp_part *part = &p->part[k->seq - 1];

    if (part->have) {
        /* The same part again: the SMSC gave up on the first copy; answer that one so that it
         * is not left open, and keep the new one. */
        conn_respond(c, SMPP_CMD_deliver_sm_resp, part->seq, ESME_RX_T_APPN);
    } else {
        p->have++;
    }
    part->have = true;
    part->seq = seq;
    part->len = len - k->skip;
    memcpy(part->data, data + k->skip, part->len);
    if ((k->seq == 1 || p->msg.peer_id[0] == '\0') && peer_id[0] != '\0') {
        snprintf(p->msg.peer_id, sizeof(p->msg.peer_id), "%s", peer_id);
    }
    if (p->have == p->total) {
        partial_complete(c, index);
    }
}

/* Keep a part until its message is complete (or SMPP_MO_PARTIAL_TIMEOUT_S passes). */
static void partial_add(struct smpp_conn *c, const struct smpp_pdu *pdu, const struct concat *k,
                        const uint8_t *data, size_t len)
{
    uint32_t seq = pdu->sequence_number;
    struct dialog_message m;
    uint32_t i;

    if (k->total > SMS_PARTS_MAX || k->seq == 0 || k->seq > k->total ||
        len - k->skip > SMPP_SHORT_MESSAGE_MAX) {
        log_warn("smpp %s: MO part seq=%u refused: part %u of %u, %zu octets (at most %u parts)",
                 conn_name(c), seq, k->seq, k->total, len - k->skip, SMS_PARTS_MAX);
        conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RX_P_APPN);
    } else {
        mo_message_init(&m, pdu);
        i = partial_index(c, &m, pdu, k);
        if (i == c->s->npartials) {
            conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RTHROTTLED); /* table full */
        } else {
            partial_store(c, i, k, seq, data, len, m.peer_id);
        }
    }
}

/* Partial MOs older than SMPP_MO_PARTIAL_TIMEOUT_S: answer their parts ESME_RX_T_APPN so that
 * the SMSC sends the whole message again. */
static void partials_sweep(struct smpp_session *s, int64_t now)
{
    const int64_t timeout_us = (int64_t)s->cfg.mo_partial_timeout_s * US_PER_S;
    uint32_t i = s->npartials;

    while (i > 0) {
        struct smpp_partial *p;

        i--;
        p = s->partials[i];
        if (now - p->first_us < timeout_us) {
            continue;
        }
        log_info("smpp %s: concatenated MO incomplete after %u s (%u of %u parts): asking the "
                 "SMSC to send it again",
                 conn_name(p->c), s->cfg.mo_partial_timeout_s, p->have, p->total);
        for (unsigned j = 0; j < p->total; j++) {
            if (p->part[j].have) {
                conn_respond(p->c, SMPP_CMD_deliver_sm_resp, p->part[j].seq, ESME_RX_T_APPN);
            }
        }
        partial_remove(s, i);
    }
}

/* An MO that is not a receipt. */
static void mo_on_message(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    struct smpp_session *s = c->s;
    const struct smpp_deliver_sm *d = &pdu->body.deliver_sm;
    uint32_t seq = pdu->sequence_number;
    const uint8_t *data = NULL;
    size_t len = 0;
    size_t tlen = 0;
    struct sms_udh udh;
    struct concat k;
    struct dialog_message m;
    struct mdt_err err = {0};
    int rc;

    mo_data(pdu, &data, &len);
    /* For a part, only the header matters here: its text may end inside a character. */
    rc = sms_decode(d->data_coding, data, len, (d->esm_class & SMPP_ESM_UDHI) != 0, s->text,
                    sizeof(s->text), &tlen, &udh, &err);
    if (mo_concat(pdu, &udh, &k)) {
        partial_add(c, pdu, &k, data, len);
    } else if (rc != 0) {
        /* Undecodable or longer than mandat keeps: sending it again cannot help. */
        log_warn("smpp %s: MO seq=%u refused: %s", conn_name(c), seq, err.msg);
        conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RX_P_APPN);
    } else {
        mo_message_init(&m, pdu);
        m.text = s->text;
        m.len = tlen;
        mo_hand_up(c, &m, &seq, 1);
    }
}

/* A delivery receipt (§5.2.12 esm_class type 0x04): the TLVs receipted_message_id and
 * message_state (§5.3.2.12, §5.3.2.35) first, else the text of Appendix B. */
static void mo_on_receipt(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    struct smpp_session *s = c->s;
    char id[SMPP_MESSAGE_ID_MAX] = "";
    const char *stat = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    struct smpp_dlr dlr;

    if ((pdu->tlv.present & SMPP_TLV_receipted_message_id) != 0) {
        snprintf(id, sizeof(id), "%s", pdu->tlv.receipted_message_id);
    }
    if ((pdu->tlv.present & SMPP_TLV_message_state) != 0) {
        stat = state_name(pdu->tlv.message_state);
    }
    if (id[0] == '\0' || stat == NULL) {
        mo_data(pdu, &data, &len);
        /* The parser's error would quote the receipt, which quotes the message: not logged. */
        if (smpp_dlr_parse((const char *)data, len, &dlr, NULL) == 0) {
            if (id[0] == '\0') {
                snprintf(id, sizeof(id), "%s", dlr.id);
            }
            if (stat == NULL) {
                stat = state_name(dlr.stat);
            }
        }
    }
    if (id[0] == '\0' || stat == NULL) {
        log_warn("smpp %s: delivery receipt seq=%u has no readable id or state: ignored",
                 conn_name(c), pdu->sequence_number);
        return;
    }
    log_debug("smpp %s: receipt for %s: %s", conn_name(c), id, stat);
    if (s->h.receipt != NULL) {
        s->h.receipt(s->h.ctx, id, stat);
    }
}

/* SMPP 3.4 §4.6.1. */
static void mo_on_deliver(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    struct smpp_session *s = c->s;
    uint32_t seq = pdu->sequence_number;
    uint8_t type = pdu->body.deliver_sm.esm_class & SMPP_ESM_TYPE_MASK;

    if (type == SMPP_ESM_TYPE_DELIVERY_RECEIPT) {
        /* Receipts carry no money: answered at once. */
        conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_ROK);
        mo_on_receipt(c, pdu);
    } else if (type != 0) {
        /* SME acknowledgements, intermediate notifications (§5.2.12): nothing for mandat. */
        log_debug("smpp %s: deliver_sm seq=%u with esm_class 0x%02x ignored", conn_name(c), seq,
                  (unsigned)pdu->body.deliver_sm.esm_class);
        conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_ROK);
    } else if (s->stopping) {
        conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RX_T_APPN);
    } else if (s->nmos >= SMPP_MO_PENDING_MAX || s->nmos + c->doubt.count >= SMPP_MO_DOUBT_MAX) {
        conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RTHROTTLED);
    } else {
        mo_on_message(c, pdu);
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
    conn_confirm(c, c->enquire_ord);
    if (c->doubt.count > 0) {
        session_doubt_soon(c->s);
    }
}

/* Our unbind was answered (SMPP 3.4 §4.2.2): every MO ack written before it was read. */
static void conn_on_unbind_resp(struct smpp_conn *c)
{
    conn_confirm(c, c->unbind_ord);
    conn_drop(c, "unbound");
}

/* §4.3.1: generic_nack for a request of ours. */
static void conn_on_nack(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    uint32_t seq = pdu->sequence_number;
    uint32_t status = pdu->command_status;

    if (c->state == CONN_BINDING && seq == c->bind_seq) {
        log_warn("smpp %s: bind answered with generic_nack %s", conn_name(c),
                 smpp_status_name(status));
        conn_drop(c, "bind refused");
    } else if (c->enquire_pending && seq == c->enquire_seq) {
        conn_on_enquire_resp(c); /* an answer all the same: the link is alive */
    } else if (c->state == CONN_UNBINDING && seq == c->unbind_seq) {
        conn_on_unbind_resp(c);
    } else if (conn_slot_find(c, seq) != NULL) {
        /* A nack with ESME_RTHROTTLED is retried like a submit_sm_resp; one without a status
         * says nothing useful and counts as a refusal. */
        conn_on_submit_resp(c, seq, status == ESME_ROK ? ESME_RUNKNOWNERR : status, "");
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
        conn_on_submit_resp(c, pdu->sequence_number, pdu->command_status,
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
        conn_respond(c, SMPP_CMD_enquire_link_resp, seq, ESME_ROK);
        break;
    case SMPP_CMD_unbind: /* §4.2.2 */
        conn_respond(c, SMPP_CMD_unbind_resp, seq, ESME_ROK);
        log_info("smpp %s: the SMSC unbinds", conn_name(c));
        conn_close_after_flush(c, "unbound by the SMSC");
        break;
    case SMPP_CMD_deliver_sm:
        if (!conn_can_rx(c) || (c->state != CONN_BOUND && c->state != CONN_UNBINDING)) {
            conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RINVBNDSTS);
        } else {
            mo_on_deliver(c, pdu);
        }
        break;
    case SMPP_CMD_outbind: /* §4.1.7 has no response; we bind on our own anyway */
        log_debug("smpp %s: outbind ignored", conn_name(c));
        break;
    default:
        /* Requests an SMSC does not send to an ESME (binds, submit_sm, query_sm, data_sm). */
        conn_respond(c, pdu->command_id | SMPP_RESP_BIT, seq, ESME_RINVCMDID);
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
        conn_respond(c, id | SMPP_RESP_BIT, seq, pdu->reject_status);
        return;
    }
    if (id != SMPP_CMD_generic_nack) {
        conn_respond(c, SMPP_CMD_generic_nack, seq, pdu->reject_status);
    }
    if (id == SMPP_CMD_submit_sm_resp) {
        /* The header still says how the SMSC answered. Accepted with an unreadable message_id
         * is still accepted: sending again would only duplicate the SMS. */
        conn_on_submit_resp(c, seq, pdu->command_status, "");
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
    conn_respond(c, SMPP_CMD_generic_nack, seq, ESME_RINVCMDLEN);
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
            conn_drop(c, "out of memory");
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
        conn_drop(c, "the SMSC does not read its responses");
    }
}

/* Output drained: a CLOSING connection closes, others may send more MTs. */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    struct smpp_conn *c = arg;

    (void)bev;
    if (c->state == CONN_CLOSING) {
        conn_drop(c, c->close_why);
    } else {
        session_pump(c->s);
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
    conn_drop(c, why);
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

static void conn_connect(struct smpp_conn *c, int64_t now)
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
        conn_drop(c, "out of memory");
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
        conn_drop(c, "cannot connect");
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
        conn_drop(c, "no enquire_link_resp in time");
        return;
    }
    if (!c->enquire_pending &&
        now - c->enquire_sent_us >= (int64_t)cfg->enquire_link_s * US_PER_S) {
        conn_enquire(c, now);
    }
    if (c->state == CONN_BOUND) {
        conn_expire_submits(c, now, timeout_us);
    }
}

static void conn_tick(struct smpp_conn *c, int64_t now)
{
    switch (c->state) {
    case CONN_IDLE:
        if (!c->s->stopping && now >= c->reconnect_us) {
            conn_connect(c, now);
        }
        break;
    case CONN_CONNECTING:
    case CONN_BINDING:
        if (now >= c->deadline_us) {
            conn_drop(c,
                      c->state == CONN_CONNECTING ? "connect timed out" : "no bind_resp in time");
        }
        break;
    case CONN_UNBINDING:
    case CONN_CLOSING:
        if (now >= c->deadline_us) {
            conn_drop(c, c->state == CONN_UNBINDING ? "no unbind_resp in time" : "flush timed out");
        }
        break;
    case CONN_BOUND:
        conn_tick_bound(c, now);
        break;
    case CONN_CLOSED:
        break;
    }
}

static void session_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_session *s = arg;
    int64_t now = clock_mono_us();

    (void)fd;
    (void)what;
    for (unsigned i = 0; i < s->nconn; i++) {
        conn_tick(&s->conn[i], now);
    }
    if (now - s->last_sweep_us >= US_PER_S) {
        s->last_sweep_us = now;
        partials_sweep(s, now);
    }
    session_pump(s);
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
    s->doubt_ev = event_new(s->base, -1, 0, session_doubt_cb, s);
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
        conn_connect(&s->conn[i], clock_mono_us());
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
            conn_unbind(c);
        } else if (c->state != CONN_UNBINDING && c->state != CONN_CLOSING) {
            conn_drop(c, "stopped");
        }
    }
    session_update_bound(s);
    session_check_stopped(s);
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
    partials_clear(s);
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
