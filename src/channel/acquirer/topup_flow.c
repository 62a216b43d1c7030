/* SPDX-License-Identifier: Apache-2.0 */
/* Money in by bank card, end to end (topup_flow.h): each top-up in flight is a chain of steps
 * and acquirer calls, every operation recorded before it is sent and every answer recorded
 * before the next one goes. The decisions are the dialog's (dialog/topup.h); here only the
 * order of things, and the lookups that settle what a timeout or a restart left unknown. */
#include "channel/acquirer/topup_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "channel/acquirer/acquirer.h"
#include "dialog/dialog.h"
#include "dialog/dialog_text.h"
#include "dialog/topup.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

_Static_assert(TOPUP_OP_AUTHORIZE == (int)ACQUIRER_AUTHORIZE &&
                   TOPUP_OP_CAPTURE == (int)ACQUIRER_CAPTURE &&
                   TOPUP_OP_VOID == (int)ACQUIRER_VOID && TOPUP_OP_REFUND == (int)ACQUIRER_REFUND,
               "the rows number operations as the acquirer does");
_Static_assert(STORE_ACQ_KEY_MAX == ACQUIRER_KEY_MAX && STORE_ACQ_REF_MAX == ACQUIRER_REF_MAX,
               "keys and references fit both");

/* Chains in flight at once: each may hold a CVV slot and an acquirer call, so the same bound. */
#define TOPUP_FLOW_CHAINS_MAX ACQUIRER_INFLIGHT_MAX
/* Operations looked up per recheck: the next recheck takes the rest. */
#define TOPUP_FLOW_LOOKUPS_MAX 64

struct chain {
    struct topup_flow *f;
    struct id128 id;
    uint16_t op; /* enum topup_op: sent, or looked up */
    bool lookup;
    /* the page's card, until the authorization is sent (pan), or the acquirer answers (cvv); or
     * the card on file, opened from its seal just for the authorization's call */
    char pan[CARD_PAN_MAX + 1];
    char auth_ref[ACQUIRER_REF_MAX]; /* to capture, void, refund: from the step that recorded it */
    unsigned month, year;
    uint32_t cvv_slot;
    bool has_cvv;
    bool keep;                 /* the card goes on file with the credit */
    struct card_file_row file; /* then: its seal, BIN, last 4, expiry */
    topup_flow_fn done;        /* the page's, NULL for a lookup */
    void *ctx;
    struct chain *prev, *next;
};

struct topup_flow {
    struct topup_flow_config cfg;
    struct event_base *base;
    struct event *recheck;
    struct chain *chains;
    uint32_t chain_count;
};

static struct chain *chain_new(struct topup_flow *f, struct id128 id)
{
    struct chain *c;

    if (f->chain_count >= TOPUP_FLOW_CHAINS_MAX) {
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->f = f;
    c->id = id;
    c->next = f->chains;
    if (f->chains != NULL) {
        f->chains->prev = c;
    }
    f->chains = c;
    f->chain_count++;
    return c;
}

/* The chain is over: its card data wiped, unlinked, freed. */
static void chain_end(struct chain *c)
{
    struct topup_flow *f = c->f;

    vault_wipe(c->pan, sizeof(c->pan));
    vault_wipe(&c->file, sizeof(c->file));
    if (c->has_cvv) {
        card_cvv_drop(c->cvv_slot);
    }
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        f->chains = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    f->chain_count--;
    free(c);
}

/* Whether a chain of top-up id other than c is in flight. */
static bool chain_busy(const struct topup_flow *f, struct id128 id, const struct chain *c)
{
    for (const struct chain *o = f->chains; o != NULL; o = o->next) {
        if (o != c && id128_eq(o->id, id)) {
            return true;
        }
    }
    return false;
}

/* End c, telling the page (if any) where its top-up stands: as step s leaves it (the dialog's
 * memory follows only after this step's callbacks), else as the dialog knows it. */
static void chain_finish(struct chain *c, int rc, const struct dialog_step *s)
{
    struct topup_flow_result r = {.rc = rc};
    const struct dialog_step *refused =
        s != NULL && dialog_step_outcome(s) == OUTCOME_REFUSED ? s : NULL;
    const struct card_topup_row *t =
        s != NULL && s->topup_changed ? &s->topup : dialog_topup_get(c->f->cfg.dialog, c->id);

    if (t != NULL) {
        r.topup = *t;
    }
    if (refused != NULL) {
        r.refused = true;
        r.room_minor = dialog_topup_room(refused, &r.cap_minor);
    }
    if (rc < 0) {
        mdt_err_set(&r.err, rc, "%s", dialog_text(TEXT_PAGE_BUSY, (enum lang)r.topup.lang));
    }
    if (c->done != NULL) {
        c->done(c->ctx, &r);
    }
    chain_end(c);
}

static void send_op(struct chain *c, uint16_t op);
static void on_answer_step(void *ctx, int rc, const struct dialog_step *s);

/* Record what the acquirer said (a) for c's top-up; the step's end sends what follows. */
static void record(struct chain *c, const struct topup_answer *a)
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    int rc = dialog_topup_answer(c->f->cfg.dialog, c->id, a, clock_now_us(), &s, &err);

