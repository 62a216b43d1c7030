/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 session, the outgoing side: the MT queue, the submit_sm window, the throughput cap,
 * pauses on ESME_RTHROTTLED, submit_sm_resp and its timeout (§4.4). */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/smpp/session_int.h"

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
void smpp_conn_requeue(struct smpp_conn *c)
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

struct smpp_slot *smpp_conn_slot_find(struct smpp_conn *c, uint32_t seq)
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
        rc = smpp_conn_send(c, &pdu);
    }
    if (rc == MDT_E(IO)) {
        smpp_conn_drop(c, "cannot write"); /* out of memory: the part stays pending */
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
void smpp_session_pump(struct smpp_session *s)
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
void smpp_conn_on_submit_resp(struct smpp_conn *c, uint32_t seq, uint32_t status,
                              const char *message_id)
{
    struct smpp_slot *slot = smpp_conn_slot_find(c, seq);

    if (slot == NULL) {
        /* Answered after response_timeout_s: the part was sent again meanwhile. */
        log_debug("smpp %s: submit_sm_resp seq=%u matches nothing in flight", conn_name(c), seq);
    } else {
        smpp_conn_confirm(c, slot->ord);
        slot_settle(c, slot, status, message_id);
        smpp_session_pump(c->s);
    }
}

/* Parts without a response within response_timeout_s go back to the queue. */
void smpp_conn_expire_submits(struct smpp_conn *c, int64_t now, int64_t timeout_us)
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
    smpp_session_pump(s);
out:
    return rc;
}
