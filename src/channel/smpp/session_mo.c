/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 session, the incoming side: deliver_sm (§4.6), reassembly of concatenated MOs,
 * delivery receipts, and acknowledgements deferred until mandat has committed, then tracked
 * in doubt until the SMSC surely read them (DESIGN.md, Durability). */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/smpp/session_int.h"
#include "dialog/phone.h"

/* message_state (§5.2.28) as the receipt text's "stat:" spells it (Appendix B). */
static const char *state_name(unsigned st)
{
    static const char *const names[] = {"UNKNOWN", "ENROUTE", "DELIVRD", "EXPIRED", "DELETED",
                                        "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"};
    return st < sizeof(names) / sizeof(names[0]) ? names[st] : "UNKNOWN";
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

void smpp_conn_confirm(struct smpp_conn *c, uint64_t ord)
{
    conn_doubt_settle(c, ord, false);
}

void smpp_conn_doubt_report(struct smpp_conn *c)
{
    conn_doubt_settle(c, UINT64_MAX, true);
}

/* End of a loop iteration with MO acks in doubt: one enquire_link (not one per MO) whose answer
 * confirms them all. An enquire_link already pending was written before some of them: its
 * answer chains the next one (conn_on_enquire_resp). */
void smpp_session_doubt_cb(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_session *s = arg;

    (void)fd;
    (void)what;
    for (unsigned i = 0; i < s->nconn; i++) {
        struct smpp_conn *c = &s->conn[i];

        if (c->doubt.count > 0 && c->state == CONN_BOUND && !c->enquire_pending) {
            smpp_conn_enquire(c, clock_mono_us());
        }
    }
}

void smpp_session_doubt_soon(struct smpp_session *s)
{
    if (s->doubt_ev != NULL) {
        event_active(s->doubt_ev, EV_TIMEOUT, 0);
    }
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
void smpp_partials_clear(struct smpp_session *s)
{
    while (s->npartials > 0) {
        partial_remove(s, s->npartials - 1);
    }
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
        all = smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq[i], status) == 0 && all;
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
 * after its last deliver_sm_resp (smpp_conn_confirm), or at once when that response could not be
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
    MDT_ASSERT(rc == 0); /* smpp_mo_on_deliver throttles before the FIFO can fill */
    smpp_session_doubt_soon(s);
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
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, part->seq, ESME_RX_T_APPN);
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
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RX_P_APPN);
    } else {
        mo_message_init(&m, pdu);
        i = partial_index(c, &m, pdu, k);
        if (i == c->s->npartials) {
            smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RTHROTTLED); /* table full */
        } else {
            partial_store(c, i, k, seq, data, len, m.peer_id);
        }
    }
}

/* Partial MOs older than SMPP_MO_PARTIAL_TIMEOUT_S: answer their parts ESME_RX_T_APPN so that
 * the SMSC sends the whole message again. */
void smpp_partials_sweep(struct smpp_session *s, int64_t now)
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
                smpp_conn_respond(p->c, SMPP_CMD_deliver_sm_resp, p->part[j].seq, ESME_RX_T_APPN);
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
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RX_P_APPN);
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
void smpp_mo_on_deliver(struct smpp_conn *c, const struct smpp_pdu *pdu)
{
    struct smpp_session *s = c->s;
    uint32_t seq = pdu->sequence_number;
    uint8_t type = pdu->body.deliver_sm.esm_class & SMPP_ESM_TYPE_MASK;

    if (type == SMPP_ESM_TYPE_DELIVERY_RECEIPT) {
        /* Receipts carry no money: answered at once. */
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_ROK);
        mo_on_receipt(c, pdu);
    } else if (type != 0) {
        /* SME acknowledgements, intermediate notifications (§5.2.12): nothing for mandat. */
        log_debug("smpp %s: deliver_sm seq=%u with esm_class 0x%02x ignored", conn_name(c), seq,
                  (unsigned)pdu->body.deliver_sm.esm_class);
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_ROK);
    } else if (s->stopping) {
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RX_T_APPN);
    } else if (s->nmos >= SMPP_MO_PENDING_MAX || s->nmos + c->doubt.count >= SMPP_MO_DOUBT_MAX) {
        smpp_conn_respond(c, SMPP_CMD_deliver_sm_resp, seq, ESME_RTHROTTLED);
    } else {
        mo_on_message(c, pdu);
    }
}