    if (rc == 0 && c->keep && a->op == TOPUP_OP_CAPTURE) {
        dialog_topup_keep_card(s, &c->file); /* written only if the step credits */
    }

    log_info("top-up %016llx: %s %s%s%s%s", (unsigned long long)c->id.lo,
             acquirer_op_name((enum acquirer_op)c->op),
             a->outcome == ACQ_OP_APPROVED   ? "approved"
             : a->outcome == ACQ_OP_DECLINED ? "declined"
                                             : "unknown",
             a->outcome == ACQ_OP_DECLINED ? " " : "", a->outcome == ACQ_OP_DECLINED ? a->code : "",
             c->lookup ? " (lookup)" : "");
    if (rc < 0) {
        chain_finish(c, rc == MDT_E(EXISTS) ? 0 : rc, NULL); /* nothing new, or later */
        return;
    }
    if (c->f->cfg.submit(c->f->cfg.submit_ctx, s, c, on_answer_step) < 0) {
        chain_finish(c, MDT_E(FULL), NULL); /* the answer is looked up again later */
    }
}

/* Whether c's operation, recorded but never received by the acquirer, may be sent now: all but
 * an authorization with a card typed on a page (its number is gone; it is declined). */
static bool resendable(const struct chain *c)
{
    const struct card_topup_row *t = dialog_topup_get(c->f->cfg.dialog, c->id);

    return c->op != TOPUP_OP_AUTHORIZE || (t != NULL && t->file_token[0] != '\0');
}

static void on_result(void *ctx, const struct acquirer_result *res)
{
    struct chain *c = ctx;
    struct topup_answer a = {.op = c->op};

    if (c->has_cvv) { /* the acquirer answered (or not in time): the code goes */
        card_cvv_drop(c->cvv_slot);
        c->has_cvv = false;
    }
    if (c->lookup && res->outcome == ACQUIRER_UNKNOWN) {
        chain_end(c); /* no answer to the lookup either: the next recheck asks again */
        return;
    }
    if (c->lookup && res->outcome == ACQUIRER_DECLINED &&
        strcmp(res->code, ACQUIRER_CODE_NO_RECORD) == 0 && resendable(c)) {
        send_op(c, c->op); /* recorded, never received: send it now, same key */
        return;
    }
    a.outcome = res->outcome == ACQUIRER_APPROVED   ? ACQ_OP_APPROVED
                : res->outcome == ACQUIRER_DECLINED ? ACQ_OP_DECLINED
                                                    : ACQ_OP_UNKNOWN;
    snprintf(a.code, sizeof(a.code), "%s", res->code);
    snprintf(a.ref, sizeof(a.ref), "%s", res->ref);
    record(c, &a);
}

