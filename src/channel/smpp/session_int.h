/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the SMPP session (session.h): the session, its connections, MTs and MOs, shared by
 * session.c (life and timers), session_conn.c (transport: TCP, TLS, bind, reading PDUs),
 * session_mt.c (the outgoing window) and session_mo.c (the incoming side). Not for other
 * modules. Everything here runs on the session's event loop thread. */
#ifndef MDT_CHANNEL_SMPP_SESSION_INT_H
#define MDT_CHANNEL_SMPP_SESSION_INT_H

#include <event2/util.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "channel/smpp/doubt.h"
#include "channel/smpp/gsm.h"
#include "channel/smpp/session.h"
#include "channel/smpp/smpp_pdu.h"

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

/* The connection's role, for the log. */
static inline const char *conn_name(const struct smpp_conn *c)
{
    static const char *const names[] = {"trx", "tx", "rx"};
    return names[c->role];
}

/* Whether the connection sends MTs (transceiver, transmitter) or receives MOs. */
static inline bool conn_can_tx(const struct smpp_conn *c)
{
    return c->role != ROLE_RX;
}

static inline bool conn_can_rx(const struct smpp_conn *c)
{
    return c->role != ROLE_TX;
}

/* The next sequence_number of a request of ours. */
static inline uint32_t conn_seq(struct smpp_conn *c)
{
    uint32_t seq = c->next_seq;

    c->next_seq = seq >= SEQ_MAX ? 1 : seq + 1;
    return seq;
}

/*
 * Transport (session_conn.c): writing and reading PDUs, connecting, binding, timers.
 */

/* Encodes and writes one PDU: 0, MDT_E(IO) if it cannot be written, or the encoder's error. */
int smpp_conn_send(struct smpp_conn *c, const struct smpp_pdu *pdu);
/* Writes a response with an empty body (message_id "" and the like): §4.6.2, other _resp. */
int smpp_conn_respond(struct smpp_conn *c, uint32_t command_id, uint32_t seq, uint32_t status);
/* Closes the connection now and, unless stopping, reconnects after the backoff. */
void smpp_conn_drop(struct smpp_conn *c, const char *why);
/* Opens the connection (DNS, TCP, TLS); the bind follows once connected. */
void smpp_conn_connect(struct smpp_conn *c, int64_t now);
/* Sends our enquire_link (§4.11.1); its answer confirms the MO acks written before it. */
void smpp_conn_enquire(struct smpp_conn *c, int64_t now);
/* Sends unbind (§4.2.1) and waits for unbind_resp until SMPP_UNBIND_WAIT_MS. */
void smpp_conn_unbind(struct smpp_conn *c);
/* The connection's timers: reconnect, connect and bind deadlines, enquire_link, submit expiry.
 */
void smpp_conn_tick(struct smpp_conn *c, int64_t now);

/*
 * Life of the session (session.c).
 */

/* Tells the handler when "every bind is up" changes. */
void smpp_session_update_bound(struct smpp_session *s);
/* Schedules the stop callback once every connection is closed. */
void smpp_session_check_stopped(struct smpp_session *s);

/*
 * The outgoing window (session_mt.c).
 */

/* Sends pending MT parts while the window, the rate, the pause and the output buffer allow. */
void smpp_session_pump(struct smpp_session *s);
/* Gives the parts in flight on c back to the queue (after a drop). */
void smpp_conn_requeue(struct smpp_conn *c);
/* The window slot waiting for the answer to seq, or NULL. */
struct smpp_slot *smpp_conn_slot_find(struct smpp_conn *c, uint32_t seq);
/* The answer to one of our submit_sm (§4.4.2), or a generic_nack standing for it. */
void smpp_conn_on_submit_resp(struct smpp_conn *c, uint32_t seq, uint32_t status,
                              const char *message_id);
/* Parts without a response within timeout_us go back to the queue. */
void smpp_conn_expire_submits(struct smpp_conn *c, int64_t now, int64_t timeout_us);

/*
 * The incoming side (session_mo.c).
 */

/* A deliver_sm on a receiving connection (§4.6.1): a receipt, an MO, or a part of one. */
void smpp_mo_on_deliver(struct smpp_conn *c, const struct smpp_pdu *pdu);
/* Forgets every concatenated MO being reassembled (its connection is gone). */
void smpp_partials_clear(struct smpp_session *s);
/* Gives up the concatenated MOs older than mo_partial_timeout_s. */
void smpp_partials_sweep(struct smpp_session *s, int64_t now);
/* The MO acks written on c before ord are read by the SMSC: tells the handlers. */
void smpp_conn_confirm(struct smpp_conn *c, uint64_t ord);
/* The connection is gone: every MO ack still unconfirmed on it is in doubt. */
void smpp_conn_doubt_report(struct smpp_conn *c);
/* Asks for one enquire_link at the end of this loop iteration to confirm MO acks in doubt. */
void smpp_session_doubt_soon(struct smpp_session *s);
/* The end-of-iteration event behind smpp_session_doubt_soon. */
void smpp_session_doubt_cb(evutil_socket_t fd, short what, void *arg);

#endif
