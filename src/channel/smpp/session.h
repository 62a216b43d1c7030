/* SPDX-License-Identifier: Apache-2.0 */
/* The SMPP 3.4 client session (ESME) of mandat's SMS channel: binds to the operator's SMSC
 * (one transceiver, or a transmitter and a receiver), sends MTs within a window and a rate,
 * hands MOs and delivery receipts upward, and answers an MO only once mandat has committed it. */
#ifndef MDT_CHANNEL_SMPP_SESSION_H
#define MDT_CHANNEL_SMPP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "dialog/dialog.h"
#include "ledger/ledger_types.h"
#include "store/store_channel.h"

struct event_base;
struct smpp_session;

/*
 * Bounds (to move to base/limits.h).
 */

/* MTs queued per session by default (smpp_config.queue_max). An MT holds its text (at most
 * STORE_TEXT_MAX bytes), so 4096 is at most ~19 MB; at a typical 50 MT/s bind it is over a
 * minute of traffic, past which mandat's outbox (durable) is the better place to wait. */
#define SMPP_MT_QUEUE_DEFAULT 4096u
/* Largest queue_max accepted: 64 Ki MTs, ~300 MB of text at worst. */
#define SMPP_MT_QUEUE_MAX 65536u

/* Largest window (unacknowledged submit_sm). SMSCs grant 1 to 100; a window above 256 only
 * hides a dead link longer. */
#define SMPP_WINDOW_MAX 256u

/* Largest throughput cap: 10 000 submit_sm/s is beyond any single bind an operator sells. The
 * cap is enforced exactly over every sliding second, with one timestamp per allowed PDU. */
#define SMPP_THROUGHPUT_MAX 10000u

/* Concatenated MOs being reassembled at once. Each holds at most SMS_PARTS_MAX parts of 254
 * octets (~2.6 KB), so the table costs 2.6 MB at most. Past it, a new part is answered
 * ESME_RTHROTTLED and the SMSC sends it again later. */
#define SMPP_MO_PARTIAL_MAX 1024u

/* A concatenated MO whose parts have not all arrived within this time is given up: each part
 * received is answered ESME_RX_T_APPN, so the SMSC sends the whole message again. Handsets send
 * parts within seconds; SMSCs redeliver a missing part within a minute or not at all. Default
 * of smpp_config.mo_partial_timeout_s. */
#define SMPP_MO_PARTIAL_TIMEOUT_S 60u

/* MOs handed up and not yet acknowledged (smpp_mo_ack). Commits take milliseconds; an SMSC
 * keeps at most its window (commonly 10 to 100) unanswered. Past this bound a new deliver_sm is
 * answered ESME_RTHROTTLED (STYLE: push back rather than grow). */
#define SMPP_MO_PENDING_MAX 1024u

/* How long smpp_session_stop waits for unbind_resp (SMPP 3.4 §4.2) before closing anyway. */
#define SMPP_UNBIND_WAIT_MS 2000u

/* Housekeeping period: timeouts, enquire_link, reconnects, the throughput cap and partial MO
 * expiry are checked this often. 100 ms bounds the lateness of a timer and costs 10 wake-ups a
 * second, each O(window + connections); partial MOs are swept once a second (O(partials)). */
#define SMPP_TICK_MS 100u

/* Pause after ESME_RTHROTTLED / ESME_RMSGQFUL by default (smpp_config.throttle_pause_ms): SMSCs
 * count their quota per second, so one second is one quota period. */
#define SMPP_THROTTLE_PAUSE_MS 1000u

/* Octets waiting to be written to the SMSC: MTs stop being sent above SMPP_WRITE_PAUSE (they
 * wait in the queue), and the connection is dropped above SMPP_WRITE_MAX (the SMSC sends but
 * does not read: only responses can pile up, and a megabyte of them is 60 000 unread PDUs). */