/* The card on file that pays top-up t, opened from its seal into c->pan (wiped by send_op once
 * the call is made): a stored-credential authorization, without a security code. False when
 * the sender forgot or replaced that card since the order, or its seal does not open. */
static bool file_open(struct chain *c, const struct card_topup_row *t, struct acquirer_request *req)
{
    const struct card_file_row *f = dialog_card_file_get(c->f->cfg.dialog, t->phone);

    if (f == NULL || strcmp(f->pan.token, t->file_token) != 0 || c->f->cfg.vault == NULL ||
        card_vault_open_pan(c->f->cfg.vault, f->pan.token, f->pan.sealed, f->pan.sealed_len,
                            c->pan) < 0) {
        log_warn("top-up %016llx: the card on file is gone or does not open: declined",
                 (unsigned long long)c->id.lo);
        return false;
    }
    req->stored_credential = true;
    req->exp_month = f->exp_month;
    req->exp_year = f->exp_year;
    return true;
}

/* Send c's top-up's operation op (its row is durable), under its derived key. */
static void send_op(struct chain *c, uint16_t op)
{
    const struct card_topup_row *t = dialog_topup_get(c->f->cfg.dialog, c->id);
    struct acquirer_request req = {.op = (enum acquirer_op)op};
    struct acquirer_result unknown = {.op = (enum acquirer_op)op, .outcome = ACQUIRER_UNKNOWN};
    struct acquirer_result invalid = {
        .op = (enum acquirer_op)op, .outcome = ACQUIRER_DECLINED, .code = ACQUIRER_CODE_INVALID};
    int rc;

    MDT_ASSERT(t != NULL);
    c->op = op;
    c->lookup = false;
    dialog_topup_key(c->id, op, req.key);
    req.amount_minor = dialog_topup_charge(t);
    snprintf(req.currency, sizeof(req.currency), "%s", t->currency);
    if (op == TOPUP_OP_AUTHORIZE && t->file_token[0] != '\0') {
        if (!file_open(c, t, &req)) {
            on_result(c, &invalid);
            return;
        }
        req.pan = c->pan;
    } else if (op == TOPUP_OP_AUTHORIZE) {
        req.pan = c->pan;
        req.exp_month = c->month;
        req.exp_year = c->year;
        req.cvv_slot = c->cvv_slot;
    } else {
        snprintf(req.auth_ref, sizeof(req.auth_ref), "%s",
                 c->auth_ref[0] != '\0' ? c->auth_ref
                                        : dialog_topup_auth_ref(c->f->cfg.dialog, c->id));
    }
    rc = acquirer_submit(c->f->cfg.acquirer, &req, on_result, c);
    vault_wipe(c->pan, sizeof(c->pan)); /* sent (or not): never needed again */
    if (rc < 0) {
        /* Recorded as pending and perhaps never sent: unknown, settled by a lookup. */
        log_warn("top-up %016llx: the acquirer refused the call: %s", (unsigned long long)c->id.lo,
                 mdt_strerror(rc));
        on_result(c, &unknown);
    }
}

/* The answer is durable. The dialog's memory is updated after this callback: s says what the
 * step left (its top-up, and the next operation's row, pending, with the authorization's
 * reference: a capture, a void of a declined capture, a refund of a refused credit). */
static void on_answer_step(void *ctx, int rc, const struct dialog_step *s)
{
    struct chain *c = ctx;

    for (size_t i = 0; rc == 0 && i < s->acq_count; i++) {
        if (s->acq[i].state == ACQ_OP_PENDING) {
            snprintf(c->auth_ref, sizeof(c->auth_ref), "%s", s->acq[i].auth_ref);
            send_op(c, s->acq[i].kind);
            return;
        }
    }
    chain_finish(c, rc, rc == 0 ? s : NULL);
}

