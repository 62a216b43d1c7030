/* SPDX-License-Identifier: Apache-2.0 */
/* The service: messages in from channels, through the dialog and the engine, acknowledged only
 * once durable; replies out through the outbox. The engine calls back on the ledger thread, so
 * finished steps are handed to the loop through a locked list and a libevent user event. */
#include "mandatd/service.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/metrics.h"
#include "channel/loop/wake.h"
#include "vault/vault.h"

/* Messages waiting to be sent, kept in memory (the store has them too). 10 000 rows of about
 * 4.7 KB is 47 MB; past that new replies stay in the store only and are loaded at restart. */
#define SERVICE_OUTBOX_MAX 10000

/* Sent messages remembered to match delivery receipts. Receipts come within minutes; 4096 is
 * minutes of traffic at 20 messages a second. A receipt past it leaves its row "sent". */
#define SERVICE_SENT_RING 4096

struct pending {
    struct service *svc;
    void *ctx;
    service_ack_fn ack;
    service_step_fn step_done; /* api steps: told before the dialog frees the step */
    service_mo_ack_fn mo_ack;  /* tracked channels (SMPP) */
    struct id128 inbox_id;     /* dialog_received_id: zero when not tracked */
    int rc;
};

struct service {
    struct event_base *base;
    struct engine *engine;
    struct dialog *dialog;
    struct wake_queue finished; /* steps the ledger thread finished, for the loop */
    struct outbox_row *outbox;
    size_t outbox_count, outbox_cap;
    bool outbox_full_said;
    struct service_sender sender;                               /* SMS: SMPP links or Kannel */
    struct service_sender social_sender;                        /* CHANNEL_SOCIAL rows */
    void (*webhook_fn)(void *ctx, const struct webhook_row *r); /* durable events, sent now */
    void *webhook_ctx;
    /* recently sent messages, for their delivery receipts (a ring, newest overwrites) */
    struct sent {
        struct id128 id;
        char peer_id[STORE_PEER_ID_MAX];
    } sent[SERVICE_SENT_RING];
    size_t sent_next;
};

/* Ledger thread: hand the step to the loop. */
static void on_engine_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct dialog_step *step = ctx;
    struct pending *p = step->owner;
    struct service *s = p->svc;

    (void)res;
    (void)n;
    p->rc = rc;
    wake_queue_push(&s->finished, step);
}

static void outbox_queue(struct service *s, const struct outbox_row *r)
{
    if (s->outbox_count >= SERVICE_OUTBOX_MAX) {
        /* Said once per burst, not per message: a flood of lines would slow everything. */
        if (!s->outbox_full_said) {
            log_warn("outbox memory full (%d): replies wait in the store until restart; is the "
                     "SMSC link down?",
                     SERVICE_OUTBOX_MAX);
            s->outbox_full_said = true;
        }
        return;
    }
    s->outbox_full_said = false;
    mem_grow((void **)&s->outbox, &s->outbox_cap, s->outbox_count + 1, sizeof(*s->outbox));
    s->outbox[s->outbox_count++] = *r;
}

/* The row as the peer must get it: its link's token opened from the seal, in memory only (the
 * caller wipes it). A seal that does not open leaves the marker: a dead link is logged, and the
 * rest of the message is still worth sending. */
static void outbox_open(struct service *s, const struct outbox_row *r, struct outbox_row *out)
{
    int rc = dialog_outbox_open(s->dialog, r, out);

    if (rc < 0) {
        log_error("the link of an outbox message cannot be opened (%s): it is sent without it",
                  mdt_strerror(rc));
    }
}

int service_outbox_loaded(void *ctx, const struct outbox_row *r)
{
    struct service *s = ctx;

    if (r->state == OUTBOX_QUEUED) {
        outbox_queue(s, r);
    }
    return 0;
}

size_t service_outbox_depth(const struct service *s)
{
    return s->outbox_count;
}

static void rows_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    (void)res;
    (void)n;
    if (rc < 0) {
        log_error("outbox state not saved: %s (the message may be sent again)", mdt_strerror(rc));
    }
    free(ctx);
}

/* Persist new states of outbox rows (sent, delivered). Best effort: if this is lost, the
 * message is sent again after a restart, never lost. */