#define SMPP_WRITE_PAUSE 65536u
#define SMPP_WRITE_MAX (1024u * 1024u)

/* Octets read ahead of processing (bufferevent read high watermark): two of the largest PDU, so
 * that a complete PDU is always readable and a peer can make mandat buffer no more. */
#define SMPP_READ_MAX (2u * 65536u)

/*
 * Configuration.
 */

struct smpp_config {
    char host[64]; /* SMSC address: numeric IPv4/IPv6, or a name resolved with evdns */
    uint16_t port;
    char system_id[16];   /* §5.2.1 */
    char password[9];     /* §5.2.2 */
    char system_type[13]; /* §5.2.3; often empty */
    uint8_t addr_ton, addr_npi;
    char address_range[41]; /* §5.2.7; empty: whatever the SMSC routes to this system_id */
    bool transceiver;       /* true: one bind_transceiver; false: a transmitter + a receiver bind */
    uint32_t enquire_link_s;     /* our enquire_link every this many seconds (30), §4.11 */
    uint32_t window;             /* unacknowledged submit_sm at most (10), 1..SMPP_WINDOW_MAX */
    uint32_t throughput_per_s;   /* submit_sm per second cap per bind (0 = none) */
    uint32_t response_timeout_s; /* a submit_sm without resp in this time is retried; the same
                                  * bound applies to connect+bind and to enquire_link_resp (30) */
    uint32_t reconnect_min_ms, reconnect_max_ms; /* exponential backoff 500 .. 30000 */
    bool registered_delivery;                    /* ask for delivery receipts (§5.2.17 value 1) */
    /* Our address, e.g. the short code 71004. Empty: the outbox row's source is used. Short
     * codes are "network specific" (TON 3) for some operators and "unknown" (TON 0) for others;
     * alphanumeric senders are TON 5 / NPI 0. Defaults 0 / 0 (unknown / unknown), which every
     * SMSC accepts for a short code: set what the operator's interconnection sheet says. */
    char source_addr[SMPP_ADDR_MAX];
    uint8_t source_ton, source_npi;
    /* Added: MTs the session queues before smpp_session_submit says -MDT_EFULL
     * (SMPP_MT_QUEUE_DEFAULT), 1..SMPP_MT_QUEUE_MAX. */
    uint32_t queue_max;
    /* Added: pause after ESME_RTHROTTLED or ESME_RMSGQFUL before sending again
     * (SMPP_THROTTLE_PAUSE_MS), 1..60000. */
    uint32_t throttle_pause_ms;
    /* Added: a concatenated MO still incomplete after this long is answered ESME_RX_T_APPN, part
     * by part (SMPP_MO_PARTIAL_TIMEOUT_S), 1..3600. Swept once a second. */
    uint32_t mo_partial_timeout_s;
    /* Added: TLS to the SMSC. The certificate is checked against tls_ca_file (PEM; "" the
     * system's trust store) and host (name or IP) unless tls_verify is false (tests only). */
    bool tls;
    char tls_ca_file[512];
    bool tls_verify;
    /* Added: the SMSC link's name, handed up with each MO (dialog_message.link): an SMSC
     * redelivers on any bind of its own link, never through another SMSC. "" for [smpp]. */
    char link[32];
};

/* Fill cfg with the defaults above (127.0.0.1:2775, transceiver, window 10, enquire_link 30 s,
 * response timeout 30 s, backoff 500..30000 ms, receipts asked, no throughput cap, TON/NPI 0,
 * queue 4096, throttle pause 1 s, partial MO timeout 60 s) and empty credentials. Never
 * fails. */
void smpp_config_default(struct smpp_config *cfg);

/*
 * Handlers. All are called on the event loop thread, from inside the session: they may call
 * smpp_session_submit, smpp_mo_ack, smpp_session_bound and smpp_session_stop, but never
 * smpp_session_free.
 */

struct smpp_mo; /* an MO waiting for its deliver_sm_resp */