static void on_pay_step(void *ctx, int rc, const struct dialog_step *s)
{
    struct chain *c = ctx;

    if (rc < 0) {
        chain_finish(c, rc, NULL);
    } else if (dialog_step_outcome(s) == OUTCOME_REFUSED) {
        chain_finish(c, 0, s); /* the wallet's limit: the card is not charged */
    } else {
        c->id = s->topup.id;
        send_op(c, TOPUP_OP_AUTHORIZE);
    }
}

/* The card to keep on file: sealed under a new token, its keyed hash, BIN, last 4 and expiry.
 * False when the vault cannot seal it (the payment goes on; nothing is kept). */
static bool keep_seal(struct topup_flow *f, struct chain *c, size_t len)
{
    struct card_pan_row *p = &c->file.pan;
    size_t sealed_len = 0;

    _Static_assert(CARD_SEALED_MAX <= STORE_CARD_SEALED_MAX &&
                       CARD_TOKEN_MAX <= STORE_CARD_TOKEN_MAX,
                   "a seal and its token fit the row");
    if (f->cfg.vault == NULL || card_vault_token_new(p->token) < 0 ||
        card_vault_seal(f->cfg.vault, p->token, c->pan, p->sealed, &sealed_len, &p->key_version) <
            0) {
        log_warn("top-up: the card could not be sealed: it is not kept");
        return false;
    }
    card_vault_pan_mac(f->cfg.vault, c->pan, p->pan_mac);
    p->sealed_len = (uint16_t)sealed_len;
    memcpy(p->bin, c->pan, CARD_BIN_LEN);
    p->bin[CARD_BIN_LEN] = '\0';
    memcpy(p->last4, c->pan + len - CARD_LAST4_LEN, CARD_LAST4_LEN + 1);
    p->pan_len = (uint16_t)len;
    p->created_us = clock_now_us();
    c->file.exp_month = (uint8_t)c->month;
    c->file.exp_year = (uint16_t)c->year;
    c->file.created_us = p->created_us;
    return true;
}

/* A chain for a card keyed now (pan, valid through month/year, its code at cvv_slot, taken
 * over), or NULL with err (the code dropped). */
static struct chain *chain_card(struct topup_flow *f, const char *pan, unsigned month,
                                unsigned year, uint32_t cvv_slot, struct mdt_err *err, int *rc)
{
    size_t len = strnlen(pan, CARD_PAN_MAX + 1);
    struct chain *c;

    if (len < CARD_PAN_MIN || len > CARD_PAN_MAX) {
        card_cvv_drop(cvv_slot);
        *rc = mdt_err_set(err, MDT_E(INVAL), "a card number has 12 to 19 digits");
        return NULL;
    }
    c = chain_new(f, (struct id128){0, 0});
    if (c == NULL) {
        card_cvv_drop(cvv_slot);
        *rc = mdt_err_set(err, MDT_E(FULL), "%s", dialog_text(TEXT_PAGE_BUSY, LANG_FR));
        return NULL;
    }
    memcpy(c->pan, pan, len + 1);
    c->month = month;
    c->year = year;
    c->cvv_slot = cvv_slot;
    c->has_cvv = true;
    return c;
}

/* Submit the step s that recorded c's authorization; on_pay_step sends it once durable. */
static int chain_submit(struct topup_flow *f, struct chain *c, struct dialog_step *s,
                        topup_flow_fn done, void *ctx, struct mdt_err *err)
{
    c->id = s->topup.id;
    c->done = done;
    c->ctx = ctx;
    if (f->cfg.submit(f->cfg.submit_ctx, s, c, on_pay_step) < 0) {
        chain_end(c);
        return mdt_err_set(err, MDT_E(FULL), "%s", dialog_text(TEXT_PAGE_BUSY, LANG_FR));
    }
    return 0;
}