static void outbox_save_states(struct service *s, const struct outbox_row *rows, size_t n,
                               uint16_t state, const char *final_state)
{
    struct store_extra *x;

    if (n == 0) {
        return;
    }
    x = calloc(n, sizeof(*x));
    MDT_ASSERT(x != NULL);
    for (size_t i = 0; i < n; i++) {
        x[i].kind = EXTRA_OUTBOX_STATE;
        /* Only what the state update writes: rows may be opened copies whose text holds a
         * live link token, which must not linger in the engine's queue. */
        x[i].u.outbox.id = rows[i].id;
        x[i].u.outbox.attempts = rows[i].attempts;
        x[i].u.outbox.next_try_us = rows[i].next_try_us;
        snprintf(x[i].u.outbox.peer_id, sizeof(x[i].u.outbox.peer_id), "%s", rows[i].peer_id);
        x[i].u.outbox.state = state;
        snprintf(x[i].u.outbox.final_state, sizeof(x[i].u.outbox.final_state), "%s", final_state);
    }
    if (engine_submit_rows(s->engine, NULL, 0, x, n, n, NULL, NULL, x, rows_done) < 0) {
        log_error("outbox state not saved: queue full (the message may be sent again)");
        free(x);
    }
}

/* Answer a tracked channel: a message not taken is no longer tracked. */
static void mo_answer(struct service *s, const struct pending *p, int rc)
{
    bool taken = rc == 0 || rc == MDT_E(EXISTS);
    bool tracked = !id128_is_zero(p->inbox_id);

    if (!taken && tracked) {
        dialog_doubt_forget(s->dialog, p->inbox_id);
    }
    p->mo_ack(p->ctx, rc, taken && tracked ? &p->inbox_id : NULL);
}

/* A durable step: acknowledge its message, then send or queue its replies. */
static void step_finished(struct service *s, struct dialog_step *step)
{
    struct pending *p = step->owner;
    const char *texts[DIALOG_ROWS_MAX];
    const struct outbox_row *stored[DIALOG_ROWS_MAX]; /* as kept: links sealed */
    struct outbox_row *mine = calloc(DIALOG_ROWS_MAX, sizeof(*mine));
    size_t nmine = 0;
    int rc = p->rc;
    bool delivered;

    MDT_ASSERT(mine != NULL);
    for (size_t i = 0; rc == 0 && i < step->row_count; i++) {
        const struct outbox_row *o = &step->rows[i].u.outbox;

        if (step->rows[i].kind == EXTRA_WEBHOOK && s->webhook_fn != NULL) {
            s->webhook_fn(s->webhook_ctx, &step->rows[i].u.webhook);
        }
        if (step->rows[i].kind != EXTRA_OUTBOX) {
            continue;
        }
        if (p->ack != NULL && strcmp(o->dest, step->rows[0].u.inbox.source) == 0) {
            /* In the channel's answer (Kannel's get-url body): opened for it. */
            outbox_open(s, o, &mine[nmine]);
            stored[nmine] = o;
            texts[nmine] = mine[nmine].text;
            nmine++;
        } else {
            outbox_queue(s, o);
        }
    }
    delivered = p->ack != NULL && p->ack(p->ctx, rc, texts, nmine);
    if (p->mo_ack != NULL) {
        mo_answer(s, p, rc);
    }
    if (p->step_done != NULL) {
        p->step_done(p->ctx, rc, step);
    }
    if (delivered) {
        metrics_add(METRIC_MESSAGES_OUT_SMS, nmine); /* in the channel's answer (Kannel) */
        outbox_save_states(s, mine, nmine, OUTBOX_SENT, "");
    } else {
        for (size_t i = 0; i < nmine; i++) {
            outbox_queue(s, stored[i]);
        }
    }
    vault_wipe(mine, nmine * sizeof(*mine)); /* only those rows were opened into it */
    free(mine);
    free(p);
    dialog_step_done(step, rc);
    service_work(s); /* a wallet just opened may have money waiting */
    service_outbox_flush(s);
}

/* Loop thread: a step the ledger thread finished (on_engine_done). */
static void on_step_done(void *ctx, void *item)
{
    step_finished(ctx, item);
}

/* An answer decided without the engine still reaches the channel later, never inside
 * service_receive: channels may then treat every answer the same way. */
struct early {
    struct pending p;
};

static void on_early(evutil_socket_t fd, short what, void *arg)
{
    struct early *e = arg;

    (void)fd;
    (void)what;
    if (e->p.mo_ack != NULL) {
        mo_answer(e->p.svc, &e->p, e->p.rc);
    } else {
        e->p.ack(e->p.ctx, e->p.rc, NULL, 0);
    }
    free(e);
}