struct smpp_handlers {
    /* A complete MO (concatenated parts reassembled: UDH 8/16-bit and sar_* TLVs). m and
     * everything it points to are valid during the call only: copy what you keep. Answer later
     * with smpp_mo_ack(mo, ...): the deliver_sm_resp(s) of ALL its parts are only sent then,
     * because mandat acknowledges only what it has committed (DESIGN.md, Durability).
     *   m->channel  CHANNEL_SMS
     *   m->source   source_addr as the SMSC wrote it, with '+' in front when its TON is
     *               international (1) and it has none
     *   m->dest     destination_addr as written (our short code)
     *   m->peer_id  the SMSC's message id from the receipted_message_id TLV (the first part's
     *               for a concatenated MO), "" when it sends none: the key for deduplication
     *   m->text     UTF-8 decoded by data_coding (0, 0xF0-0xF3 GSM 03.38; 1 ASCII; 3 Latin-1;
     *               8 UCS-2), m->len < STORE_TEXT_MAX bytes
     * Required. */
    void (*mo)(void *ctx, const struct dialog_message *m, struct smpp_mo *mo);
    /* An MT was accepted (rc 0, message_id from the first part's submit_sm_resp) or refused for
     * good (rc -MDT_EIO: status is the SMSC's command_status, message_id ""). Called once per
     * outbox row queued, never after smpp_session_free; MTs still queued when the session is
     * freed are never reported (they are still in mandat's outbox). Required. */
    void (*submitted)(void *ctx, struct id128 outbox_id, int rc, uint32_t status,
                      const char *message_id);
    /* A delivery receipt: the SMSC message id and its final state text (ENROUTE, DELIVRD,
     * EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD). The receipt is acknowledged at
     * once: it carries no money and mandat's outbox state is best effort. For a multipart MT
     * each part gets its own receipt; only the first part's id was reported by submitted, the
     * others' ids are unknown to mandat and may be ignored. Optional (NULL). */
    void (*receipt)(void *ctx, const char *message_id, const char *stat);
    /* Bound (true) or lost (false): true when every bind of the session is up (the
     * transceiver, or both the transmitter and the receiver). Optional (NULL). */
    void (*bound)(void *ctx, bool up);
    /* In-doubt tracking (DESIGN.md, Durability): the ids given to smpp_mo_ack with ESME_ROK.
     * acks_read: the SMSC answered a PDU written after these MOs' deliver_sm_resp, so it read
     * them (TCP is ordered): it will not deliver them again. acks_in_doubt: the connection
     * dropped before that (or the response could not be written): the SMSC may deliver them
     * again, and only these may be taken for a redelivery. Every id is reported exactly once,
     * by one or the other, unless the session is freed first (then neither: at a stop the
     * store keeps them in doubt). ids are valid during the call only. After a burst of
     * acknowledgements the session sends one enquire_link to close the doubt quickly. Both or
     * neither (NULL: nothing tracked). */
    void (*acks_read)(void *ctx, const struct id128 *ids, size_t n);
    void (*acks_in_doubt)(void *ctx, const struct id128 *ids, size_t n);
    void *ctx;
};

/*
 * Session.
 */

/* Start a session on base: connect and bind now, then keep the binds up (reconnecting with
 * exponential backoff after any drop) until smpp_session_stop. cfg and h are copied. Returns 0
 * with *out (free with smpp_session_free), -MDT_EINVAL (err says which setting is wrong: an
 * unterminated string, an empty host or system_id, a value out of its range, a missing
 * handler) or -MDT_ENOMEM. Connection failures are not errors here: they are retried and
 * logged. Not thread-safe: every function of this file runs on base's loop thread. */
int smpp_session_start(struct event_base *base, const struct smpp_config *cfg,
                       const struct smpp_handlers *h, struct smpp_session **out,
                       struct mdt_err *err);