int topup_flow_pay(struct topup_flow *f, const uint8_t token_hash[SHA256_LEN], const char *pan,
                   unsigned month, unsigned year, uint32_t cvv_slot, bool keep, topup_flow_fn done,
                   void *ctx, struct mdt_err *err)
{
    struct dialog_step *s = NULL;
    int rc = 0;
    struct chain *c = chain_card(f, pan, month, year, cvv_slot, err, &rc);
    size_t len = strlen(pan);

    if (c == NULL) {
        return rc;
    }
    c->keep = keep && keep_seal(f, c, len);
    rc = dialog_topup_pay_web(f->cfg.dialog, token_hash, pan + len - 4, clock_now_us(), &s, err);
    if (rc < 0) {
        chain_end(c);
        return rc;
    }
    return chain_submit(f, c, s, done, ctx, err);
}

int topup_flow_pay_request(struct topup_flow *f, struct id128 request_id, const char *phone,
                           enum lang lang, const char *pan, unsigned month, unsigned year,
                           uint32_t cvv_slot, topup_flow_fn done, void *ctx, struct mdt_err *err)
{
    struct dialog_step *s = NULL;
    int rc = 0;
    struct chain *c = chain_card(f, pan, month, year, cvv_slot, err, &rc);

    if (c == NULL) {
        return rc;
    }
    rc = dialog_topup_pay_request(f->cfg.dialog, request_id, phone, pan + strlen(pan) - 4, lang,
                                  clock_now_us(), &s, err);
    if (rc < 0) {
        chain_end(c);
        return rc;
    }
    return chain_submit(f, c, s, done, ctx, err);
}

void topup_flow_recover(struct topup_flow *f, bool at_start)
{
    struct acquirer_op_row rows[TOPUP_FLOW_LOOKUPS_MAX];
    int64_t before = at_start ? INT64_MAX : clock_now_us() - 2 * (int64_t)f->cfg.recheck_ms * 1000;
    size_t n = dialog_topup_unresolved(f->cfg.dialog, before, rows, TOPUP_FLOW_LOOKUPS_MAX);

    for (size_t i = 0; i < n; i++) {
        struct chain *c;

        if (chain_busy(f, rows[i].topup_id, NULL)) {
            continue; /* its page's chain, or a lookup, is on it */
        }
        c = chain_new(f, rows[i].topup_id);
        if (c == NULL) {
            return; /* the next recheck takes the rest */
        }
        c->op = rows[i].kind;
        c->lookup = true;
        if (acquirer_lookup(f->cfg.acquirer, rows[i].key, on_result, c) < 0) {
            chain_end(c);
        }
    }
}

/* A reload paid by the card on file was confirmed with the code (its authorization is durable):
 * send it. Without room for a chain, the recheck finds it pending and sends it then. */
static void on_start(void *ctx, struct id128 id)
{
    struct topup_flow *f = ctx;
    struct chain *c;

    if (chain_busy(f, id, NULL)) {
        return;
    }
    c = chain_new(f, id);
    if (c != NULL) {
        send_op(c, TOPUP_OP_AUTHORIZE);
    }
}

static void on_recheck(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    topup_flow_recover(arg, false);
}

int topup_flow_create(struct event_base *base, const struct topup_flow_config *cfg,
                      struct topup_flow **out)
{
    struct topup_flow *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return MDT_E(NOMEM);
    }
    f->cfg = *cfg;
    f->base = base;
    if (cfg->recheck_ms > 0) {
        struct timeval tv = {.tv_sec = cfg->recheck_ms / 1000,
                             .tv_usec = (cfg->recheck_ms % 1000) * 1000};

        f->recheck = event_new(base, -1, EV_PERSIST, on_recheck, f);
        if (f->recheck == NULL) {
            free(f);
            return MDT_E(NOMEM);
        }
        evtimer_add(f->recheck, &tv);
    }
    dialog_topup_on_start(cfg->dialog, on_start, f);
    *out = f;
    return 0;
}

void topup_flow_free(struct topup_flow *f)
{
    if (f == NULL) {
        return;
    }
    dialog_topup_on_start(f->cfg.dialog, NULL, NULL);
    if (f->recheck != NULL) {
        event_free(f->recheck);
    }
    while (f->chains != NULL) {
        chain_end(f->chains);
    }
    free(f);
}