static void answer_later(struct service *s, const struct pending *how, int rc)
{
    struct early *e = malloc(sizeof(*e));
    struct timeval now = {0, 0};

    MDT_ASSERT(e != NULL);
    e->p = *how;
    e->p.svc = s;
    e->p.rc = rc;
    if (event_base_once(s->base, -1, EV_TIMEOUT, on_early, e, &now) < 0) {
        on_early(-1, 0, e);
    }
}

/* Submit a step to the engine with how to answer it (a copy of *how). On failure the step is
 * released and the negative code returned; nothing will be answered. */
static int submit_step(struct service *s, struct dialog_step *step, const struct pending *how)
{
    struct pending *p = malloc(sizeof(*p));
    int rc;

    MDT_ASSERT(p != NULL);
    *p = *how;
    p->svc = s;
    step->owner = p;
    rc = engine_submit_rows(s->engine, step->ops, step->n, step->rows, step->row_count,
                            DIALOG_ROWS_MAX, dialog_hook, step->results, step, on_engine_done);
    if (rc < 0) {
        free(p);
        dialog_step_done(step, rc);
    }
    return rc;
}

static void receive(struct service *s, const struct dialog_message *m, struct pending *how)
{
    struct dialog_step *step = NULL;
    int rc = dialog_receive(s->dialog, m, clock_now_us(), &step);

    metrics_add(METRIC_MESSAGES_IN_SMS, 1);
    how->inbox_id = dialog_received_id(s->dialog);
    if (rc < 0) {
        answer_later(s, how, rc);
        return;
    }
    rc = submit_step(s, step, how);
    if (rc < 0) {
        answer_later(s, how, rc);
    }
}

void service_receive(struct service *s, const struct dialog_message *m, void *ctx,
                     service_ack_fn ack)
{
    receive(s, m, &(struct pending){.ctx = ctx, .ack = ack});
}

void service_receive_tracked(struct service *s, const struct dialog_message *m, void *ctx,
                             service_mo_ack_fn ack)
{
    receive(s, m, &(struct pending){.ctx = ctx, .mo_ack = ack});
}

static void confirmed_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    (void)res;
    (void)n;
    if (rc < 0) {
        /* Left in doubt in the store: after a restart, a real repeat of one of these texts
         * within dedup_window would be taken for its redelivery. */
        log_warn("inbox: acknowledgements read not recorded: %s", mdt_strerror(rc));
    }
    free(ctx);
}

void service_acks_read(struct service *s, const struct id128 *ids, size_t n)
{
    struct store_extra *x = calloc(n, sizeof(*x));
    size_t k;

    MDT_ASSERT(x != NULL);
    k = dialog_acks_read(s->dialog, ids, n, x);
    /* No ops: the rows ride in the engine's next batch, one commit with everything else. */
    if (k == 0 ||
        engine_submit_rows(s->engine, NULL, 0, x, k, k, NULL, NULL, x, confirmed_done) < 0) {
        if (k > 0) {
            log_warn("inbox: acknowledgements read not recorded: the engine's queue is full");
        }
        free(x);
    }
}

void service_acks_in_doubt(struct service *s, const struct id128 *ids, size_t n)
{
    dialog_acks_in_doubt(s->dialog, ids, n);
}

int service_submit(struct service *s, struct dialog_step *step, void *ctx, service_step_fn done)
{
    return submit_step(s, step, &(struct pending){.ctx = ctx, .step_done = done});
}

/* At most this many work steps per call: the rest waits for the next second, so that a
 * backlog of expired claims never starves messages of the engine's queue. */
#define SERVICE_WORK_MAX 64

void service_work(struct service *s)
{
    struct dialog_step *step;
    int64_t now_us = clock_now_us();

    for (int i = 0; i < SERVICE_WORK_MAX && dialog_work(s->dialog, now_us, &step) == 0; i++) {
        if (submit_step(s, step, &(struct pending){.svc = s}) < 0) {
            break; /* the queue is full: tried again next second */
        }
    }
}

void service_webhook_hook_set(struct service *s, void (*fn)(void *ctx, const struct webhook_row *r),
                              void *ctx)
{
    s->webhook_fn = fn;
    s->webhook_ctx = ctx;
}

void service_sender_set(struct service *s, const struct service_sender *snd)
{
    s->sender = *snd;
    service_outbox_flush(s);
}

void service_social_sender_set(struct service *s, const struct service_sender *snd)
{
    s->social_sender = *snd;
    service_outbox_flush(s);
}