/* Queue an MT (row is copied: id, source, dest, text). The session sends it when bound, within
 * the window and the throughput cap, split into parts (one UDH reference for all; GSM 03.38
 * when every character has a GSM form, else UCS-2), resends parts after ESME_RTHROTTLED (0x58)
 * or ESME_RMSGQFUL (0x14) after a pause, after response_timeout_s without a response and after
 * a drop, and calls submitted once per row (for a multipart MT after the last part is accepted,
 * with the first part's message_id).
 *
 * A part resent after a timeout or a drop may have reached the SMSC the first time: the handset
 * may then get a part twice. Outbox ids make this harmless for mandat's state; a duplicate
 * reply text is the accepted price of never losing one (SMPP 3.4 has no idempotent submit).
 *
 * Destination: "+<digits>" is sent without '+' as TON 1 (international) / NPI 1 (E.164), other
 * forms as written with TON 0 / NPI 1. Source: cfg.source_addr if set, else row->source, with
 * cfg.source_ton / source_npi. The caller must not queue a row that is already queued.
 *
 * Returns 0, -MDT_EFULL when queue_max MTs are queued, -MDT_ESHUTDOWN after
 * smpp_session_stop, -MDT_EINVAL (an address empty or over 20 octets, text not NUL-terminated
 * within STORE_TEXT_MAX), -MDT_EPARSE (text is not UTF-8) or -MDT_ERANGE (over SMS_PARTS_MAX
 * parts), -MDT_ENOMEM. On any error the row is not queued and submitted will not be called for
 * it. */
int smpp_session_submit(struct smpp_session *s, const struct outbox_row *row);

/* Acknowledge an MO: status 0 (ESME_ROK) once committed, ESME_RX_T_APPN (0x64, temporary: the
 * SMSC retries) when it could not be committed, or ESME_RSYSERR. Sends the deliver_sm_resp of
 * every part with that status and frees mo. If the connection the MO came on dropped meanwhile,
 * nothing is sent (the SMSC will deliver it again). With ESME_ROK and inbox_id (the caller's id
 * for the message, copied; NULL: not tracked), the ack is tracked until acks_read or
 * acks_in_doubt reports that id. Must be called exactly once per mo, even after
 * smpp_session_stop or smpp_session_free (then it only frees). */
void smpp_mo_ack(struct smpp_mo *mo, uint32_t status, const struct id128 *inbox_id);

/* True when every bind of the session is up (see smpp_handlers.bound). */
bool smpp_session_bound(const struct smpp_session *s);

/* Graceful stop: stop taking MTs (-MDT_ESHUTDOWN), send unbind on every bound connection, wait
 * for unbind_resp (at most SMPP_UNBIND_WAIT_MS), close, then call done_cb(arg) from the loop.
 * Responses that arrive meanwhile are still handled (submitted may still be called). done_cb may
 * call smpp_session_free. Call once. */
void smpp_session_stop(struct smpp_session *s, void (*done_cb)(void *arg), void *arg);

/* Close everything at once (no unbind: call smpp_session_stop first for a graceful end) and
 * free s. MTs still queued are dropped without a call to submitted; unacknowledged MOs stay
 * owned by the caller, who still calls smpp_mo_ack on each (it only frees them). NULL is a
 * no-op. */
void smpp_session_free(struct smpp_session *s);

/* Counters for /metrics and tests: MTs queued (not yet reported by submitted), submit_sm in
 * flight, MOs handed up and not yet acknowledged, partial MOs being reassembled, MOs
 * acknowledged and not yet known read (in doubt should the link drop now). */
struct smpp_session_stats {
    uint32_t mt_queued;
    uint32_t submit_in_flight;
    uint32_t mo_pending;
    uint32_t mo_partial;
    uint32_t mo_unconfirmed;
};
void smpp_session_stats(const struct smpp_session *s, struct smpp_session_stats *out);

#endif