static bool sender_open(const struct service_sender *snd)
{
    return snd->submit != NULL && snd->ready(snd->ctx);
}

/* Hand a row to a sender with its link opened; the sender copies what it keeps. */
static int submit_open(struct service *s, const struct service_sender *snd,
                       const struct outbox_row *r)
{
    struct outbox_row *open;
    int rc;

    if (r->link_seal_len == 0) {
        return snd->submit(snd->ctx, r); /* most rows: nothing sealed, nothing to open or wipe */
    }
    open = malloc(sizeof(*open));
    MDT_ASSERT(open != NULL);
    outbox_open(s, r, open);
    rc = snd->submit(snd->ctx, open);
    vault_wipe(open->text, sizeof(open->text));
    free(open);
    return rc;
}

void service_outbox_flush(struct service *s)
{
    bool open[2] = {sender_open(&s->sender), sender_open(&s->social_sender)};
    size_t kept = 0, sent[2] = {0, 0};

    for (size_t i = 0; i < s->outbox_count; i++) {
        int k = s->outbox[i].channel == CHANNEL_SOCIAL ? 1 : 0;
        const struct service_sender *snd = k == 1 ? &s->social_sender : &s->sender;

        if (open[k] && submit_open(s, snd, &s->outbox[i]) == 0) {
            sent[k]++;
            continue;
        }
        open[k] = false; /* that sender is full or down: the rest of its rows wait, in order */
        s->outbox[kept++] = s->outbox[i];
    }
    metrics_add(METRIC_MESSAGES_OUT_SMS, sent[0]);
    s->outbox_count = kept;
}

static void save_one(struct service *s, struct id128 id, uint16_t state, const char *peer_id,
                     const char *final_state)
{
    struct outbox_row r = {.id = id, .state = state, .attempts = 1};

    snprintf(r.peer_id, sizeof(r.peer_id), "%s", peer_id);
    snprintf(r.final_state, sizeof(r.final_state), "%s", final_state);
    outbox_save_states(s, &r, 1, state, final_state);
}

void service_outbox_submitted(struct service *s, struct id128 id, int rc, const char *peer_id)
{
    struct sent *e;

    if (rc < 0) {
        save_one(s, id, OUTBOX_FAILED, "", "REJECTD");
        return;
    }
    e = &s->sent[s->sent_next];
    s->sent_next = (s->sent_next + 1) % SERVICE_SENT_RING;
    e->id = id;
    snprintf(e->peer_id, sizeof(e->peer_id), "%s", peer_id);
    save_one(s, id, OUTBOX_SENT, peer_id, "");
}

void service_outbox_receipt(struct service *s, const char *peer_id, const char *stat)
{
    for (size_t i = 0; i < SERVICE_SENT_RING; i++) {
        if (s->sent[i].peer_id[0] != '\0' && strcmp(s->sent[i].peer_id, peer_id) == 0) {
            save_one(s, s->sent[i].id,
                     strcmp(stat, "DELIVRD") == 0 ? OUTBOX_DELIVERED : OUTBOX_FAILED, peer_id,
                     stat);
            s->sent[i].peer_id[0] = '\0';
            return;
        }
    }
    log_debug("delivery receipt for an unknown message id");
}

void service_outbox_requeue(struct service *s, const struct outbox_row *r)
{
    outbox_queue(s, r);
}

size_t service_outbox_take(struct service *s, const char *dest, struct outbox_row *out, size_t max)
{
    size_t n = 0, kept = 0;

    for (size_t i = 0; i < s->outbox_count; i++) {
        if (n < max && strcmp(s->outbox[i].dest, dest) == 0) {
            outbox_open(s, &s->outbox[i], &out[n++]); /* the dev phone reads the link */
        } else {
            s->outbox[kept++] = s->outbox[i];
        }
    }
    s->outbox_count = kept;
    outbox_save_states(s, out, n, OUTBOX_DELIVERED, "DEV");
    return n;
}

int service_create(struct event_base *base, struct engine *engine, struct dialog *dialog,
                   struct service **out, struct mdt_err *err)
{
    struct service *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory creating the service");
    }
    s->base = base;
    s->engine = engine;
    s->dialog = dialog;
    if (wake_queue_init(&s->finished, base, on_step_done, s) < 0) {
        service_free(s);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the service's wake-up event");
    }
    *out = s;
    return 0;
}

void service_free(struct service *s)
{
    if (s == NULL) {
        return;
    }
    wake_queue_release(&s->finished, NULL, NULL);
    free(s->outbox);
    free(s);
}
